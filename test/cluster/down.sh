#!/usr/bin/env bash
# Stop the test cluster started by up.sh: cancel its jobs, then stop every daemon up.sh started, by
# the pid it recorded (and only if that pid is still the process it started), then remove the
# nodes' network namespaces, the bridge and the node names in /etc/hosts. Safe to re-run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root: sudo bash $0"

if daemon_alive slurmctld; then
  # Jobs left running would otherwise leave slurmstepd and their processes behind.
  jobs=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ' || true)
  if [[ -n ${jobs// /} ]]; then
    log "cancelling jobs: $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 50); do
      [[ -z "$(squeue -h -t RUNNING,COMPLETING -o %A 2>/dev/null)" ]] && break
      sleep 0.2
    done
  fi
fi

stop_daemon() {
  local name=$1 file="$STATE_DIR/pids/$1.pid" pid _
  [[ -f $file ]] || return 0
  if daemon_alive "$name"; then
    read -r pid _ <"$file"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      [[ -d /proc/$pid ]] || break
      sleep 0.1
    done
    if [[ -d /proc/$pid ]]; then
      log "$name (pid $pid) ignored SIGTERM for 10 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

for ((i = ${#ALL_DAEMONS[@]} - 1; i >= 0; i--)); do
  stop_daemon "${ALL_DAEMONS[i]}"
done
# The nodes' namespaces (and anything a job left running in them), the bridge, the /etc/hosts lines.
teardown_network
rm -f "$CONNECTION_FILE" "$STATE_DIR/mode"
log "cluster stopped"
