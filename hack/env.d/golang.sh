#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 4c: golang:1.26 (tags 1.26 1.26-trixie 1.26.8 1.26.8-trixie), an index for linux/amd64 + linux/arm64.
# Go comes from the Go module proxy (golang.org/toolchain@v0.0.1-goX.linux-<arch>); no Go release download
# is reachable.
#   amd64: built by buildkit from hack/images/golang/Dockerfile on debian:13-slim's amd64 image (faithful).
#   arm64: STRUCTURAL: debian:13-slim's arm64 image + Go's arm64 toolchain at /usr/local/go and the same
#          config (GOLANG_VERSION, GOTOOLCHAIN, GOPATH, PATH, workdir /go), assembled on the host; without
#          the Dockerfile's apt packages (git, gcc, make, ...), which would need an arm64 RUN. The Go preset
#          builds on the build platform, so tests only ever use it as data (COPY) or see a RUN fail.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO=library/golang
V=$GO_IMAGE_VERSION
MINOR=${V%.*}
TAGS=("$MINOR" "$MINOR-trixie" "$V" "$V-trixie")
image_exists library/debian:13-slim || die "debian:13-slim is missing in $REG (run debian.sh first)"
DEBIAN_AMD64=$(crane digest --insecure --platform linux/amd64 "$REG/library/debian:13-slim")
DEBIAN_ARM64=$(crane digest --insecure --platform linux/arm64 "$REG/library/debian:13-slim")
[[ $DEBIAN_ARM64 != "$DEBIAN_AMD64" ]] || die "debian:13-slim has no linux/arm64 image (run debian.sh first)"
ENV_ARGS=(--env "GOLANG_VERSION=$V" --env GOTOOLCHAIN=local --env GOPATH=/go
	--env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --workdir /go)

# goroot ARCH: a host-side copy of Go's toolchain for linux/ARCH. The module zip has no exec bits and read-only dirs (the go command fixes that only when it switches
# toolchains itself): fix a host-side copy, so no RUN chmod duplicates the ~240 MB layer.
goroot() {
	local arch=$1 goroot=$DL/go/go$V.linux-$1 dir
	if [[ ! -f $goroot/.ready ]]; then
		log "fetching Go $V linux/$arch (golang.org/toolchain module)"
		dir=$(GOFLAGS=-modcacherw go mod download -json "golang.org/toolchain@v0.0.1-go$V.linux-$arch" | jq -r .Dir)
		[[ -f $dir/bin/go ]] || die "go mod download golang.org/toolchain@v0.0.1-go$V.linux-$arch failed"
		rm -rf "$goroot"
		mkdir -p "$goroot"
		cp -a "$dir/." "$goroot/"
		chmod -R u+w "$goroot"
		chmod 0755 "$goroot"/bin/* "$goroot/pkg/tool/linux_$arch"/*
		touch "$goroot/.ready"
	fi
	printf '%s\n' "$goroot"
}

build_amd64() { # -> $STAGE/golang:MINOR-amd64
	local goroot
	goroot=$(goroot amd64)

	log "building golang:$MINOR linux/amd64 (buildkit, ~1 min)"
	ctx=$HACK_DIR/images/golang
	buildctl build --progress=plain --frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$ctx" \
		--local goroot="$goroot" --opt context:goroot=local:goroot \
		--opt platform=linux/amd64 --opt build-arg:GOLANG_VERSION="$V" --opt "label:$INPUTS_LABEL=$INPUTS_AMD64" \
		--output "type=image,name=$STAGE/golang:$MINOR-amd64,push=true,registry.insecure=true" \
		>"$RUN/build-golang.log" 2>&1 || { tail -n 30 "$RUN/build-golang.log" >&2; die "golang:$MINOR build failed (log: $RUN/build-golang.log)"; }
}

build_arm64() { # -> $STAGE/golang:MINOR-arm64
	local goroot W
	goroot=$(goroot arm64)
	log "building golang:$MINOR linux/arm64 (structural: debian:13-slim arm64 + Go linux/arm64, no apt packages)"
	W=$(mktemp -d "$WORK/golang-arm64.XXXXXX")
	mkdir -p "$W/root/usr/local" "$W/root/go/src" "$W/root/go/bin"
	cp -a "$goroot" "$W/root/usr/local/go"
	rm -f "$W/root/usr/local/go/.ready"
	chmod -R 1777 "$W/root/go"
	arm64_elf_check "$W/root/usr/local/go/bin" # (src/ has x86-64 test data on purpose)
	arm64_elf_check "$W/root/usr/local/go/pkg/tool"
	mktar "$W/root" "$W/go.tar"
	INPUTS=$INPUTS_ARM64 push_image "$STAGE/golang:$MINOR-arm64" linux/arm64 "$REG/library/debian@$DEBIAN_ARM64" "$W/go.tar" -- "${ENV_ARGS[@]}"
	rm -rf "$W"
}

INPUTS_AMD64=$(inputs_hash "$HACK_DIR"/images/golang/* -- "$V" "$DEBIAN_AMD64" "$(declare -f goroot build_amd64)")
amd=$(arch_image "$REPO" "$MINOR" amd64 "$INPUTS_AMD64")
if [[ -z $amd ]]; then
	build_amd64
	amd=$STAGE/golang:$MINOR-amd64
fi
INPUTS_ARM64=$(inputs_hash -- "$V" "$DEBIAN_ARM64" "$(declare -f goroot build_arm64 arm64_elf_check)" "${ENV_ARGS[*]}")
index_current "$REPO" "${TAGS[@]}" && exit 0
arm=$(arch_image "$REPO" "$MINOR" arm64 "$INPUTS_ARM64")
if [[ -z $arm ]]; then
	build_arm64
	arm=$STAGE/golang:$MINOR-arm64
fi
publish_index "$REPO" "$amd" "$arm" "${TAGS[@]}"
log "golang:$MINOR pushed ($(crane digest --insecure "$REG/$REPO:$MINOR"))"
