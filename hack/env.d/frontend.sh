#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 5: build the slimfront frontend image from the repo root Dockerfile and push it to
# $REG/org/slimfront:latest. Runs on every `up` (buildkit's cache makes it fast when nothing changed),
# so the pushed frontend always matches the checkout. Build log: $RUN/build-frontend.log.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ref=$REG/org/slimfront:latest
[[ -f $REPO_DIR/Dockerfile ]] ||
	die "frontend: $REPO_DIR/Dockerfile does not exist yet; cannot build $ref (everything else is up)"
log "building frontend $ref from $REPO_DIR/Dockerfile"
if ! buildctl build --progress=plain --frontend dockerfile.v0 \
	--local context="$REPO_DIR" --local dockerfile="$REPO_DIR" \
	--output "type=image,name=$ref,push=true,registry.insecure=true" \
	>"$RUN/build-frontend.log" 2>&1; then
	grep -v '^#[0-9]* \(sha256\|extracting\|transferring\|DONE\|CACHED\)' "$RUN/build-frontend.log" | tail -n 25 >&2 || true
	die "frontend: building $REPO_DIR/Dockerfile failed (full log: $RUN/build-frontend.log); everything else is up"
fi
log "frontend pushed ($(crane digest --insecure "$ref"))"
