#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 6: the buildx builder "slim" (remote driver on our buildkitd socket), bootstrapped.
# buildx is a docker CLI plugin (~/.docker/cli-plugins/docker-buildx -> $BIN/buildx); there is no
# docker engine, so use `docker buildx build` (or BUILDX_BUILDER=slim), never plain `docker build`
# without a builder, and --output type=oci,dest=... or --push instead of --load.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

endpoint="unix://$BUILDKIT_SOCK"
cur=$(docker buildx inspect slim 2>/dev/null | awk '$1 == "Endpoint:" {print $2; exit}') || true
if [[ -n $cur && $cur != "$endpoint" ]]; then
	log "buildx builder slim points at $cur; recreating it for $endpoint"
	docker buildx rm slim >/dev/null 2>&1 || true
	cur=
fi
if [[ -z $cur ]]; then
	log "creating buildx builder slim (remote, $endpoint)"
	docker buildx create --name slim --driver remote "$endpoint" >/dev/null 2>&1 ||
		die "docker buildx create --name slim failed"
fi
docker buildx use slim >/dev/null 2>&1 || true
out=$(docker buildx inspect --bootstrap slim 2>&1) || { printf '%s\n' "$out" >&2; die "buildx builder slim does not bootstrap"; }
grep -q 'Status: *running' <<<"$out" || { printf '%s\n' "$out" >&2; die "buildx builder slim is not running"; }
