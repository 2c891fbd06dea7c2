// Package presets owns the per-language, per-base knowledge of slimfront:
// which images to start from, which steps an expert would write and in what
// order, what the final image must contain, and how to recognise an app of
// the language. Each language lives in its own package (presets/golang, ...)
// behind the small Preset interface and turns a validated descriptor into an
// llbgen.Plan.
//
// Presets must not build LLB or talk to the gateway; they describe, llbgen
// renders, frontend executes.
//
// # Adding a language
//
// A fourth language is one new package plus one registry line; no other
// code changes. The package, presets/<lang>, has a type implementing
// Preset:
//
//   - Language: the descriptor's language value ("rust");
//   - Bases: the base presets it can build on ("scratch", "distroless",
//     "alpine");
//   - Plan: descriptor -> llbgen.Plan for one target; descriptor problems
//     as *descriptor.Error (descriptor.Errorf) so they carry a location;
//   - Info: its prose name, the marker files that identify an app
//     ("Cargo.toml"), the extension of its hand-written sources (bench
//     edits one) and whether it compiles to one static binary (bench then
//     compares the scratch image with a stripped binary plus CA
//     certificates);
//   - Detect: what `slim init` writes for an app whose markers are present
//     (entrypoint, deps, port, notes, [build] script, extra .dockerignore
//     lines), each with the comment saying why; errors tell the user what
//     to choose. FindPort, ReadHead, IsFile, SkipDir and Mentions help.
//
// The registry line goes in presets/all/all.go's Presets. Its position is
// the order `slim init` tries the detectors in and lists the languages of
// an app with the markers of several.
//
// Descriptor validation, `slim plan`/`build`, the frontend and bench read
// the languages from that registry. Alongside the code, document the
// language where people read about it: the README (the language table and
// the `slim init` section), `slim init`'s usage text (internal/cli/init.go)
// and, for benchmarks, examples/<app>/ and bench/handwritten/<lang>/.
// presets/all/fake_language_test.go registers a made-up language this way.
package presets
