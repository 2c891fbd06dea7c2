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
