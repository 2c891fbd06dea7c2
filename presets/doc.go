// Package presets owns the per-language, per-base knowledge of slimfront:
// which images to start from, which steps an expert would write and in what
// order, what the final image must contain. Each language lives in its own
// package (presets/golang, ...) behind the small Preset interface and turns a
// validated descriptor into an llbgen.Plan.
//
// Presets must not build LLB or talk to the gateway; they describe, llbgen
// renders, frontend executes.
package presets
