#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step 3: start (or stop) the registry on 127.0.0.1:5000 and buildkitd. Usage: daemons.sh start|stop
# A daemon whose pid file points at a live process is left alone. Daemons run in their own session
# (setsid nohup) so they survive the shell that ran `hack/env up`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$RUN" "$DATA/registry" "$DATA/buildkit"

# wait_for NAME SECONDS CHECK...: poll until CHECK succeeds.
wait_for() {
	local name=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	die "$name did not answer within ${secs}s; see $RUN/$name.log"
}

spawn() { # spawn NAME CMD...: detached daemon with pid file and log
	local name=$1
	shift
	setsid nohup "$@" >"$RUN/$name.log" 2>&1 </dev/null &
	echo $! >"$RUN/$name.pid"
}

# stale NAME: the daemon runs a binary that has since been rebuilt (e.g. buildkit version bump in go.mod).
stale() { [[ $(readlink "/proc/$(<"$RUN/$1.pid")/exe" 2>/dev/null) == *"(deleted)" ]]; }

start_registry() {
	if pid_alive "$RUN/registry.pid" && stale registry; then
		log "registry binary was rebuilt; restarting it"
		stop_daemon registry
	fi
	if pid_alive "$RUN/registry.pid"; then
		wait_for registry 10 registry_up
		return 0
	fi
	registry_up && die "something else answers on $REG (not our registry); stop it first"
	cat >"$RUN/registry.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $DATA/registry}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http: {addr: $REG}
YML
	log "starting registry on $REG"
	OTEL_TRACES_EXPORTER=none spawn registry registry serve "$RUN/registry.yml"
	wait_for registry 15 registry_up
}

start_buildkitd() {
	if pid_alive "$RUN/buildkitd.pid" && stale buildkitd; then
		log "buildkitd binary was rebuilt; restarting it"
		stop_daemon buildkitd
	fi
	if pid_alive "$RUN/buildkitd.pid"; then
		wait_for buildkitd 30 buildkitd_up
		return 0
	fi
	cat >"$RUN/buildkitd.toml" <<TOML
root = "$DATA/buildkit"
insecure-entitlements = ["network.host", "security.insecure"]

[grpc]
  address = ["unix://$BUILDKIT_SOCK"]

[worker.oci]
  enabled = true
  binary = "runc"
  snapshotter = "overlayfs"
  networkMode = "host"
  gc = true
  maxUsedSpace = "20GB"

[worker.containerd]
  enabled = false

[registry."docker.io"]
  mirrors = ["$REG"]
[registry."gcr.io"]
  mirrors = ["$REG"]
[registry."$REG"]
  http = true
TOML
	rm -f "$BUILDKIT_SOCK"
	log "starting buildkitd ($(buildkitd --version 2>/dev/null | awk '{print $3}'))"
	spawn buildkitd buildkitd --config "$RUN/buildkitd.toml"
	wait_for buildkitd 60 buildkitd_up
}

# stop_daemon NAME: SIGTERM, wait up to 15 s, then SIGKILL.
stop_daemon() {
	local name=$1 pid i
	pid_alive "$RUN/$name.pid" || { rm -f "$RUN/$name.pid"; return 0; }
	pid=$(<"$RUN/$name.pid")
	log "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 75; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name did not exit after SIGTERM; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	rm -f "$RUN/$name.pid"
}

case ${1:-} in
start)
	start_registry
	start_buildkitd
	;;
stop)
	stop_daemon buildkitd
	stop_daemon registry
	# Leftover overlay/bind mounts under the buildkit root (none after a clean SIGTERM).
	while read -r mnt; do
		log "unmounting leftover $mnt"
		umount -l "$mnt" 2>/dev/null || true
	done < <(awk -v root="$DATA/buildkit" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r)
	rm -f "$BUILDKIT_SOCK"
	;;
*) die "usage: daemons.sh start|stop" ;;
esac
