// Package llbgen owns the Plan, a small declarative description of a
// multi-stage image build, and its translation to BuildKit LLB plus the OCI
// image config of the result.
//
// It must not know any language (no "go", "pip" or "npm" here: that is
// presets/) and must not import the gateway or dockerui (that is frontend/).
// Everything it needs from the outside arrives through Options: platforms,
// the build context state, an ImageSource for base images and a source map.
// A test guards these imports.
package llbgen
