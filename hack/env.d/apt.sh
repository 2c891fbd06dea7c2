#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 1: host packages (the machine runs as root). Skipped when everything is installed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need=()
for p in runc umoci mmdebstrap jq curl; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == "install ok installed" ]] || need+=("$p")
done
((${#need[@]})) || exit 0
[[ $(id -u) == 0 ]] || die "need root to apt-get install ${need[*]}"
log "apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 || die "apt-get install ${need[*]} failed"
