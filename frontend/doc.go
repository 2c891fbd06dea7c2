// Package frontend is the gateway glue of slimfront: it reads the descriptor
// and every build option through buildkit's frontend/dockerui (file name,
// build args, platforms, named contexts, cache imports, SOURCE_DATE_EPOCH,
// labels, attestations), asks presets for a Plan, has llbgen render it and
// solves the result. Descriptor errors leave here source-mapped, so
// `docker buildx build` prints the offending slim.toml line.
//
// It must not know any language: that is presets/.
package frontend
