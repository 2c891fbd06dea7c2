#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016 # the hooks are expanded by mmdebstrap, not here
# Step 4a: debian:13-slim, an index for linux/amd64 + linux/arm64. Tags: 13-slim trixie-slim 13 trixie
# (all the same slim image).
#   amd64: mmdebstrap minbase trixie, slimmed like the official image (faithful: maintainer scripts ran).
#   arm64: STRUCTURAL. Nothing arm64 can run here (no emulation), so no maintainer script runs: the arm64
#          .debs of exactly the amd64 image's package set are unpacked (dpkg-deb -x, slimmed the same way),
#          /var/lib/dpkg/status and info/*.list are written from their control data, and what maintainer
#          scripts and the hooks made on amd64 that belongs to no package and no architecture (passwd,
#          group, alternatives links, apt config, the proxy CAs, ...) is taken from the amd64 image.
#          No /etc/ld.so.cache. Any RUN in it fails with "exec format error", as it must on this machine.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debs.sh"

REPO=library/debian
TAGS=(13-slim trixie-slim 13 trixie)
CONFIG=(--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash)

build_amd64() { # -> $STAGE/debian:13-slim-amd64
log "building debian:13-slim linux/amd64 (mmdebstrap trixie, ~1 min)"
root=$WORK/debian13-slim
mkdir -p "$WORK"
rm -rf "$root" "$WORK/debian13-slim.tar"

# The official slim images' dpkg excludes; they stay in the image, so derived images stay slim too.
cat >"$WORK/dpkg-slim.cfg" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
CFG

# mmdebstrap's path-exclude does not apply to the essential packages of its first phase, and with
# Dir::Cache::pkgcache "" the *.bin caches are left behind: the last hooks clean both.
SOURCE_DATE_EPOCH=1700000000 mmdebstrap --quiet --variant=minbase --architectures=amd64 \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--dpkgopt="$WORK/dpkg-slim.cfg" \
	--aptopt='Acquire::Languages "none"' \
	--customize-hook='d="$1/etc/apt/apt.conf.d"
		printf "%s\n" "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" \
			"APT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" \
			"Dir::Cache::pkgcache \"\";" "Dir::Cache::srcpkgcache \"\";" >"$d/docker-clean"
		echo "Acquire::Languages \"none\";" >"$d/docker-no-languages"
		echo "Acquire::GzipIndexes \"true\";" >"$d/docker-gzip-indexes"
		echo "Apt::AutoRemove::SuggestsImportant \"false\";" >"$d/docker-autoremove-suggests"' \
	--customize-hook='printf "#!/bin/sh\nexit 101\n" >"$1/usr/sbin/policy-rc.d"; chmod 0755 "$1/usr/sbin/policy-rc.d"' \
	--customize-hook='rm -f "$1/etc/apt/sources.list"
		printf "%s\n" "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: trixie trixie-updates" \
			"Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp" "" \
			"Types: deb" "URIs: http://deb.debian.org/debian-security" "Suites: trixie-security" \
			"Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp" \
			>"$1/etc/apt/sources.list.d/debian.sources"' \
	--customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf"; : >"$1/etc/machine-id"' \
	--customize-hook='rm -rf "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*' \
	--customize-hook='cd "$1/usr/share" && rm -rf groff/* info/* linda/* lintian/overrides/* locale/* man/* &&
		find doc -mindepth 1 ! -type d ! -name copyright -delete && find doc -mindepth 1 -type d -empty -delete' \
	trixie "$root" \
	"deb $DEB_MIRROR trixie main" "deb $DEB_MIRROR trixie-updates main" \
	"deb $DEB_SECURITY trixie-security main" >"$RUN/build-debian.log" 2>&1 ||
	{ tail -n 30 "$RUN/build-debian.log" >&2; die "mmdebstrap trixie failed (log: $RUN/build-debian.log)"; }

# Proxy CAs: `apt-get install ca-certificates` in a build then trusts the intercepting proxy.
# proxy-ca/proxy-cas.pem is for clients with their own store (NODE_EXTRA_CA_CERTS).
mkdir -p "$root/usr/local/share/ca-certificates" "$root/usr/local/share/proxy-ca"
: >"$root/usr/local/share/proxy-ca/proxy-cas.pem"
while IFS= read -r c; do
	cp "$c" "$root/usr/local/share/ca-certificates/"
	cat "$c" >>"$root/usr/local/share/proxy-ca/proxy-cas.pem"
done < <(proxy_cas)

mktar "$root" "$WORK/debian13-slim.tar"
INPUTS=$INPUTS_AMD64 push_image "$STAGE/debian:13-slim-amd64" linux/amd64 - "$WORK/debian13-slim.tar" -- "${CONFIG[@]}"
rm -rf "$root" "$WORK/debian13-slim.tar"
}

