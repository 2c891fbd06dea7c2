# shellcheck shell=bash disable=SC2034
# Common settings for hack/env and its helpers. Sourced, never executed.
# All state lives under $SLIM_CACHE (outside the repo) so clones on the same machine share it.

SLIM_CACHE=${SLIM_CACHE:-$HOME/.cache/slimfront}
HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$HACK_DIR/.." && pwd)

BIN=$SLIM_CACHE/bin          # buildkitd buildctl buildx crane registry (+ version stamps)
RUN=$SLIM_CACHE/run          # sockets, pid files, logs, generated configs, runc state
DATA=$SLIM_CACHE/data        # registry storage, buildkit root
WORK=$SLIM_CACHE/work        # staging: rootfs trees, layer tars, runc bundles (work/run/<name>)
DL=$SLIM_CACHE/dl            # downloaded .debs and Go toolchain copies

REG=127.0.0.1:5000
BUILDKIT_SOCK=$RUN/buildkitd.sock
RUNC_ROOT=$RUN/runc

# Pinned tool versions (buildkit comes from the repo's go.mod, see buildkit_version).
REGISTRY_VERSION=v3.1.2
CRANE_VERSION=v0.22.1
BUILDX_VERSION=v0.38.2
GO_IMAGE_VERSION=1.26.8
ALPINE_RELEASE=3.22.2

export PATH="$BIN:$PATH"
export BUILDKIT_HOST="unix://$BUILDKIT_SOCK"
export SLIM_CACHE

