#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016 # the hooks are expanded by mmdebstrap, not here
# Step 4a: debian:13-slim (linux/amd64) via mmdebstrap minbase trixie, slimmed like the official image.
# Tags: 13-slim trixie-slim 13 trixie (all the same slim image).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debs.sh"

REPO=library/debian
TAGS=(13-slim trixie-slim 13 trixie)
INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" "${PROXY_CAS[@]}")
want_image "$REPO" "${TAGS[@]}" || exit 0
log "building debian:13-slim (mmdebstrap trixie, ~1 min)"
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
push_image "$REG/$REPO:13-slim" linux/amd64 - "$WORK/debian13-slim.tar" -- \
	--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash
tag_all "$REPO" 13-slim "${TAGS[@]}"
rm -rf "$root" "$WORK/debian13-slim.tar"
log "debian:13-slim pushed ($(crane digest --insecure "$REG/$REPO:13-slim"))"
