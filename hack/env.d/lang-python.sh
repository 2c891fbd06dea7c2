#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2086 # package lists are meant to split into words
# Python stand-in, under its real name:
#   gcr.io/distroless/python3-debian13  latest nonroot debug debug-nonroot  (linux/amd64 + linux/arm64)
#       = distroless cc-debian13 (same tag) + Debian trixie's python3.13 packages unpacked like upstream
#         (dpkg-deb -x, no maintainer scripts, so no stdlib .pyc, as upstream): python3.13-minimal,
#         libpython3.13-minimal, libpython3.13-stdlib and the libraries they depend on that cc lacks.
#         /usr/bin/python3.13, symlinks /usr/bin/python3 and /usr/bin/python, entrypoint
#         ["/usr/bin/python3.13"], like upstream's python3 image.
# The Python builder needs no stand-in: the preset installs python3.13 with apt on debian:13-slim.
# python:<v>-alpine cannot be stood in (no Alpine repository, no musl CPython build reachable); the
# Python preset's alpine base is covered by golden plan tests only.
#
# Sourced with LIST_IMAGES=1 (by lib.sh): only append the images to EXPECTED_IMAGES and return.
if [[ ${LIST_IMAGES:-0} == 1 ]]; then
	EXPECTED_IMAGES+=("distroless/python3-debian13 latest nonroot debug debug-nonroot")
	# shellcheck disable=SC2317 # exit: only when executed with LIST_IMAGES=1
	return 0 2>/dev/null || exit 0
fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debs.sh"

REPO=distroless/python3-debian13
ARCHES=(amd64 arm64)
TAGS=(latest nonroot debug debug-nonroot)
# What upstream adds on top of cc for python3: the interpreter, its stdlib, and the shared libraries the
# stdlib's extension modules load. libc6 and libssl3t64 are in cc already, but not libssl3t64's own
# dependencies libzstd1 and zlib1g (libcrypto.so.3 loads them; upstream resolves them), which _ssl and
# _hashlib need. tzdata, media-types and netbase are in static.
PKGS="python3.13-minimal libpython3.13-minimal libpython3.13-stdlib
	libexpat1 zlib1g libbz2-1.0 libdb5.3t64 libffi8 liblzma5 libncursesw6 libtinfo6
	libreadline8t64 readline-common libsqlite3-0 libuuid1
	libzstd1"

for t in "${TAGS[@]}"; do
	image_exists "distroless/cc-debian13:$t" || die "distroless/cc-debian13:$t is missing in $REG (run distroless.sh first)"
done
cc_digests=()
for t in "${TAGS[@]}"; do cc_digests+=("$(crane digest --insecure "$REG/distroless/cc-debian13:$t")"); done
INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" "$HACK_DIR/env.d/debs.sh" -- "${cc_digests[@]}")
want_image "$REPO" "${TAGS[@]}" || exit 0
log "building distroless/python3-debian13 (cc-debian13 + trixie python3.13) for ${ARCHES[*]}"
mkdir -p "$WORK"
W=$(mktemp -d "$WORK/python3-debian13.XXXXXX") # private: `hack/env up` may run in several shells at once
trap 'rm -rf "$W"' EXIT

for arch in "${ARCHES[@]}"; do fetch_debs "$arch" $PKGS; done
for arch in "${ARCHES[@]}"; do
	d=$W/$arch/root
	mkdir -p "$d"
	unpack_debs "$arch" "$d" $PKGS
	[[ -x $d/usr/bin/python3.13 ]] || die "python3.13-minimal ($arch) has no /usr/bin/python3.13"
	ln -sfn python3.13 "$d/usr/bin/python3"
	ln -sfn python3.13 "$d/usr/bin/python"
	# Like upstream: documentation and manuals are not part of distroless images (copyrights stay).
	find "$d/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete 2>/dev/null || true
	rm -rf "$d/usr/share/man" "$d/usr/share/lintian"
	mktar "$d" "$W/$arch/python.tar"
	for t in "${TAGS[@]}"; do
		base=$REG/distroless/cc-debian13@$(crane digest --insecure --platform "linux/$arch" "$REG/distroless/cc-debian13:$t")
		push_image "$STAGE/python3-debian13:$t-$arch" "linux/$arch" "$base" "$W/$arch/python.tar" -- \
			--entrypoint /usr/bin/python3.13 --cmd ''
	done
done
for t in "${TAGS[@]}"; do
	m=()
	for arch in "${ARCHES[@]}"; do m+=(-m "$STAGE/python3-debian13:$t-$arch"); done
	cr index append "${m[@]}" -t "$REG/$REPO:$t" || die "crane index append python3-debian13:$t failed"
done
log "$REPO pushed ($(crane digest --insecure "$REG/$REPO:latest"))"
