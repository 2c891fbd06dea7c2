#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 3: start, stop or report the registry on $REG and buildkitd. Usage: daemons.sh start|stop|status
# The daemons themselves (configs, start-up, pid files, stop) are internal/testenv, run through the
# small command hack/testenv, built once into $BIN/slim-testenv and rebuilt when its sources change.
# start is idempotent: a daemon whose pid file points at a live process is left alone (unless its
# binary was rebuilt). Daemons run in their own session so they survive the shell that ran `hack/env up`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TESTENV=$BIN/slim-testenv

# testenv_bin: (re)build $TESTENV when its sources (not tests), go.mod or go.sum changed (stamp: their hash).
testenv_bin() {
	local v tmp f srcs=("$REPO_DIR/go.mod" "$REPO_DIR/go.sum")
	for f in "$REPO_DIR"/internal/testenv/*.go "$REPO_DIR"/hack/testenv/*.go; do
		[[ $f == *_test.go ]] || srcs+=("$f")
	done
	v=$(cat "${srcs[@]}" | sha256sum | cut -c1-16)
	[[ -x $TESTENV && -f $BIN/.slim-testenv.version && $(<"$BIN/.slim-testenv.version") == "$v" ]] && return 0
	log "building $TESTENV (hack/testenv)"
	mkdir -p "$BIN"
	tmp=$(mktemp -d "$BIN/.tmp.XXXXXX")
	if ! (cd "$REPO_DIR" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o "$tmp/slim-testenv" ./hack/testenv) >&2; then
		rm -rf "$tmp"
		die "building hack/testenv failed"
	fi
	mv -f "$tmp/slim-testenv" "$TESTENV" && rmdir "$tmp"
	printf '%s\n' "$v" >"$BIN/.slim-testenv.version"
}

case ${1:-} in
start | stop | status)
	testenv_bin
	exec "$TESTENV" -dir "$RUN" -root "$DATA/buildkit" -socket "$BUILDKIT_SOCK" \
		-registry "$REG" -registry-data "$DATA/registry" "$1"
	;;
*) die "usage: daemons.sh start|stop|status" ;;
esac
