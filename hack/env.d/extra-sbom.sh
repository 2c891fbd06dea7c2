#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Extra: docker/buildkit-syft-scanner (tags stable-1 latest), linux/amd64: the SBOM generator BuildKit
# runs for `--sbom=true` (its default scanner image), which is not reachable here. Stand-in built from
# hack/images/sbom-scanner (its own Go module, syft as a library; implements BuildKit's scanner
# protocol), on the host with the Go module proxy, as a single static binary on an empty base.
# Rebuilt when the scanner's sources, go.mod/go.sum or this script change. ~3 min when cold.
#
# Sourced with LIST_IMAGES=1: only append the image to EXPECTED_IMAGES and return.
if [[ ${LIST_IMAGES:-0} == 1 ]]; then
	EXPECTED_IMAGES+=("docker/buildkit-syft-scanner stable-1 latest")
	# shellcheck disable=SC2317 # exit: when run instead of sourced
	return 0 2>/dev/null || exit 0
fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ ${SKIP_SBOM:-0} == 1 ]] && exit 0

REPO=docker/buildkit-syft-scanner
TAGS=(stable-1 latest)
SRC=$HACK_DIR/images/sbom-scanner
INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" "$SRC"/go.mod "$SRC"/go.sum "$SRC"/*.go -- "$(go env GOVERSION)")
want_image "$REPO" "${TAGS[@]}" || exit 0
log "building $REPO stand-in (syft $(cd "$SRC" && go list -m -f '{{.Version}}' github.com/anchore/syft); ~3 min when cold)"
mkdir -p "$WORK"
W=$(mktemp -d "$WORK/sbom-scanner.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/root/bin"
(cd "$SRC" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOWORK=off go build -trimpath -ldflags "-s -w" \
	-o "$W/root/bin/syft-scanner" .) >&2 || die "go build hack/images/sbom-scanner failed"
mktar "$W/root" "$W/layer.tar"
push_image "$REG/$REPO:stable-1" linux/amd64 - "$W/layer.tar" -- --entrypoint /bin/syft-scanner \
	--workdir / --label "org.opencontainers.image.title=buildkit-syft-scanner stand-in (slimfront hack/env)"
tag_all "$REPO" stable-1 "${TAGS[@]}"
log "$REPO pushed ($(crane digest --insecure "$REG/$REPO:stable-1"))"
