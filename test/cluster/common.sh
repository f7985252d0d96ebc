# Shared by up.sh and down.sh (sourced, not run).
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE_DIR="$REPO_ROOT/test/cluster/.state"
CONNECTION_FILE="$STATE_DIR/connection.json"
# Daemon state, spool and logs: outside the checkout, because the slurm, mysql and munge users must be
# able to traverse it (a CI checkout under /root is not).
VAR_DIR=/var/lib/model-eval-test-cluster
LIGHTEVAL_BIN_DIR=/opt/model-eval-test/bin
CLUSTER_NAME=modeleval
CLUSTER_USER=evalbot
ACCOUNT=research
PARTITION=gpu
DEBUG_PARTITION=debug
# Start order; down.sh stops in reverse.
ALL_DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd sshd)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() {
  printf '[cluster] error: %s\n' "$*" >&2
  exit 1
}

require_root_on_debian() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and starts system daemons): sudo bash $0"
  [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null ||
    die "this script needs Debian (or a derivative with apt-get and Debian's Slurm packages); found: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)"
}

mode_name() { if [[ $1 == true ]]; then echo accounting; else echo no-accounting; fi; }

elapsed_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# The process start time (clock ticks since boot): with the pid it identifies a process, so a pid
# reused by an unrelated process after a reboot is never killed.
proc_start_time() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

# daemon_alive NAME: the recorded process is still the one we started.
daemon_alive() {
  local file="$STATE_DIR/pids/$1.pid" pid start
  [[ -f $file ]] || return 1
  read -r pid start <"$file" || return 1
  [[ -n $pid && -d /proc/$pid ]] || return 1
  [[ "$(proc_start_time "$pid")" == "$start" ]]
}

expected_daemons() {
  if [[ $1 == true ]]; then
    echo "${ALL_DAEMONS[@]}"
  else
    echo munged slurmctld slurmd sshd
  fi
}

all_daemons_alive() {
  local name
  for name in $(expected_daemons "$1"); do daemon_alive "$name" || return 1; done
}

any_daemon_alive() {
  local name
  for name in "${ALL_DAEMONS[@]}"; do daemon_alive "$name" && return 0; done
  return 1
}

# start_daemon NAME COMMAND...: run a daemon in the foreground mode of its binary, in its own session
# (so it outlives this script and its terminal), output appended to log/NAME.out, pid recorded.
# setsid execs without forking here (a script's background child is not a process-group leader),
# so $! is the daemon's own pid.
start_daemon() {
  local name=$1 pid
  shift
  setsid "$@" </dev/null >>"$VAR_DIR/log/$name.out" 2>&1 &
  pid=$!
  sleep 0.2
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -20 "$VAR_DIR/log/$name.out" >&2 || true
    die "$name exited at start (log: $VAR_DIR/log/$name.out)"
  fi
  echo "$pid $(proc_start_time "$pid")" >"$STATE_DIR/pids/$name.pid"
  log "started $name (pid $pid)"
}

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local what=$1 seconds=$2 deadline
  shift 2
  deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    if (($(date +%s) >= deadline)); then
      "$@" >&2 || true
      die "timed out after ${seconds}s waiting for: $what (logs: $VAR_DIR/log/)"
    fi
    sleep 0.2
  done
}

ssh_as_cluster_user() {
  ssh -i "$ssh_dir/${CLUSTER_USER}_ed25519" -p "$ssh_port" -o BatchMode=yes -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$ssh_dir/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=yes -o ConnectTimeout=10 "$CLUSTER_USER@127.0.0.1" "$@"
}

job_state() {
  if [[ $2 == true ]]; then
    sacct -X -n -P -j "$1" -o State 2>/dev/null | head -1
  else
    scontrol show job "$1" 2>/dev/null | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p'
  fi
}

