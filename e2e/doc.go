// Package e2e holds slimfront's end-to-end tests. They build the examples in
// ../examples with `docker buildx build -f slim.toml` against the local
// BuildKit of hack/env, export OCI tarballs, inspect them and run them with
// hack/run-image.
//
// Bring the environment up, then run the suite:
//
//	eval "$(hack/env up)"
//	SLIM_E2E_REQUIRED=1 go test ./e2e -v -timeout 60m
//
// Without the environment every test skips, unless SLIM_E2E_REQUIRED=1 (as
// in CI), in which case they fail.
package e2e
