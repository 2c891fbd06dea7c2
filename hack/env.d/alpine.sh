#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 4d: alpine:3.22 (tags 3.22 3 latest), index for linux/amd64 + linux/arm64.
#
# STRUCTURAL STAND-IN ONLY. No Alpine repository is reachable, so this is NOT Alpine: it has Alpine's
# shape, built from Debian trixie packages: musl as /lib/ld-musl-<arch>.so.1 (+ libc.musl-<arch>.so.1),
# Debian's busybox-static as /bin/busybox with applet symlinks, Alpine-like /etc/passwd, group, shadow,
# alpine-release, os-release (ID=alpine, saying it is a stand-in), the CA bundle (incl. the proxy CAs) at
# /etc/ssl/certs/ca-certificates.crt. Debian's busybox lacks adduser/addgroup/deluser/delgroup: a shell
# script (hack/images/alpine/usertool) implements their busybox options. `apk add` only accepts packages
# that are already there (hack/images/alpine/apk). musl binaries run; apk packages cannot be installed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debs.sh"

REPO=library/alpine
TAGS=(3.22 3 latest)
ARCHES=(amd64 arm64)
INPUTS=$(inputs_hash "${BASH_SOURCE[0]}" "$HACK_DIR"/images/alpine/* "$HACK_DIR/env.d/debs.sh" "${PROXY_CAS[@]}" -- "$ALPINE_RELEASE")
want_image "$REPO" "${TAGS[@]}" || exit 0
log "building alpine:3.22 stand-in (Debian musl + busybox) for ${ARCHES[*]}"
W=$WORK/alpine
SRC=$HACK_DIR/images/alpine
rm -rf "$W"
mkdir -p "$W"
for arch in "${ARCHES[@]}"; do fetch_debs "$arch" musl busybox-static ca-certificates netbase; done
BB_HOST=$W/busybox-host # the applet list is the same for every architecture
dpkg-deb --fsys-tarfile "$(deb_path amd64 busybox-static)" | tar -xO ./usr/bin/busybox >"$BB_HOST"
chmod 0755 "$BB_HOST"

alpine_tree() { # alpine_tree ARCH DIR
	local arch=$1 d=$2 march tmp p
	case $arch in amd64) march=x86_64 ;; arm64) march=aarch64 ;; *) die "unsupported arch $arch" ;; esac
	mkdir -p "$d"/{bin,dev,etc,home,lib,media/cdrom,mnt,opt,proc,root,run/lock,sbin,srv,sys,tmp} \
		"$d"/usr/{bin,sbin,lib,libexec,local/bin,local/lib,local/share,share} \
		"$d"/var/{cache,empty,lib,local,log,mail,opt,spool,tmp} \
		"$d"/etc/{apk,profile.d,ssl/certs,network,opt,periodic,crontabs} "$d/lib/apk/db"
	ln -s ../run "$d/var/run"
	ln -s ../run/lock "$d/var/lock"
	chmod 0700 "$d/root"
	chmod 1777 "$d/tmp" "$d/var/tmp"

	tmp=$(mktemp -d "$W/x.XXXXXX")
	dpkg-deb -x "$(deb_path "$arch" busybox-static)" "$tmp/bb"
	dpkg-deb -x "$(deb_path "$arch" musl)" "$tmp/musl"
	dpkg-deb -x "$(deb_path "$arch" netbase)" "$tmp/netbase"
	install -m 0755 "$tmp/bb/usr/bin/busybox" "$d/bin/busybox"
	install -m 0755 "$tmp/musl/usr/lib/$march-linux-musl/libc.so" "$d/lib/ld-musl-$march.so.1"
	ln -s "ld-musl-$march.so.1" "$d/lib/libc.musl-$march.so.1"
	for p in services protocols; do install -m 0644 "$tmp/netbase/etc/$p" "$d/etc/$p"; done
	rm -rf "$tmp"
	# Applets at the paths busybox reports (as on Alpine); Debian-only applets are left out.
	while read -r p; do
		case ${p##*/} in busybox | linuxrc | dpkg | dpkg-deb | rpm | rpm2cpio) continue ;; esac
		[[ -e $d/$p || -L $d/$p ]] || ln -s /bin/busybox "$d/$p"
	done < <("$BB_HOST" --list-full)
	install -m 0755 "$SRC/usertool" "$d/usr/libexec/usertool"
	for p in adduser addgroup deluser delgroup; do ln -s ../libexec/usertool "$d/usr/sbin/$p"; done
	install -m 0755 "$SRC/apk" "$d/sbin/apk"
	install -m 0755 "$SRC/getent" "$d/usr/bin/getent"
	printf '#!/bin/sh\nexec /lib/ld-musl-%s.so.1 --list "$@"\n' "$march" >"$d/usr/bin/ldd"
	chmod 0755 "$d/usr/bin/ldd"

	ca_bundle "$d/etc/ssl/certs/ca-certificates.crt" "$(deb_path "$arch" ca-certificates)"
	ln -s certs/ca-certificates.crt "$d/etc/ssl/cert.pem"
	echo "$ALPINE_RELEASE" >"$d/etc/alpine-release"
	cat >"$d/usr/lib/os-release" <<X
