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
# Two compute nodes, each a slurmd in its own network namespace (and UTS namespace, so `hostname`
# in a job says the node's name), joined by a host bridge. slurmctld, slurmdbd and sshd stay on the
# host and listen on HOST_ADDR too, so the nodes reach them; the nodes reach each other over the bridge.
NODE_NAMES=(node1 node2)
NODE_ADDRS=(10.77.0.11 10.77.0.12)
HOST_ADDR=10.77.0.1
NET_PREFIX=24
BRIDGE=mecl-br0
# The interface inside every node's namespace (what NCCL_SOCKET_IFNAME / GLOO_SOCKET_IFNAME name).
NODE_IFNAME=cluster0
# Marks the lines up.sh adds to /etc/hosts (node names), so down.sh removes exactly those.
HOSTS_MARKER='# model-eval test cluster'
# Start order; down.sh stops in reverse. `slurmd` is the single node of earlier versions of this
# script: listed so that the first run of this version stops it.
ALL_DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd slurmd-node1 slurmd-node2 sshd)

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
  local slurmds=("${NODE_NAMES[@]/#/slurmd-}")
  if [[ $1 == true ]]; then
    echo munged mariadbd slurmdbd slurmctld "${slurmds[@]}" sshd
  else
    echo munged slurmctld "${slurmds[@]}" sshd
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
# so $! is the daemon's own pid. Every descriptor above 2 is closed first: a daemon that inherited a
# caller's lock (e.g. `flock 9` around up.sh) would hold it for as long as the cluster runs.
start_daemon() {
  local name=$1 pid
  shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec setsid "$@" </dev/null >>"$VAR_DIR/log/$name.out" 2>&1
  ) &
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

# nodes_in_state STATES: every node reports one of STATES (a regex alternation) with gpu:8.
nodes_in_state() {
  local name line
  for name in "${NODE_NAMES[@]}"; do
    line=$(sinfo -h -n "$name" -o '%t %G' 2>/dev/null | head -1)
    [[ ${line%% *} =~ ^($1)$ && $line == *gpu:8* ]] || return 1
  done
}

# tcp_between_nodes: from each node's namespace, a TCP connection to every other node's slurmd.
tcp_between_nodes() {
  local i j
  for i in "${!NODE_NAMES[@]}"; do
    for j in "${!NODE_NAMES[@]}"; do
      ((i == j)) && continue
      nsenter --net="/run/netns/$(netns_of "${NODE_NAMES[i]}")" timeout 5 \
        bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "${NODE_ADDRS[j]}" "$slurmd_port" ||
        die "no TCP from ${NODE_NAMES[i]} to ${NODE_NAMES[j]} (${NODE_ADDRS[j]}:$slurmd_port)$(bridge_filter_hint)"
    done
  done
}

