#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Extra: older buildkitd releases for the compatibility test (e2e/compat_test.go), built from the Go
# module proxy like the pinned one (tools.sh) and cached as $BIN/buildkitd-<version> with a stamp
# $BIN/.buildkitd-<version>.version. Nothing is started here: the test starts each one on its own root
# and socket. Building one takes ~3-4 min on 2 cores, once.
#
#   COMPAT_BUILDKIT_VERSIONS="v0.28.1 v0.23.2" hack/env.d/extra-compat.sh   # default: see below
#   SKIP_COMPAT=1 hack/env up                                                  # skip this step
# Sourced with LIST_IMAGES=1 (by lib.sh): it pushes no image, so nothing to list.
# shellcheck disable=SC2317
if [[ ${LIST_IMAGES:-0} == 1 ]]; then return 0 2>/dev/null || exit 0; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ ${SKIP_COMPAT:-0} == 1 ]] && exit 0
command -v go >/dev/null || die "go is not on PATH (needed to build buildkitd)"
mkdir -p "$BIN"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# Keep in sync with compatVersions in e2e/compat_test.go, which says why these (v0.12.5, the oldest
# release on the module proxy, builds too, but without rewrite-timestamp and the /tmp sticky bit).
VERSIONS=${COMPAT_BUILDKIT_VERSIONS:-v0.14.1 v0.28.1}

for v in $VERSIONS; do
	name=buildkitd-$v
	if [[ -x $BIN/$name && -f $BIN/.$name.version && $(<"$BIN/.$name.version") == "$v" ]]; then
		continue
	fi
	log "compat: building $name (~3-4 min when cold)"
	# Download outside any module so the repo's go.mod/go.sum are never touched.
	dir=$(cd / && GOFLAGS=-modcacherw go mod download -json "github.com/moby/buildkit@$v" | jq -r .Dir)
	[[ -d $dir ]] || die "go mod download github.com/moby/buildkit@$v failed"
	tmp=$(mktemp -d "$BIN/.tmp.XXXXXX")
	# Older module zips ship a vendor/ directory that is not complete enough for -mod=vendor:
	# build a writable copy without it, from the module's own go.sum.
	cp -r "$dir" "$tmp/src"
	chmod -R u+w "$tmp/src"
	rm -rf "$tmp/src/vendor"
	if ! (cd "$tmp/src" && go build -trimpath -ldflags "-X github.com/moby/buildkit/version.Version=$v" \
		-o "$tmp/buildkitd" ./cmd/buildkitd) >&2; then
		rm -rf "$tmp"
		die "compat: building buildkitd $v failed"
	fi
	mv -f "$tmp/buildkitd" "$BIN/$name" && rm -rf "$tmp"
	printf '%s\n' "$v" >"$BIN/.$name.version"
	log "compat: $name ready"
done
