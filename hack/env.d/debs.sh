# shellcheck shell=bash
# Sourced: download Debian trixie .debs for amd64/arm64 with a private apt config under $DL/apt-trixie
# (the host stays on bookworm), and unpack them the way distroless does (dpkg-deb -x, no maintainer
# scripts, no dependency resolution; control data in /var/lib/dpkg/status.d/<pkg>).

DEB_MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}
DEB_SECURITY=${DEB_SECURITY:-http://deb.debian.org/debian-security}
DEB_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APTDIR=$DL/apt-trixie

apt_trixie() { # apt_trixie apt-get|apt-cache ARGS...
	local cmd=$1 o=(
		-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o "Dir::Etc::SourceParts=$APTDIR/empty"
		-o "Dir::State=$APTDIR/state" -o "Dir::State::status=$APTDIR/status"
		-o "Dir::Cache=$APTDIR/cache" -o "Dir::Etc::Preferences=$APTDIR/empty/prefs"
		-o "Dir::Etc::PreferencesParts=$APTDIR/empty"
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64
		-o Debug::NoLocking=1 -o Acquire::Languages=none -o APT::Sandbox::User=root
	)
	shift
	mkdir -p "$APTDIR/empty"
	"$cmd" "${o[@]}" "$@"
}

apt_trixie_update() {
	[[ -f $APTDIR/.updated ]] && [[ -z $(find "$APTDIR/.updated" -mmin +720) ]] && return 0
	mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/empty"
	: >"$APTDIR/status"
	cat >"$APTDIR/sources.list" <<SRC
deb [arch=amd64,arm64 signed-by=$DEB_KEYRING] $DEB_MIRROR trixie main
deb [arch=amd64,arm64 signed-by=$DEB_KEYRING] $DEB_MIRROR trixie-updates main
deb [arch=amd64,arm64 signed-by=$DEB_KEYRING] $DEB_SECURITY trixie-security main
SRC
	log "apt-get update (trixie, amd64+arm64, private apt dir)"
	apt_trixie apt-get update -qq >&2 || die "apt-get update for trixie failed (mirror $DEB_MIRROR)"
	touch "$APTDIR/.updated"
}

# deb_path ARCH PKG: the cached .deb of PKG for ARCH (arch-specific, or arch "all" shared by all
# architectures in $DL/deb/trixie/all), empty if absent.
deb_path() {
	local f
	for f in "$DL/deb/trixie/$1/$2"_*_"$1".deb "$DL/deb/trixie/all/$2"_*_all.deb; do
		[[ -f $f ]] && { printf '%s\n' "$f"; return 0; }
	done
	return 0
}

# fetch_debs ARCH PKG...: make sure the .debs are in $DL/deb/trixie/ARCH (downloaded once, then reused).
fetch_debs() {
	local arch=$1 p missing=() any=() all=() a
	shift
	mkdir -p "$DL/deb/trixie/$arch" "$DL/deb/trixie/all"
	for p in "$@"; do [[ -n $(deb_path "$arch" "$p") ]] || missing+=("$p"); done
	((${#missing[@]})) || return 0
	apt_trixie_update
	for p in "${missing[@]}"; do
		a=$(apt_trixie apt-cache show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Architecture: //p' | head -n1)
		[[ -n $a ]] || die "package $p not found in trixie"
		if [[ $a == all ]]; then all+=("$p"); else any+=("$p:$arch"); fi
	done
	log "downloading ${any[*]} ${all[*]}"
	if ((${#any[@]})); then
		(cd "$DL/deb/trixie/$arch" && apt_trixie apt-get download -qq "${any[@]}" >&2) ||
			die "apt-get download ${any[*]} failed"
	fi
	if ((${#all[@]})); then
		(cd "$DL/deb/trixie/all" && apt_trixie apt-get download -qq "${all[@]}" >&2) ||
			die "apt-get download ${all[*]} failed"
	fi
}

# unpack_debs ARCH DESTDIR PKG...: extract into DESTDIR (merged /usr: bin, sbin, lib* are folded into usr/).
unpack_debs() {
	local arch=$1 dest=$2 p deb tmp d
	shift 2
	mkdir -p "$dest/var/lib/dpkg/status.d"
	for p in "$@"; do
		deb=$(deb_path "$arch" "$p")
		[[ -n $deb ]] || die "no .deb for $p ($arch); fetch_debs first"
		tmp=$(mktemp -d "$WORK/unpack.XXXXXX")
		dpkg-deb -x "$deb" "$tmp"
		for d in bin sbin lib lib64; do
			if [[ -d $tmp/$d && ! -L $tmp/$d ]]; then
				mkdir -p "$tmp/usr/$d"
				cp -a "$tmp/$d/." "$tmp/usr/$d/"
				rm -rf "${tmp:?}/$d"
			fi
		done
		cp -a "$tmp/." "$dest/"
		rm -rf "$tmp"
		dpkg-deb -f "$deb" >"$dest/var/lib/dpkg/status.d/$p"
	done
}

# merged_usr DESTDIR ARCH: the top-level symlinks of a merged-/usr Debian 13 system.
merged_usr() {
	local dest=$1 arch=$2
	mkdir -p "$dest/usr/bin" "$dest/usr/sbin" "$dest/usr/lib"
	ln -sfn usr/bin "$dest/bin"
	ln -sfn usr/sbin "$dest/sbin"
	ln -sfn usr/lib "$dest/lib"
	if [[ $arch == amd64 ]]; then mkdir -p "$dest/usr/lib64" && ln -sfn usr/lib64 "$dest/lib64"; fi
}

# ca_bundle DESTFILE ARCHIVE_DEB: Mozilla CAs from the ca-certificates .deb plus the proxy CAs.
ca_bundle() {
	local out=$1 deb=$2 tmp f
	tmp=$(mktemp -d "$WORK/ca.XXXXXX")
	dpkg-deb -x "$deb" "$tmp"
	mkdir -p "$(dirname "$out")"
	: >"$out"
	while IFS= read -r f; do cat "$f" >>"$out"; done < <(find "$tmp/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort)
	while IFS= read -r f; do cat "$f" >>"$out"; echo >>"$out"; done < <(proxy_cas)
	rm -rf "$tmp"
}