# With br_netfilter loaded, traffic between two ports of a bridge passes iptables' FORWARD chain,
# which Docker's setup (policy DROP) blocks: say so rather than leave a bare timeout.
bridge_filter_hint() {
  [[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" == 1 ]] || return 0
  printf '%s' "; net.bridge.bridge-nf-call-iptables is 1, so the bridge's traffic goes through iptables' FORWARD chain: allow it (iptables -I FORWARD -i $BRIDGE -o $BRIDGE -j ACCEPT) or set the sysctl to 0"
}

# self_check ACCOUNTING [recheck]: both nodes idle with 8 GPUs; a two-node job submitted by the
# cluster user completes, its step ran on both nodes (and sacct sees the job); TCP works between
# the nodes; an SSH login as that user runs squeue. Sets SELF_CHECK_JOB_ID.
self_check() {
  local accounting=$1 state deadline output
  # slurmd re-registers after a restart; give it a moment to report idle.
  # Idle after a fresh start; on a re-check other work may be running (mix/alloc) on a healthy node.
  local up_states=idle
  [[ ${2:-} == recheck ]] && up_states="idle|mix|alloc"
  wait_for "nodes ${NODE_NAMES[*]} up ($up_states) with gpu:8" 60 nodes_in_state "$up_states"
  tcp_between_nodes
  output="$work_dir/.cluster-self-check.out"
  rm -f "$output"
  SELF_CHECK_JOB_ID=$(runuser -u "$CLUSTER_USER" -- sbatch --parsable --job-name=self-check \
    --chdir="$work_dir" --output="$output" --nodes="${#NODE_NAMES[@]}" --gres=gpu:2 \
    --wrap='srun --ntasks-per-node=1 hostname') || die "sbatch failed"
  SELF_CHECK_JOB_ID=${SELF_CHECK_JOB_ID%%;*}
  # First in line even when other work fills the nodes (root may lower a job's nice value).
  scontrol update JobId="$SELF_CHECK_JOB_ID" Nice=-10000 >/dev/null 2>&1 || true
  deadline=$(($(date +%s) + 120))
  while :; do
    state=$(job_state "$SELF_CHECK_JOB_ID" "$accounting")
    [[ $state == COMPLETED ]] && break
    case $state in FAILED | CANCELLED* | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL)
      cat "$output" >&2 2>/dev/null || true
      die "self-check job $SELF_CHECK_JOB_ID ended $state" ;;
    esac
    (($(date +%s) < deadline)) || die "self-check job $SELF_CHECK_JOB_ID did not complete within 120s (state '$state')"
    sleep 0.3
  done
  [[ "$(sort "$output" | tr '\n' ' ')" == "$(printf '%s\n' "${NODE_NAMES[@]}" | sort | tr '\n' ' ')" ]] ||
    die "self-check job $SELF_CHECK_JOB_ID: its step printed '$(tr '\n' ' ' <"$output")', expected one line per node: ${NODE_NAMES[*]}"
  rm -f "$output"
  ssh_as_cluster_user 'squeue --noheader --format=%i >/dev/null && command -v lighteval' >/dev/null ||
    die "SSH login as $CLUSTER_USER running squeue failed (sshd log: $VAR_DIR/log/sshd.out)"
  log "self-check passed: ${NODE_NAMES[*]} up with gpu:8, TCP between them, two-node job $SELF_CHECK_JOB_ID COMPLETED$(
    [[ $accounting == true ]] && echo ' (seen by sacct)') with a step on each node, ssh $CLUSTER_USER@127.0.0.1:$ssh_port runs squeue"
}