build_arm64() { # build_arm64 AMD64_REF -> $STAGE/debian:13-slim-arm64
	local amd=$1 W A d pkgs=() p deb f
	log "building debian:13-slim linux/arm64 (structural: the amd64 image's packages, arm64 .debs unpacked)"
	W=$(mktemp -d "$WORK/debian13-arm64.XXXXXX")
	A=$W/amd64 d=$W/root
	mkdir -p "$A" "$d"
	crane export --insecure "$amd" - | tar -x -C "$A" --numeric-owner || die "crane export $amd failed"
	# PACKAGE ARCHITECTURE of every installed package, from the amd64 image's status.
	awk '/^Package: /{p=$2} /^Architecture: /{a=$2} /^Status: .* installed$/{i=1} /^$/{if (i) print p, a; i=0}
		END{if (i) print p, a}' "$A/var/lib/dpkg/status" | LC_ALL=C sort -u >"$W/pkgs"
	mapfile -t pkgs < <(cut -d' ' -f1 "$W/pkgs")
	((${#pkgs[@]} > 50)) || die "debian:13-slim amd64 lists only ${#pkgs[@]} installed packages"
	# Download what is missing; the architecture is known, so no apt-cache show per package (fetch_debs).
	local any=() all=() a
	mkdir -p "$DL/deb/trixie/arm64" "$DL/deb/trixie/all"
	while read -r p a; do
		[[ -n $(deb_path arm64 "$p") ]] && continue
		if [[ $a == all ]]; then all+=("$p"); else any+=("$p:arm64"); fi
	done <"$W/pkgs"
	if ((${#any[@]} + ${#all[@]})); then
		apt_trixie_update
		log "downloading ${#any[@]} arm64 and ${#all[@]} arch-all .debs"
		((${#any[@]} == 0)) || (cd "$DL/deb/trixie/arm64" && apt_trixie apt-get download -qq "${any[@]}" >&2) || die "apt-get download ${any[*]} failed"
		((${#all[@]} == 0)) || (cd "$DL/deb/trixie/all" && apt_trixie apt-get download -qq "${all[@]}" >&2) || die "apt-get download ${all[*]} failed"
	fi
	merged_usr "$d" arm64
	unpack_debs arm64 "$d" "${pkgs[@]}"
	# The dpkg database: status and file lists from the arm64 packages' control data.
	mkdir -p "$d/var/lib/dpkg/info"
	: >"$d/var/lib/dpkg/status"
	for p in "${pkgs[@]}"; do
		deb=$(deb_path arm64 "$p")
		awk '/^Package: /{print; print "Status: install ok installed"; next} {print}' "$d/var/lib/dpkg/status.d/$p" >>"$d/var/lib/dpkg/status"
		echo >>"$d/var/lib/dpkg/status"
		f=$p
		grep -q '^Multi-Arch: same' "$d/var/lib/dpkg/status.d/$p" && f=$p:arm64
		dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' >"$d/var/lib/dpkg/info/$f.list"
	done
	rm -rf "$d/var/lib/dpkg/status.d"
	# Slimmed like the amd64 image (its dpkg path-excludes and hooks).
	(cd "$d/usr/share" && rm -rf groff/* info/* linda/* lintian/overrides/* locale/* man/* &&
		find doc -mindepth 1 ! -type d ! -name copyright -delete && find doc -mindepth 1 -type d -empty -delete)
	# What the amd64 image has beyond its packages' files (made by maintainer scripts and hooks), minus
	# everything architecture-specific.
	rm -rf "$A/var/lib/dpkg/info" "$A/var/lib/dpkg/status" "$A/var/lib/dpkg/status-old" "$A/etc/ld.so.cache" \
		"$A/usr/lib/x86_64-linux-gnu" "$A/usr/lib64" "$A/lib64" "$A/lib32" "$A/libx32" "$A/usr/lib32" "$A/usr/libx32" "$A/usr/include/x86_64-linux-gnu" "$A/usr/libexec/x86_64-linux-gnu"
	cp -a -n "$A/." "$d/"
	arm64_elf_check "$d"
	mktar "$d" "$W/root.tar"
	INPUTS=$INPUTS_ARM64 push_image "$STAGE/debian:13-slim-arm64" linux/arm64 - "$W/root.tar" -- "${CONFIG[@]}"
	rm -rf "$W"
}

INPUTS_AMD64=$(inputs_hash "${PROXY_CAS[@]}" -- "$(declare -f build_amd64)" "${CONFIG[*]}")
amd=$(arch_image "$REPO" 13-slim amd64 "$INPUTS_AMD64")
if [[ -z $amd ]]; then
	build_amd64
	amd=$STAGE/debian:13-slim-amd64
fi
amd_digest=$(crane digest --insecure "$amd") || die "no amd64 debian:13-slim"
INPUTS_ARM64=$(inputs_hash "$HACK_DIR/env.d/debs.sh" -- "$(declare -f build_arm64 arm64_elf_check)" "${CONFIG[*]}" "$amd_digest")
index_current "$REPO" "${TAGS[@]}" && exit 0
arm=$(arch_image "$REPO" 13-slim arm64 "$INPUTS_ARM64")
if [[ -z $arm ]]; then
	build_arm64 "$amd"
	arm=$STAGE/debian:13-slim-arm64
fi
publish_index "$REPO" "$amd" "$arm" "${TAGS[@]}"
log "debian:13-slim pushed ($(crane digest --insecure "$REG/$REPO:13-slim"): amd64 $amd_digest, arm64 $(crane digest --insecure --platform linux/arm64 "$REG/$REPO:13-slim"))"