NAME="Alpine Linux"
ID=alpine
VERSION_ID=$ALPINE_RELEASE
PRETTY_NAME="Alpine Linux v${ALPINE_RELEASE%.*} (slimfront structural stand-in: Debian musl + busybox, no apk repository)"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
X
	ln -s ../usr/lib/os-release "$d/etc/os-release"
	echo "$march" >"$d/etc/apk/arch"
	printf '%s\n' "https://dl-cdn.alpinelinux.org/alpine/v${ALPINE_RELEASE%.*}/main" \
		"https://dl-cdn.alpinelinux.org/alpine/v${ALPINE_RELEASE%.*}/community" >"$d/etc/apk/repositories"
	printf '%s\n' alpine-baselayout alpine-keys alpine-release apk-tools busybox ca-certificates-bundle \
		libc-utils musl >"$d/etc/apk/world"
	cat >"$d/etc/passwd" <<'X'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
X
	cat >"$d/etc/group" <<'X'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin
adm:x:4:root,daemon
tty:x:5:
disk:x:6:root
lp:x:7:lp
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
mail:x:12:mail
news:x:13:news
uucp:x:14:uucp
cron:x:16:cron
audio:x:18:
cdrom:x:19:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
input:x:23:
tape:x:26:root
video:x:27:root
netdev:x:28:
kvm:x:34:kvm
games:x:35:
shadow:x:42:
www-data:x:82:
users:x:100:games
ntp:x:123:
abuild:x:300:
utmp:x:406:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
X
	awk -F: '{ printf "%s:%s:0:::::\n", $1, ($1 == "root" ? "*" : "!") }' "$d/etc/passwd" >"$d/etc/shadow"
	chown 0:42 "$d/etc/shadow"
	chmod 0640 "$d/etc/shadow"
	printf '%s\n' /bin/sh /bin/ash >"$d/etc/shells"
	printf '127.0.0.1\tlocalhost localhost.localdomain\n::1\t\tlocalhost localhost.localdomain\n' >"$d/etc/hosts"
	echo localhost >"$d/etc/hostname"
	printf 'Welcome to the Alpine Linux stand-in (slimfront test environment).\n' >"$d/etc/motd"
	cat >"$d/etc/profile" <<'X'
export CHARSET=UTF-8
export LANG=C.UTF-8
export LC_COLLATE=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PAGER=less
export PS1='\h:\w\$ '
umask 022
for script in /etc/profile.d/*.sh ; do
	if [ -r "$script" ] ; then
		. "$script"
	fi
done
unset script
X
}

m=()
for arch in "${ARCHES[@]}"; do
	alpine_tree "$arch" "$W/$arch"
	mktar "$W/$arch" "$W/$arch.tar"
	push_image "$STAGE/alpine:3.22-$arch" "linux/$arch" - "$W/$arch.tar" -- \
		--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/sh
	m+=(-m "$STAGE/alpine:3.22-$arch")
done
cr index append "${m[@]}" -t "$REG/$REPO:3.22" || die "crane index append alpine:3.22 failed"
tag_all "$REPO" 3.22 "${TAGS[@]}"
rm -rf "$W"
log "alpine:3.22 stand-in pushed ($(crane digest --insecure "$REG/$REPO:3.22"))"
