#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 4c: golang:1.26 (tags 1.26 1.26-trixie 1.26.8 1.26.8-trixie), linux/amd64, built by buildkit from
# hack/images/golang/Dockerfile on top of our debian:13-slim. Go comes from the Go module proxy
# (golang.org/toolchain@v0.0.1-goX.linux-amd64); no Go release download is reachable.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO=library/golang
V=$GO_IMAGE_VERSION
MINOR=${V%.*}
TAGS=("$MINOR" "$MINOR-trixie" "$V" "$V-trixie")
image_exists library/debian:13-slim || die "debian:13-slim is missing in $REG (run debian.sh first)"
INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" "$HACK_DIR"/images/golang/* -- "$V" "$(crane digest --insecure "$REG/library/debian:13-slim")")
want_image "$REPO" "${TAGS[@]}" || exit 0

# The module zip has no exec bits and read-only dirs (the go command fixes that only when it switches
# toolchains itself): fix a host-side copy, so no RUN chmod duplicates the ~240 MB layer.
goroot=$DL/go/go$V.linux-amd64
if [[ ! -f $goroot/.ready ]]; then
	log "fetching Go $V (golang.org/toolchain module)"
	dir=$(GOFLAGS=-modcacherw go mod download -json "golang.org/toolchain@v0.0.1-go$V.linux-amd64" | jq -r .Dir)
	[[ -x $dir/bin/go || -f $dir/bin/go ]] || die "go mod download golang.org/toolchain@v0.0.1-go$V.linux-amd64 failed"
	rm -rf "$goroot"
	mkdir -p "$goroot"
	cp -a "$dir/." "$goroot/"
	chmod -R u+w "$goroot"
	chmod 0755 "$goroot"/bin/* "$goroot"/pkg/tool/linux_amd64/*
	touch "$goroot/.ready"
fi

log "building golang:$MINOR (buildkit, ~1 min)"
ctx=$HACK_DIR/images/golang
buildctl build --progress=plain --frontend dockerfile.v0 \
	--local context="$ctx" --local dockerfile="$ctx" \
	--local goroot="$goroot" --opt context:goroot=local:goroot \
	--opt platform=linux/amd64 --opt build-arg:GOLANG_VERSION="$V" --opt "label:$INPUTS_LABEL=$INPUTS" \
	--output "type=image,name=$REG/$REPO:$MINOR,push=true,registry.insecure=true" \
	>"$RUN/build-golang.log" 2>&1 || { tail -n 30 "$RUN/build-golang.log" >&2; die "golang:$MINOR build failed (log: $RUN/build-golang.log)"; }
tag_all "$REPO" "$MINOR" "${TAGS[@]}"
log "golang:$MINOR pushed ($(crane digest --insecure "$REG/$REPO:$MINOR"))"
