#!/usr/bin/env bash
# Bring up a real two-node Slurm cluster on this machine for the integration tests:
# munge, MariaDB + slurmdbd (unless --no-accounting), slurmctld, and two compute nodes (node1,
# node2), each a slurmd in its own network namespace on a host bridge, with 8 GPU GRES backed by
# placeholder device files; an sshd on 127.0.0.1 for the dedicated non-root user `evalbot`.
# Writes test/cluster/.state/connection.json (see test/support/cluster.ts) and ends with a self-check.
#
# Usage: sudo bash test/cluster/up.sh [--no-accounting]
# Idempotent: when everything is already up in the requested mode it only re-runs the self-check.
# No systemd: every daemon is started here in the foreground mode of the binary, detached with
# setsid, and its pid recorded in .state/pids/ so that down.sh stops exactly what was started.
set -euo pipefail

started_at=$(date +%s.%N)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"

accounting=true
for arg in "$@"; do
  case "$arg" in
    --no-accounting) accounting=false ;;
    -h | --help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument '$arg' (expected: --no-accounting)" ;;
  esac
done

require_root_on_debian
mkdir -p "$STATE_DIR/pids"

# ---------------------------------------------------------------------------------------------
# Already up? Then only re-check (or restart when the accounting mode changes).
# ---------------------------------------------------------------------------------------------
if all_daemons_alive "$accounting" && network_up && [[ -f "$CONNECTION_FILE" ]]; then
  if [[ "$(cat "$STATE_DIR/mode" 2>/dev/null)" == "$(mode_name "$accounting")" ]]; then
    log "cluster already up ($(mode_name "$accounting")); re-running the self-check"
    source "$STATE_DIR/env.sh"
    install_standin
    self_check "$accounting" recheck
    print_summary "$accounting" "$started_at"
    exit 0
  fi
  log "cluster is up in mode '$(cat "$STATE_DIR/mode")'; restarting in mode '$(mode_name "$accounting")'"
fi
if any_daemon_alive; then
  log "some daemons from an earlier start are still running: stopping them first"
  bash "$here/down.sh"
fi
rm -f "$CONNECTION_FILE"