log() { printf '[env %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[env] ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command with its output going to stderr only (stdout is reserved for export lines).
quiet() { "$@" >&2; }

buildkit_version() {
	local v
	v=$(cd "$REPO_DIR" && GOFLAGS= go list -mod=readonly -m -f '{{.Version}}' github.com/moby/buildkit 2>/dev/null) ||
		die "cannot read the buildkit version from $REPO_DIR/go.mod (go list -m github.com/moby/buildkit failed)"
	[[ -n $v ]] || die "github.com/moby/buildkit is not in $REPO_DIR/go.mod"
	printf '%s\n' "$v"
}

registry_up() { curl -fsS -o /dev/null --max-time 2 "http://$REG/v2/" 2>/dev/null; }

# cr ARGS...: crane --insecure, quiet unless it fails (stdout stays clean for the export lines).
cr() {
	local out
	out=$(crane --insecure "$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

# image_exists REPO:TAG (in the local registry)
image_exists() { crane digest --insecure "$REG/$1" >/dev/null 2>&1; }

# INPUTS: hash of what a stand-in image is made from (its script, files, proxy CAs, versions); set by
# each image script with inputs_hash, stored as the label $INPUTS_LABEL, compared by want_image.
INPUTS=
INPUTS_LABEL=org.slimfront.env.inputs

# inputs_hash FILE... [-- STRING...]
inputs_hash() {
	local files=()
	while (($#)) && [[ $1 != -- ]]; do files+=("$1"); shift; done
	[[ ${1:-} == -- ]] && shift
	{ cat "${files[@]}"; printf '%s\n' "$@"; } | sha256sum | cut -c1-16
}

# want_image REPO TAG...: true if FORCE=1, a tag is missing, or the image was made from other INPUTS.
want_image() {
	local repo=$1 t have
	shift
	[[ ${FORCE:-0} == 1 ]] && return 0
	for t in "$@"; do image_exists "$repo:$t" || return 0; done
	[[ -z $INPUTS ]] && return 1
	have=$(crane config --insecure --platform linux/amd64 "$REG/$repo:$1" 2>/dev/null |
		jq -r --arg l "$INPUTS_LABEL" '.config.Labels[$l] // ""') || true
	if [[ $have != "$INPUTS" ]]; then
		log "$repo: inputs changed (${have:-none} -> $INPUTS), rebuilding"
		return 0
	fi
	return 1
}

# Reproducible layer tar of directory $1 into file $2.
mktar() {
	tar --create --file "$2" --directory "$1" --sort=name --numeric-owner --mtime=@0 \
		--no-xattrs --no-acls --no-selinux --format=pax \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime .
}

# The proxy CAs that intercept outbound HTTPS; images that do HTTPS must trust them.
proxy_cas() { compgen -G '/usr/local/share/ca-certificates/*.crt' || true; }
mapfile -t PROXY_CAS < <(proxy_cas)

# Staging repository for intermediate (per-architecture, not-yet-configured) images; the real names
# are only written as the last step, so an interrupted build never leaves a half-made tag behind.
STAGE=$REG/slim-staging

# push_image OUT_REF PLATFORM BASE_REF|- TAR... -- MUTATE_ARGS...: append layer tars to BASE_REF (or an
# empty OCI base), set the config with crane mutate, and write OUT_REF.
push_image() {
	local out=$1 plat=$2 base=$3 stage tars=() a
	shift 3
	while (($#)) && [[ $1 != -- ]]; do tars+=(-f "$1"); shift; done
	[[ ${1:-} == -- ]] && shift
	stage="$STAGE/tmp:$(printf '%s' "$out" | md5sum | cut -c1-16)"
	if [[ $base == - ]]; then a=(--oci-empty-base); else a=(-b "$base"); fi
	cr append "${a[@]}" "${tars[@]}" -t "$stage" ||
		die "crane append for $out failed"
	cr mutate "$stage" --set-platform "$plat" ${INPUTS:+--label "$INPUTS_LABEL=$INPUTS"} "$@" -t "$out" ||
		die "crane mutate for $out failed"
}

# tag_all REPO SRC_TAG TAG...: point more tags at REPO:SRC_TAG.
tag_all() {
	local repo=$1 src=$2 t
	shift 2
	for t in "$@"; do
		[[ $t == "$src" ]] && continue
		cr tag "$REG/$repo:$src" "$t" || die "crane tag $repo:$t failed"
	done
}

# Multi-platform stand-ins (debian, golang, node): one index per tag with a linux/amd64 and a linux/arm64
# image. Each architecture has its own inputs hash, kept as the index annotation $INPUTS_LABEL.<arch> (the
# images' own config labels stay as they were built), so a change that concerns only arm64 keeps the amd64
# manifest byte for byte, and the other way round.
INPUTS_AMD64=
INPUTS_ARM64=

# manifest_json REPO:TAG: the manifest or index at the tag as the registry serves it (empty when missing).
manifest_json() {
	curl -fsS --max-time 10 -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
		"http://$REG/v2/${1%%:*}/manifests/${1#*:}" 2>/dev/null || true
}

# arch_image REPO TAG ARCH INPUTS: print REPO@DIGEST of the ARCH image at the tag when it can be kept, nothing
# when it must be built: kept when the tag is an index whose annotation for ARCH equals INPUTS (never with
# FORCE=1). For amd64 a tag that is still a single linux/amd64 manifest is kept too: the layout before the
# arm64 stand-ins, built by the same amd64 recipe (so adding arm64 rebuilds no amd64 image).
arch_image() {
	local repo=$1 tag=$2 arch=$3 want=$4 m
	[[ ${FORCE:-0} == 1 ]] && return 0
	m=$(manifest_json "$repo:$tag")
	[[ -n $m ]] || return 0
	case $(jq -r '.mediaType // ""' <<<"$m") in
	*index* | *manifest.list*)
		[[ $(jq -r --arg k "$INPUTS_LABEL.$arch" '.annotations[$k] // ""' <<<"$m") == "$want" ]] || return 0
		jq -r --arg a "$arch" '.manifests[] | select(.platform.os == "linux" and .platform.architecture == $a) | .digest' <<<"$m" |
			head -n1 | sed "s|^sha256:|$REG/$repo@sha256:|"
		;;
	*)
		[[ $arch == amd64 ]] || return 0
		[[ $(crane config --insecure "$REG/$repo:$tag" 2>/dev/null | jq -r '.architecture // ""') == amd64 ]] || return 0
		printf '%s@%s\n' "$REG/$repo" "$(crane digest --insecure "$REG/$repo:$tag")"
		;;
	esac
}

# publish_index REPO AMD64_REF ARM64_REF TAG...: one index (the two images as they are) at every TAG,
# annotated with $INPUTS_AMD64 and $INPUTS_ARM64.
publish_index() {
	local repo=$1 amd=$2 arm=$3 t m
	shift 3
	cr index append -m "$amd" -m "$arm" -t "$REG/$repo:$1" || die "crane index append $repo:$1 failed"
	m=$(manifest_json "$repo:$1" | jq -c --arg k "$INPUTS_LABEL" --arg a "$INPUTS_AMD64" --arg r "$INPUTS_ARM64" \
		'.annotations = ((.annotations // {}) + {($k + ".amd64"): $a, ($k + ".arm64"): $r})')
	[[ -n $m ]] || die "no index at $repo:$1"
	for t in "$@"; do
		curl -fsS --max-time 30 -X PUT -H "Content-Type: $(jq -r .mediaType <<<"$m")" --data-binary "$m" \
			"http://$REG/v2/$repo/manifests/$t" >/dev/null || die "PUT index $repo:$t failed"
	done
}

# index_current REPO TAG...: every TAG is the same index, annotated with $INPUTS_AMD64 and $INPUTS_ARM64.
index_current() {
	local repo=$1 t d m
	shift
	[[ ${FORCE:-0} == 1 ]] && return 1
	d=$(crane digest --insecure "$REG/$repo:$1" 2>/dev/null) || return 1
	for t in "$@"; do [[ $(crane digest --insecure "$REG/$repo:$t" 2>/dev/null) == "$d" ]] || return 1; done
	m=$(manifest_json "$repo:$1")
	[[ $(jq -r --arg k "$INPUTS_LABEL" '(.annotations[$k + ".amd64"] // "") + " " + (.annotations[$k + ".arm64"] // "")' <<<"$m") == "$INPUTS_AMD64 $INPUTS_ARM64" ]]
}

# arm64_elf_check DIR: fail when a regular file under DIR is an x86-64 ELF object (e_machine 62): an arm64
# tree assembled on the host must hold no amd64 code.
arm64_elf_check() {
	local bad
	bad=$(find "$1" -type f -size +63c -print0 | xargs -0 -r perl -e '
		for my $f (@ARGV) { open(my $h, "<:raw", $f) or next; my $b; read($h, $b, 20) == 20 or next;
			next unless substr($b, 0, 4) eq "\x7fELF"; my $m = unpack("v", substr($b, 18, 2));
			print "$f\n" if $m == 62 }' | head -n 5)
	[[ -z $bad ]] || die "x86-64 ELF files in the arm64 tree $1: $bad"
}

# Images `up` provides in $REG ("repo tag tag..."); `status` checks them all.
EXPECTED_IMAGES=(
	"library/debian 13-slim trixie-slim 13 trixie"
	"library/golang 1.26 1.26-trixie $GO_IMAGE_VERSION $GO_IMAGE_VERSION-trixie"
	"library/alpine 3.22 3 latest"
	"distroless/static-debian13 latest nonroot debug debug-nonroot"
	"distroless/base-nossl-debian13 latest nonroot debug debug-nonroot"
	"distroless/base-debian13 latest nonroot debug debug-nonroot"
	"distroless/cc-debian13 latest nonroot debug debug-nonroot"
	"docker/dockerfile 1 1-labs latest"
	"org/slimfront latest"
)
# Language stand-ins (hack/env.d/lang-*.sh) add their own images here: each
# such script, when sourced with LIST_IMAGES=1, appends to EXPECTED_IMAGES.
for _lang in "${BASH_SOURCE[0]%/*}"/lang-*.sh "${BASH_SOURCE[0]%/*}"/extra-*.sh; do
	[[ -e $_lang ]] || continue
	# shellcheck disable=SC1090
	LIST_IMAGES=1 . "$_lang"
done
unset _lang