print_summary() {
  cat <<SUMMARY
Test cluster '$CLUSTER_NAME' is up ($(mode_name "$1")) in $(elapsed_since "$2") s.
$(for i in "${!NODE_NAMES[@]}"; do
    printf '  node            %s: %s on %s, %s\n' "${NODE_NAMES[i]}" "${NODE_ADDRS[i]}" "$NODE_IFNAME" \
      "$(sinfo -h -n "${NODE_NAMES[i]}" -o '%c CPUs, %m MB, %G, state %t' | head -1)"
  done)
  controller      $(hostname -s) ($HOST_ADDR on bridge $BRIDGE; slurmctld :$slurmctld_port, slurmd :$slurmd_port)
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

# The stand-ins, copied where the cluster user can read and run them (the checkout may not be):
# LightEval always; Ray and vLLM (for multi-node jobs) when the checkout has them.
install_standin() {
  local tool
  install -d -m 755 "$LIGHTEVAL_BIN_DIR"
  install -m 755 "$REPO_ROOT/test/fixtures/lighteval/lighteval" "$LIGHTEVAL_BIN_DIR/lighteval"
  for tool in ray vllm; do
    if [[ -f "$REPO_ROOT/test/fixtures/$tool/$tool" ]]; then
      install -m 755 "$REPO_ROOT/test/fixtures/$tool/$tool" "$LIGHTEVAL_BIN_DIR/$tool"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# The nodes' network: a bridge on the host with HOST_ADDR, and per node a network namespace with
# a veth pair (host end on the bridge, named like the namespace; node end NODE_IFNAME).
# ---------------------------------------------------------------------------------------------
netns_of() { echo "mecl-$1"; }

network_up() {
  local name
  ip -4 -o addr show dev "$BRIDGE" 2>/dev/null | grep -qF " $HOST_ADDR/" || return 1
  for name in "${NODE_NAMES[@]}"; do [[ -e "/run/netns/$(netns_of "$name")" ]] || return 1; done
}

# kill_netns_processes NS: whatever still runs in a node's namespace (job steps a crashed slurmd
# left behind); only processes in that namespace, each by pid.
kill_netns_processes() {
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  [[ -n ${pids// /} ]] || return 0
  log "stopping processes left in $ns: $pids"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && return 0
    sleep 0.1
  done
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  # shellcheck disable=SC2086
  [[ -z ${pids// /} ]] || kill -KILL $pids 2>/dev/null || true
}

teardown_network() {
  local name ns
  for name in "${NODE_NAMES[@]}"; do
    ns=$(netns_of "$name")
    if [[ -e "/run/netns/$ns" ]]; then
      kill_netns_processes "$ns"
      ip netns delete "$ns" || true
    fi
    # Normally gone with the namespace; a half-made pair from a crash is not.
    if ip link show "$ns" >/dev/null 2>&1; then ip link delete "$ns" 2>/dev/null || true; fi
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE" || true; fi
  remove_hosts_entries
}

setup_network() {
  local i ns
  teardown_network
  if ip -4 -o addr show | grep -v " $BRIDGE " | grep -qF " ${HOST_ADDR%.*}."; then
    die "the nodes' subnet ${HOST_ADDR%.*}.0/$NET_PREFIX is already used on this machine: $(ip -4 -o addr show | grep -F " ${HOST_ADDR%.*}.")"
  fi
  ip link add "$BRIDGE" type bridge
  ip addr add "$HOST_ADDR/$NET_PREFIX" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for i in "${!NODE_NAMES[@]}"; do
    ns=$(netns_of "${NODE_NAMES[i]}")
    ip netns add "$ns"
    ip link add "$ns" type veth peer name "$NODE_IFNAME" netns "$ns"
    ip link set "$ns" master "$BRIDGE"
    ip link set "$ns" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "${NODE_ADDRS[i]}/$NET_PREFIX" dev "$NODE_IFNAME"
    ip -n "$ns" link set "$NODE_IFNAME" up
  done
  add_hosts_entries
  log "network: bridge $BRIDGE $HOST_ADDR/$NET_PREFIX; $(for i in "${!NODE_NAMES[@]}"; do
    printf '%s %s (netns %s, %s) ' "${NODE_NAMES[i]}" "${NODE_ADDRS[i]}" "$(netns_of "${NODE_NAMES[i]}")" "$NODE_IFNAME"
  done)"
}

# /etc/hosts is shared by the host and the namespaces: node names resolve to node addresses
# everywhere. Rewritten in place (not renamed), as a container's /etc/hosts is a bind mount.
remove_hosts_entries() {
  local kept
  grep -qF "$HOSTS_MARKER" /etc/hosts 2>/dev/null || return 0
  kept=$(grep -vF "$HOSTS_MARKER" /etc/hosts || true)
  printf '%s\n' "$kept" >/etc/hosts
}

add_hosts_entries() {
  local i
  remove_hosts_entries
  for i in "${!NODE_NAMES[@]}"; do
    printf '%s %s  %s\n' "${NODE_ADDRS[i]}" "${NODE_NAMES[i]}" "$HOSTS_MARKER" >>/etc/hosts
  done
}

# start_node NAME: its slurmd in the node's network namespace and a fresh UTS namespace with the
# node's hostname. nsenter/unshare/sh all exec, so the recorded pid is slurmd's. (Not `ip netns
# exec`: it remounts /sys, hiding /sys/fs/cgroup, and slurmd then refuses to start.)
start_node() {
  local name=$1
  install -d -m 755 "$VAR_DIR/slurmd/$name"
  start_daemon "slurmd-$name" nsenter --net="/run/netns/$(netns_of "$name")" unshare --uts \
    /bin/sh -c 'hostname "$1" && exec /usr/sbin/slurmd -D -N "$1"' sh "$name"
}
