#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 2: build buildkitd, buildctl, registry, crane and buildx into $BIN (CGO_ENABLED=0, -trimpath).
# Each binary has a stamp file bin/.<name>.version; a version change (e.g. buildkit in go.mod) rebuilds it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v go >/dev/null || die "go is not on PATH (needed to build the tools)"
mkdir -p "$BIN"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

stamp_ok() { [[ -x $BIN/$1 && -f $BIN/.$1.version && $(<"$BIN/.$1.version") == "$2" ]]; }
stamp() { printf '%s\n' "$2" >"$BIN/.$1.version"; }

bk=$(buildkit_version)
if ! stamp_ok buildkitd "$bk" || ! stamp_ok buildctl "$bk"; then
	log "building buildkitd + buildctl $bk (several minutes when cold)"
	dir=$(go mod download -json "github.com/moby/buildkit@$bk" | jq -r .Dir)
	[[ -d $dir ]] || die "go mod download github.com/moby/buildkit@$bk failed"
	tmp=$(mktemp -d "$BIN/.tmp.XXXXXX")
	(cd "$dir" && go build -trimpath -ldflags "-X github.com/moby/buildkit/version.Version=$bk" \
		-o "$tmp/" ./cmd/buildkitd ./cmd/buildctl) >&2
	mv -f "$tmp/buildkitd" "$tmp/buildctl" "$BIN/" && rmdir "$tmp"
	stamp buildkitd "$bk"
	stamp buildctl "$bk"
fi

gobin_install() { # name version pkg [ldflags]
	local name=$1 ver=$2 pkg=$3 ldflags=${4:-} tmp
	stamp_ok "$name" "$ver" && return 0
	log "building $name $ver"
	tmp=$(mktemp -d "$BIN/.tmp.XXXXXX")
	GOBIN=$tmp go install -trimpath ${ldflags:+-ldflags "$ldflags"} "$pkg@$ver" >&2
	mv -f "$tmp/$name" "$BIN/$name" && rmdir "$tmp"
	stamp "$name" "$ver"
}
gobin_install crane "$CRANE_VERSION" github.com/google/go-containerregistry/cmd/crane
gobin_install registry "$REGISTRY_VERSION" github.com/distribution/distribution/v3/cmd/registry
gobin_install buildx "$BUILDX_VERSION" github.com/docker/buildx/cmd/buildx \
	"-X github.com/docker/buildx/version.Version=$BUILDX_VERSION"

mkdir -p "$HOME/.docker/cli-plugins"
ln -sfn "$BIN/buildx" "$HOME/.docker/cli-plugins/docker-buildx"