# ---------------------------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------------------------
# iproute2: `ip` for the nodes' namespaces and bridge (nsenter/unshare are util-linux, always there).
packages=(slurmctld slurmd slurm-client slurmdbd munge mariadb-server openssh-server iproute2)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  # Package scripts must not start services (no init system here; we start them ourselves).
  created_policy=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=true
  fi
  apt-get update -q >"$STATE_DIR/apt.log" 2>&1 || { cat "$STATE_DIR/apt.log" >&2; die "apt-get update failed"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >>"$STATE_DIR/apt.log" 2>&1 || { tail -30 "$STATE_DIR/apt.log" >&2; die "apt-get install failed"; }
  if $created_policy; then rm -f /usr/sbin/policy-rc.d; fi
  log "packages installed in $(elapsed_since "$started_at") s"
fi

# ---------------------------------------------------------------------------------------------
# Layout, users, ports
# ---------------------------------------------------------------------------------------------
# The host runs the controller (and is the login node the tests SSH to); the compute nodes are
# NODE_NAMES in their namespaces.
controller=$(hostname -s)
getent hosts "$controller" >/dev/null ||
  die "the hostname '$controller' does not resolve; add '127.0.0.1 $controller' to /etc/hosts"
mkdir -p "$VAR_DIR"/{log,run,slurmctld,slurmd,gpu,ssh}
chown slurm:slurm "$VAR_DIR/log" "$VAR_DIR/run" "$VAR_DIR/slurmctld"
chmod 755 "$VAR_DIR" "$VAR_DIR/log" "$VAR_DIR/run"
ln -sfn "$VAR_DIR/log" "$STATE_DIR/logs"

if ! id "$CLUSTER_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$CLUSTER_USER"
fi
# '*' instead of the locked '!': sshd without PAM refuses logins to locked accounts, even by key.
usermod -p '*' "$CLUSTER_USER"
user_home=$(getent passwd "$CLUSTER_USER" | cut -d: -f6)
work_dir="$user_home/work"
install -d -o "$CLUSTER_USER" -g "$CLUSTER_USER" -m 755 "$work_dir"

install_standin
# On the user's PATH for SSH sessions (and so for jobs they submit, which inherit the environment).
# At the very top of .bashrc: Debian's .bashrc returns early for non-interactive shells.
path_line="export PATH=\"$LIGHTEVAL_BIN_DIR:\$PATH\"  # model-eval test cluster"
for rc in "$user_home/.bashrc" "$user_home/.profile"; do
  touch "$rc"
  if ! grep -qF "$path_line" "$rc"; then
    { echo "$path_line"; grep -v '# model-eval test cluster$' "$rc" || true; } >"$rc.new"
    mv "$rc.new" "$rc"
    chown "$CLUSTER_USER:" "$rc"
  fi
done

# Ports: Slurm's defaults when free; sshd on a free high port, kept across restarts when possible.
slurmctld_port=$(free_port 6817)
slurmd_port=$(free_port "$((slurmctld_port + 1))")
slurmdbd_port=$(free_port 6819)
db_port=$(free_port 3306)
previous_ssh_port=$(cat "$STATE_DIR/ssh_port" 2>/dev/null || echo 22222)
ssh_port=$(free_port "$previous_ssh_port")
echo "$ssh_port" >"$STATE_DIR/ssh_port"

setup_network

# ---------------------------------------------------------------------------------------------
# munge
# ---------------------------------------------------------------------------------------------
if [[ ! -s /etc/munge/munge.key ]]; then
  if command -v mungekey >/dev/null; then
    mungekey --create --keyfile=/etc/munge/munge.key
  else
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
fi
chown munge:munge /etc/munge/munge.key
chmod 600 /etc/munge/munge.key
install -d -o munge -g munge -m 755 /run/munge
install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
start_daemon munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
wait_for "munge answers" 10 bash -c 'munge -n | unmunge >/dev/null 2>&1'

# ---------------------------------------------------------------------------------------------
# Slurm configuration (sacctmgr and slurmdbd read slurm.conf too)
# ---------------------------------------------------------------------------------------------
for i in 0 1 2 3 4 5 6 7; do
  # Placeholder GPUs: character devices with /dev/null's numbers (slurmd wants File= to be a device;
  # then it also sets CUDA_VISIBLE_DEVICES for jobs, as on a real GPU node).
  dev="$VAR_DIR/gpu/nvidia$i"
  [[ -c $dev ]] || { rm -f "$dev" && mknod -m 666 "$dev" c 1 3; }
done
read -r cpus boards sockets cores threads memory < <(
  slurmd -C | head -1 | sed -E 's/.*CPUs=([0-9]+) Boards=([0-9]+) SocketsPerBoard=([0-9]+) CoresPerSocket=([0-9]+) ThreadsPerCore=([0-9]+) RealMemory=([0-9]+).*/\1 \2 \3 \4 \5 \6/'
)
[[ "$memory" =~ ^[0-9]+$ ]] || die "could not read the node's hardware from 'slurmd -C'"
# Leave a little memory for the OS, as sites do; jobs without --mem get a per-CPU default.
node_memory=$((memory * 9 / 10))
def_mem_per_cpu=$((node_memory / cpus / 2))

if $accounting; then
  accounting_lines="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=$HOST_ADDR
AccountingStoragePort=$slurmdbd_port
AccountingStorageTRES=gres/gpu
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30"
else
  accounting_lines="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi

# Each node has the machine's CPUs and memory (they share them: fine for jobs that mostly wait).
node_lines=$(for i in "${!NODE_NAMES[@]}"; do
  echo "NodeName=${NODE_NAMES[i]} NodeAddr=${NODE_ADDRS[i]} NodeHostname=${NODE_NAMES[i]} CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$node_memory Gres=gpu:8 State=UNKNOWN"
done)
node_list=$(IFS=,; echo "${NODE_NAMES[*]}")

cat >/etc/slurm/slurm.conf <<CONF
# Generated by test/cluster/up.sh ($(mode_name "$accounting")). Do not edit: re-run up.sh.
ClusterName=$CLUSTER_NAME
SlurmctldHost=$controller($HOST_ADDR)
SlurmctldPort=$slurmctld_port
SlurmdPort=$slurmd_port
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
SwitchType=switch/none
StateSaveLocation=$VAR_DIR/slurmctld
# %n: the node's name, so the two slurmd on this machine keep apart.
SlurmdSpoolDir=$VAR_DIR/slurmd/%n
SlurmctldPidFile=$VAR_DIR/run/slurmctld.pid
SlurmdPidFile=$VAR_DIR/run/slurmd-%n.pid
SlurmctldLogFile=$VAR_DIR/log/slurmctld.log
SlurmdLogFile=$VAR_DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$def_mem_per_cpu
SchedulerType=sched/backfill
GresTypes=gpu
ReturnToService=2
# Realistic: finished jobs stay visible to squeue/scontrol for MinJobAge seconds (Slurm's default).
MinJobAge=300
JobRequeue=1
KillWait=30
InactiveLimit=0
SlurmctldTimeout=120
SlurmdTimeout=300
JobCompType=jobcomp/none
$accounting_lines
$node_lines
PartitionName=$PARTITION Nodes=$node_list Default=YES MaxTime=INFINITE State=UP
PartitionName=$DEBUG_PARTITION Nodes=$node_list Default=NO MaxTime=00:02:00 State=UP
CONF
cat >/etc/slurm/gres.conf <<CONF
# Generated by test/cluster/up.sh. A count-only GPU GRES registers 0 GPUs: back them with files.
AutoDetect=off
NodeName=$node_list Name=gpu File=$VAR_DIR/gpu/nvidia[0-7]
CONF
# No cgroup plugins are configured; an empty cgroup.conf keeps slurmd from looking for one.
[[ -e /etc/slurm/cgroup.conf ]] || : >/etc/slurm/cgroup.conf
chmod 644 /etc/slurm/slurm.conf /etc/slurm/gres.conf /etc/slurm/cgroup.conf

# ---------------------------------------------------------------------------------------------
# MariaDB + slurmdbd (accounting)
# ---------------------------------------------------------------------------------------------
if $accounting; then
  db_dir="$VAR_DIR/mysql"
  install -d -o mysql -g mysql -m 750 "$db_dir"
  install -d -o mysql -g mysql -m 755 "$VAR_DIR/mysqld"
  if [[ ! -d "$db_dir/mysql" ]]; then
    mariadb-install-db --user=mysql --datadir="$db_dir" --auth-root-authentication-method=socket \
      --skip-test-db >"$VAR_DIR/log/mariadb-install.log" 2>&1 ||
      { cat "$VAR_DIR/log/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
  fi
  db_socket="$VAR_DIR/mysqld/mysqld.sock"
  start_daemon mariadbd /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$db_dir" \
    --bind-address=127.0.0.1 --port="$db_port" --socket="$db_socket" \
    --pid-file="$VAR_DIR/mysqld/mariadbd.pid" --log-error="$VAR_DIR/log/mariadb.log" \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --skip-name-resolve
  wait_for "MariaDB answers" 30 mariadb --no-defaults --socket="$db_socket" -u root -e 'select 1'

  db_pass_file="$STATE_DIR/slurmdb-password"
  [[ -s "$db_pass_file" ]] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$db_pass_file")
  db_pass=$(cat "$db_pass_file")
  mariadb --no-defaults --socket="$db_socket" -u root <<SQL
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$db_pass';
ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$db_pass';
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

  umask_saved=$(umask)
  umask 077
  cat >/etc/slurm/slurmdbd.conf <<CONF
# Generated by test/cluster/up.sh
AuthType=auth/munge
DbdHost=$controller
DbdAddr=$HOST_ADDR
DbdPort=$slurmdbd_port
SlurmUser=slurm
LogFile=$VAR_DIR/log/slurmdbd.log
PidFile=$VAR_DIR/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=slurm
StoragePass=$db_pass
StorageLoc=slurm_acct_db
CONF
  umask "$umask_saved"
  chown slurm:slurm /etc/slurm/slurmdbd.conf
  chmod 600 /etc/slurm/slurmdbd.conf
  start_daemon slurmdbd /usr/sbin/slurmdbd -D
  wait_for "slurmdbd answers" 30 sacctmgr -n list cluster
fi

# ---------------------------------------------------------------------------------------------
# slurmctld + slurmd
# ---------------------------------------------------------------------------------------------
if $accounting; then
  sacctmgr -i add cluster "$CLUSTER_NAME" >/dev/null 2>&1 || true
  sacctmgr -n list cluster format=cluster | grep -qw "$CLUSTER_NAME" || die "sacctmgr could not add the cluster"
fi
start_daemon slurmctld /usr/sbin/slurmctld -D
wait_for "slurmctld answers" 30 scontrol ping
for name in "${NODE_NAMES[@]}"; do start_node "$name"; done
if $accounting; then
  sacctmgr -i add account "$ACCOUNT" Description="model-eval tests" Organization=model-eval >/dev/null 2>&1 || true
  sacctmgr -i add user root,"$CLUSTER_USER" Account="$ACCOUNT" DefaultAccount="$ACCOUNT" >/dev/null 2>&1 || true
  sacctmgr -n list assoc user="$CLUSTER_USER" format=account | grep -qw "$ACCOUNT" ||
    die "sacctmgr could not add user $CLUSTER_USER to account $ACCOUNT"
fi
wait_for "nodes ${NODE_NAMES[*]} idle" 60 nodes_in_state idle
# A node that was DOWN in a previous run's saved state comes back on its own (ReturnToService=2).

# ---------------------------------------------------------------------------------------------
# sshd for the cluster user
# ---------------------------------------------------------------------------------------------
ssh_dir="$STATE_DIR/ssh"
install -d -m 700 "$ssh_dir"
[[ -s "$ssh_dir/host_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C "model-eval-test-cluster-host" -f "$ssh_dir/host_ed25519"
[[ -s "$ssh_dir/${CLUSTER_USER}_ed25519" ]] ||
  ssh-keygen -q -t ed25519 -N '' -C "$CLUSTER_USER@model-eval-test-cluster" -f "$ssh_dir/${CLUSTER_USER}_ed25519"
# sshd reads the host key as root; keep a copy outside the checkout in case it is on odd storage.
install -m 600 "$ssh_dir/host_ed25519" "$VAR_DIR/ssh/host_ed25519"
install -d -o "$CLUSTER_USER" -g "$CLUSTER_USER" -m 700 "$user_home/.ssh"
install -o "$CLUSTER_USER" -g "$CLUSTER_USER" -m 600 "$ssh_dir/${CLUSTER_USER}_ed25519.pub" "$user_home/.ssh/authorized_keys"
install -d -m 755 /run/sshd
cat >"$VAR_DIR/ssh/sshd_config" <<CONF
# Generated by test/cluster/up.sh: a private sshd for the test cluster's user only.
Port $ssh_port
ListenAddress 127.0.0.1
# The nodes' side of the bridge: jobs on the nodes reach the login node here.
ListenAddress $HOST_ADDR
HostKey $VAR_DIR/ssh/host_ed25519
PidFile none
AllowUsers $CLUSTER_USER
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
AllowTcpForwarding yes
PrintMotd no
ClientAliveInterval 0
MaxSessions 64
MaxStartups 64:30:128
Subsystem sftp internal-sftp
LogLevel INFO
CONF
/usr/sbin/sshd -t -f "$VAR_DIR/ssh/sshd_config" || die "sshd rejected the generated configuration"
start_daemon sshd /usr/sbin/sshd -D -e -f "$VAR_DIR/ssh/sshd_config"
wait_for "sshd listening on 127.0.0.1:$ssh_port" 10 bash -c "ss -Hltn 'sport = :$ssh_port' | grep -q ."

host_key_b64=$(cut -d' ' -f2 "$ssh_dir/host_ed25519.pub")
known_hosts_line="[127.0.0.1]:$ssh_port ssh-ed25519 $host_key_b64"
echo "$known_hosts_line" >"$ssh_dir/known_hosts"
fingerprint=$(ssh-keygen -l -E sha256 -f "$ssh_dir/host_ed25519.pub" | cut -d' ' -f2)

cat >"$STATE_DIR/env.sh" <<ENV
controller=$controller
slurmctld_port=$slurmctld_port
slurmd_port=$slurmd_port
ssh_port=$ssh_port
ssh_dir=$ssh_dir
work_dir=$work_dir
ENV
mode_name "$accounting" >"$STATE_DIR/mode"

# ---------------------------------------------------------------------------------------------
# Self-check, then the connection file the tests read.
# ---------------------------------------------------------------------------------------------
self_check "$accounting"

node -e '
  const [host, port, user, privateKeyPath, knownHostsLine, hostKeyFingerprint, partition, debugPartition,
    accounting, lightevalBinDir, workDir, selfCheckJobId, controllerAddress, networkInterface, names,
    addresses] = process.argv.slice(1);
  const addressList = addresses.split(" ");
  const nodes = names.split(" ").map((name, i) => ({ name, address: addressList[i] }));
  const connection = { host, port: Number(port), user, privateKeyPath, knownHostsLine, hostKeyFingerprint,
    partition, debugPartition, accounting: accounting === "true", lightevalBinDir, workDir,
    selfCheckJobId, nodes, networkInterface, controllerAddress };
  process.stdout.write(JSON.stringify(connection, null, 2) + "\n");
' 127.0.0.1 "$ssh_port" "$CLUSTER_USER" "$ssh_dir/${CLUSTER_USER}_ed25519" "$known_hosts_line" "$fingerprint" \
  "$PARTITION" "$DEBUG_PARTITION" "$accounting" "$LIGHTEVAL_BIN_DIR" "$work_dir" "$SELF_CHECK_JOB_ID" \
  "$HOST_ADDR" "$NODE_IFNAME" "${NODE_NAMES[*]}" "${NODE_ADDRS[*]}" >"$CONNECTION_FILE.tmp"
mv "$CONNECTION_FILE.tmp" "$CONNECTION_FILE"

print_summary "$accounting" "$started_at"
