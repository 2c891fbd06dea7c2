#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2086,SC2048 # package lists are meant to split into words
# Step 4b: gcr.io/distroless/{static,base-nossl,base,cc}-debian13, tags latest nonroot debug debug-nonroot,
# each a multi-platform index (linux/amd64 + linux/arm64), built like upstream distroless from Debian
# trixie .debs (dpkg-deb -x, no maintainer scripts; control files in /var/lib/dpkg/status.d).
# Layers: static = base-files netbase tzdata media-types + CA bundle (incl. the proxy CAs) + passwd/group
# (nonroot 65532) + nsswitch + os-release; base-nossl += libc6; base += libssl3t64 libzstd1 zlib1g;
# cc += libgomp1 libstdc++6 libgcc-s1 gcc-14-base; :debug* += busybox at /busybox.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debs.sh"

ARCHES=(amd64 arm64)
FLAVORS=(static base-nossl base cc)
TAGS=(latest nonroot debug debug-nonroot)
declare -A PARENT=([base-nossl]=static [base]=base-nossl [cc]=base)
declare -A PKGS=(
	[static]="base-files netbase tzdata media-types"
	[base-nossl]="libc6"
	[base]="libssl3t64 libzstd1 zlib1g" # trixie's libssl3t64 links zstd and zlib (upstream base-debian13 ships them)
	[cc]="libgomp1 libstdc++6 libgcc-s1 gcc-14-base"
)
ENV_ARGS=(--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	--env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt)
NONROOT=(--user 65532 --workdir /home/nonroot)

INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" "$HACK_DIR/env.d/debs.sh" "${PROXY_CAS[@]}")
todo=0
for f in "${FLAVORS[@]}"; do want_image "distroless/$f-debian13" "${TAGS[@]}" && todo=1; done
((todo)) || exit 0
log "building distroless *-debian13 (static base-nossl base cc) for ${ARCHES[*]}"
W=$WORK/distroless
rm -rf "$W"
mkdir -p "$W"

static_tree() { # static_tree ARCH DIR
	local arch=$1 d=$2
	merged_usr "$d" "$arch"
	unpack_debs "$arch" "$d" ${PKGS[static]}
	# CA bundle: only the certificate file (+ copyright), no update-ca-certificates, no openssl.
	ca_bundle "$d/etc/ssl/certs/ca-certificates.crt" "$(deb_path "$arch" ca-certificates)"
	mkdir -p "$d/usr/share/doc/ca-certificates"
	dpkg-deb --fsys-tarfile "$(deb_path "$arch" ca-certificates)" |
		tar -xO ./usr/share/doc/ca-certificates/copyright >"$d/usr/share/doc/ca-certificates/copyright"
	cat >"$d/etc/passwd" <<'X'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
X
	cat >"$d/etc/group" <<'X'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
X
	cat >"$d/etc/nsswitch.conf" <<'X'
# /etc/nsswitch.conf (as in distroless)
passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
X
	rm -f "$d/usr/lib/os-release"
	cat >"$d/usr/lib/os-release" <<'X'
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="13"
VERSION="Debian GNU/Linux 13 (trixie)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
X
	ln -sfn ../usr/lib/os-release "$d/etc/os-release"
	mkdir -p "$d/root" "$d/home/nonroot" "$d/tmp"
	chmod 0700 "$d/root" "$d/home/nonroot"
	chmod 0755 "$d/home"
	chmod 1777 "$d/tmp"
	chown 65532:65532 "$d/home/nonroot"
}

busybox_tree() { # busybox_tree ARCH DIR: /busybox/busybox + one symlink per applet
	local arch=$1 d=$2 a tmp
	tmp=$(mktemp -d "$W/bb.XXXXXX")
	dpkg-deb -x "$(deb_path "$arch" busybox-static)" "$tmp"
	mkdir -p "$d/busybox"
	cp "$tmp/usr/bin/busybox" "$d/busybox/busybox"
	# The applet list is the same for every architecture; ask the host's (amd64) binary.
	for a in $("$BB_LIST" --list); do
		[[ $a == busybox ]] || ln -s busybox "$d/busybox/$a"
	done
	rm -rf "$tmp"
}

for arch in "${ARCHES[@]}"; do
	fetch_debs "$arch" ${PKGS[*]} ca-certificates busybox-static
done
BB_LIST=$W/busybox-host
dpkg-deb --fsys-tarfile "$(deb_path amd64 busybox-static)" | tar -xO ./usr/bin/busybox >"$BB_LIST"
chmod 0755 "$BB_LIST"

for arch in "${ARCHES[@]}"; do
	A=$W/$arch
	mkdir -p "$A"
	static_tree "$arch" "$A/static"
	for f in base-nossl base cc; do
		mkdir -p "$A/$f"
		unpack_debs "$arch" "$A/$f" ${PKGS[$f]}
	done
	busybox_tree "$arch" "$A/busybox"
	for f in static base-nossl base cc busybox; do mktar "$A/$f" "$A/$f.tar"; done

	for f in "${FLAVORS[@]}"; do
		s=$STAGE/$f-debian13
		if [[ $f == static ]]; then base=-; else base=$STAGE/${PARENT[$f]}-debian13:latest-$arch; fi
		push_image "$s:latest-$arch" "linux/$arch" "$base" "$A/$f.tar" -- "${ENV_ARGS[@]}" --user 0 --workdir /
		push_image "$s:debug-$arch" "linux/$arch" "$s:latest-$arch" "$A/busybox.tar" -- \
			--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox --entrypoint /busybox/sh
		cr mutate "$s:latest-$arch" "${NONROOT[@]}" -t "$s:nonroot-$arch" || die "crane mutate $f nonroot failed"
		cr mutate "$s:debug-$arch" "${NONROOT[@]}" -t "$s:debug-nonroot-$arch" || die "crane mutate $f debug-nonroot failed"
	done
done
# One index per tag, with the linux/amd64 and linux/arm64 manifests.
for f in "${FLAVORS[@]}"; do
	s=$STAGE/$f-debian13
	for t in "${TAGS[@]}"; do
		m=()
		for arch in "${ARCHES[@]}"; do m+=(-m "$s:$t-$arch"); done
		cr index append "${m[@]}" -t "$REG/distroless/$f-debian13:$t" || die "crane index append $f-debian13:$t failed"
	done
	log "distroless/$f-debian13 pushed ($(crane digest --insecure "$REG/distroless/$f-debian13:latest"))"
done
rm -rf "$W"
