#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Python builder stand-ins, under their real names (linux/amd64 only):
#   python:3.11-slim-trixie  3.11.2-slim-trixie
#   python:3.14-slim-trixie  3.14.7-slim-trixie
# The official images compile CPython from python.org's tarball into /usr/local on debian:trixie-slim.
# python.org is not reachable here; the same upstream tarball is the orig tarball of Debian's
# python3.X source package, so each image is compiled from that, by buildkit, from
# hack/images/python/Dockerfile (the official Dockerfile's configure flags and steps, without PGO/LTO).
#   3.11: bookworm's python3.11 source (3.11.2).
#   3.14: forky/sid's python3.14. Their source index lists 3.14.8-3.14.10, but the mirror reachable here
#         serves no source files for those (404) while it still has 3.14.7's (python3.14_3.14.7-1.dsc):
#         3.14.7 is pinned.
# Each orig tarball is pinned by its SHA-256 (from the Sources index / the .dsc) and downloaded once
# into $DL/python-src. 3.13 needs no stand-in: the preset builds 3.13 with Debian's own python3.13.
# No suite has 3.12's source, so python:3.12-slim-trixie cannot be made here (golden tests only).
#
# Sourced with LIST_IMAGES=1 (by lib.sh): only append the images to EXPECTED_IMAGES and return.
PY_OFFICIAL=(
	# minor full suite-path orig-file sha256
	"3.11 3.11.2 python3.11 python3.11_3.11.2.orig.tar.gz 2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849"
	"3.14 3.14.7 python3.14 python3.14_3.14.7.orig.tar.xz 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81"
)
if [[ ${LIST_IMAGES:-0} == 1 ]]; then
	for _py in "${PY_OFFICIAL[@]}"; do
		read -r _minor _full _ <<<"$_py"
		EXPECTED_IMAGES+=("library/python $_minor-slim-trixie $_full-slim-trixie")
	done
	unset _py _minor _full
	# shellcheck disable=SC2317 # exit: only when executed with LIST_IMAGES=1
	return 0 2>/dev/null || exit 0
fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO=library/python
DEB_MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}
image_exists library/debian:13-slim || die "debian:13-slim is missing in $REG (run debian.sh first)"
DEBIAN_AMD64=$(crane digest --insecure --platform linux/amd64 "$REG/library/debian:13-slim")

# orig_tarball SRCPKG FILE SHA256: a directory holding the verified tarball as python.tar.
orig_tarball() {
	local pkg=$1 file=$2 sum=$3 dir=$DL/python-src/$2
	if [[ ! -f $dir.ready ]]; then
		log "downloading $file (Debian source package $pkg)"
		rm -rf "$dir"
		mkdir -p "$dir"
		curl -fsSL --retry 3 -o "$dir/python.tar" "$DEB_MIRROR/pool/main/p/$pkg/$file" ||
			die "download of $DEB_MIRROR/pool/main/p/$pkg/$file failed"
		[[ $(sha256sum "$dir/python.tar" | cut -d' ' -f1) == "$sum" ]] ||
			die "$file: SHA-256 mismatch (want $sum)"
		touch "$dir.ready"
	fi
	printf '%s\n' "$dir"
}

# Several `hack/env up` may run at once (one per shell): the first builds, the others go on without
# waiting (only the Python 3.11/3.14 builds need these images; `hack/env status` shows them missing
# until that build has pushed them).
mkdir -p "$RUN"
exec 9>"$RUN/lang-python-official.lock"
if ! flock -n 9; then
	log "python:3.11/3.14-slim-trixie: another hack/env up is building them; not waiting"
	exit 0
fi

failed=()
for py in "${PY_OFFICIAL[@]}"; do
	read -r minor full pkg file sum <<<"$py"
	TAGS=("$minor-slim-trixie" "$full-slim-trixie")
	# what the image is made of: the Dockerfile, the source tarball, the base (its digest covers the proxy CAs)
	INPUTS=$(inputs_hash "$HACK_DIR"/images/python/* -- "$py" "$DEBIAN_AMD64")
	want_image "$REPO" "${TAGS[@]}" || continue
	src=$(orig_tarball "$pkg" "$file" "$sum")
	ctx=$HACK_DIR/images/python
	buildlog=$RUN/build-python-$minor.log
	log "building python:$minor-slim-trixie linux/amd64 (CPython $full compiled by buildkit, ~5 min on 2 vCPUs)"
	t0=$SECONDS
	if ! buildctl build --progress=plain --frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$ctx" \
		--local src="$src" --opt context:src=local:src \
		--opt platform=linux/amd64 --opt build-arg:PYTHON_VERSION="$full" --opt "label:$INPUTS_LABEL=$INPUTS" \
		--output "type=image,name=$REG/$REPO:${TAGS[0]},push=true,registry.insecure=true" \
		>"$buildlog" 2>&1; then
		tail -n 30 "$buildlog" >&2
		log "ERROR: python:$minor-slim-trixie build failed after $((SECONDS - t0))s (log: $buildlog)"
		failed+=("python:$minor-slim-trixie")
		continue
	fi
	tag_all "$REPO" "${TAGS[0]}" "${TAGS[@]}"
	log "python:$minor-slim-trixie pushed in $((SECONDS - t0))s ($(crane digest --insecure "$REG/$REPO:${TAGS[0]}"))"
done
# A failed builder image only concerns the Python 3.11/3.14 builds: the rest of the environment stays
# usable (`hack/env status` lists the image as MISSING, the e2e tests that need it fail with its name).
((${#failed[@]} == 0)) || log "WARNING: not built: ${failed[*]}; the environment is up without them"