# self_check ACCOUNTING: the node is idle with 8 GPUs, a GPU job submitted by the cluster user
# completes (and sacct sees it), and an SSH login as that user runs squeue. Sets SELF_CHECK_JOB_ID.
self_check() {
  local accounting=$1 sinfo_line state deadline
  # slurmd re-registers after a restart; give it a moment to report idle.
  # Idle after a fresh start; on a re-check other work may be running (mix/alloc) on a healthy node.
  local up_states=idle
  [[ ${2:-} == recheck ]] && up_states="idle|mix|alloc"
  wait_for "node $node up ($up_states)" 30 bash -c "sinfo -h -n '$node' -o '%t' | grep -qxE '$up_states'"
  sinfo_line=$(sinfo -h -n "$node" -o '%t %G')
  [[ ${sinfo_line%% *} =~ ^($up_states)$ && $sinfo_line == *gpu:8* ]] || die "sinfo shows '$sinfo_line', expected $up_states with gpu:8"
  SELF_CHECK_JOB_ID=$(runuser -u "$CLUSTER_USER" -- sbatch --parsable --job-name=self-check \
    --chdir="$work_dir" --output=/dev/null --gres=gpu:2 --wrap=true) || die "sbatch failed"
  SELF_CHECK_JOB_ID=${SELF_CHECK_JOB_ID%%;*}
  # First in line even when other work fills the node (root may lower a job's nice value).
  scontrol update JobId="$SELF_CHECK_JOB_ID" Nice=-10000 >/dev/null 2>&1 || true
  deadline=$(($(date +%s) + 120))
  while :; do
    state=$(job_state "$SELF_CHECK_JOB_ID" "$accounting")
    [[ $state == COMPLETED ]] && break
    case $state in FAILED | CANCELLED* | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL)
      die "self-check job $SELF_CHECK_JOB_ID ended $state" ;;
    esac
    (($(date +%s) < deadline)) || die "self-check job $SELF_CHECK_JOB_ID did not complete within 120s (state '$state')"
    sleep 0.3
  done
  ssh_as_cluster_user 'squeue --noheader --format=%i >/dev/null && command -v lighteval' >/dev/null ||
    die "SSH login as $CLUSTER_USER running squeue failed (sshd log: $VAR_DIR/log/sshd.out)"
  log "self-check passed: node idle with gpu:8, job $SELF_CHECK_JOB_ID COMPLETED$(
    [[ $accounting == true ]] && echo ' (seen by sacct)'), ssh $CLUSTER_USER@127.0.0.1:$ssh_port runs squeue"
}

print_summary() {
  cat <<SUMMARY
Test cluster '$CLUSTER_NAME' is up ($(mode_name "$1")) in $(elapsed_since "$2") s.
  node            $node: $(sinfo -h -n "$node" -o '%c CPUs, %m MB, %G, state %t')
  partitions      $PARTITION (default), $DEBUG_PARTITION (MaxTime 2 min)
  ssh             ssh -i $ssh_dir/${CLUSTER_USER}_ed25519 -p $ssh_port -o UserKnownHostsFile=$ssh_dir/known_hosts $CLUSTER_USER@127.0.0.1
  host key        $(ssh-keygen -l -E sha256 -f "$ssh_dir/host_ed25519.pub" | cut -d' ' -f2)
  lighteval       $LIGHTEVAL_BIN_DIR/lighteval (stand-in, SIMULATED results)
  work dir        $work_dir
  connection      $CONNECTION_FILE
  logs            $VAR_DIR/log/
  stop with       sudo bash test/cluster/down.sh
SUMMARY
}

# free_port START: the first TCP port from START upwards that nothing listens on.
free_port() {
  local port=$1
  while [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]; do port=$((port + 1)); done
  echo "$port"
}

# The LightEval stand-in, copied where the cluster user can read and run it (the checkout may not be).
install_standin() {
  install -d -m 755 "$LIGHTEVAL_BIN_DIR"
  install -m 755 "$REPO_ROOT/test/fixtures/lighteval/lighteval" "$LIGHTEVAL_BIN_DIR/lighteval"
}
