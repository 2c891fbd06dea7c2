#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 4e: docker/dockerfile (tags 1 1-labs latest 1.4..1.20 and -labs), so Dockerfiles starting with
# `# syntax=docker/dockerfile:1[.N]` resolve through the docker.io mirror. Built from the buildkit module
# of go.mod (labs = mainline in this buildkit), single linux/amd64 image with upstream's labels.
# A digest-pinned syntax line can never resolve here: use --build-arg BUILDKIT_SYNTAX=docker/dockerfile:1.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO=docker/dockerfile
TAGS=(1 1-labs latest)
for ((i = 4; i <= 20; i++)); do TAGS+=("1.$i" "1.$i-labs"); done
bk=$(buildkit_version)
INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" -- "$bk") # a buildkit version change rebuilds it
want_image "$REPO" "${TAGS[@]}" || exit 0
log "building docker/dockerfile frontend image (buildkit $bk)"
W=$WORK/dockerfile-frontend
rm -rf "$W"
mkdir -p "$W/root/bin"
dir=$(go mod download -json "github.com/moby/buildkit@$bk" | jq -r .Dir)
(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -tags "netgo osusergo static_build" \
	-ldflags "-X main.Version=buildkit-$bk" \
	-o "$W/root/bin/dockerfile-frontend" ./frontend/dockerfile/cmd/dockerfile-frontend) >&2 ||
	die "go build dockerfile-frontend failed"
mktar "$W/root" "$W/layer.tar"
push_image "$REG/$REPO:1" linux/amd64 - "$W/layer.tar" -- --entrypoint /bin/dockerfile-frontend \
	--label moby.buildkit.frontend.network.none=true \
	--label moby.buildkit.frontend.caps=moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd \
	--label "org.opencontainers.image.version=$bk"
tag_all "$REPO" 1 "${TAGS[@]}"
rm -rf "$W"
log "docker/dockerfile pushed ($(crane digest --insecure "$REG/$REPO:1"))"
