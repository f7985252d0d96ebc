import { UnsafeBatchValueError } from './errors';
import type { JobSpec, MultiNodeSpec } from './job-spec';
import { shellJoin, shellQuote } from './shell-quote';

/** Exit status of a job whose distributed runtime did not come up (a node never joined, a dead server). */
export const MULTI_NODE_STARTUP_EXIT_CODE = 98;

/**
 * Shell for the address of this node: the first IPv4 address of the configured interface, else the
 * first address `hostname -I` lists. Defined in the batch script and again inside every step, which
 * runs in a fresh `bash -c` on its own node.
 */
const IP_FUNCTION =
  'model_eval_ip() { if [ -n "$1" ]; then ip -4 -o addr show dev "$1" 2>/dev/null | awk \'{print $4}\' | cut -d/ -f1 | head -n 1; else hostname -I 2>/dev/null | awk \'{print $1}\'; fi; }';

/**
 * Step scripts: fixed text (no value is interpolated into them); each value reaches them as a
 * positional argument, quoted once on the srun line. `$1` is always the network interface.
 */
const STEP_PREFIX = `${IP_FUNCTION}; model_eval_addr="$(model_eval_ip "$1")"; if [ -z "$model_eval_addr" ]; then echo "model-eval: no IPv4 address on $(hostname)\${1:+ for interface $1}" >&2; exit ${MULTI_NODE_STARTUP_EXIT_CODE}; fi; export VLLM_HOST_IP="$model_eval_addr"; `;
export const STEP_SCRIPTS = {
  /** $2 port, $3 GPUs. */
  rayHead: `${STEP_PREFIX}exec ray start --head --port="$2" --node-ip-address="$model_eval_addr" --num-gpus="$3" --block`,
  /** $2 head address:port, $3 GPUs. */
  rayWorker: `${STEP_PREFIX}exec ray start --address="$2" --node-ip-address="$model_eval_addr" --num-gpus="$3" --block`,
  /** $2… the server's argv. */
  serveHead: `${STEP_PREFIX}shift; exec "$@"`,
  /** $2 nodes, $3 head address, $4 master port, $5… the server's argv; node rank from the task's rank. */
  serveMpWorker: `${STEP_PREFIX}model_eval_nnodes="$2"; model_eval_master="$3"; model_eval_port="$4"; shift 4; exec "$@" --nnodes "$model_eval_nnodes" --node-rank "$((SLURM_PROCID + 1))" --master-addr "$model_eval_master" --master-port "$model_eval_port" --headless`,
} as const;

/** Seconds between two checks of the bounded waits, unless the spec sets `pollSeconds`. */
export const DEFAULT_POLL_SECONDS = 2;

function whole(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UnsafeBatchValueError(
      `The multi-node ${name} must be a whole number from 1 to ${max}, got ${value}.`,
      `Fix the ${name} setting.`,
    );
  }
  return value;
}

interface Shape {
  nodes: number;
  gpus: number;
  rayPort: number;
  iface: string;
  /** Seconds between two checks; in range, so `${poll}` is a plain decimal that `sleep` reads. */
  poll: number;
}

/** From 0.01 s (String() stays a plain decimal `sleep` reads) to 60 s. */
function pollOf(multi: MultiNodeSpec): number {
  const value = multi.pollSeconds ?? DEFAULT_POLL_SECONDS;
  if (!Number.isFinite(value) || value < 0.01 || value > 60) {
    throw new UnsafeBatchValueError(
      `The multi-node poll interval must be from 0.01 to 60 seconds, got ${value}.`,
      'Fix the pollSeconds setting.',
    );
  }
  return value;
}

function shapeOf(spec: JobSpec, multi: MultiNodeSpec): Shape {
  return {
    nodes: whole('node count', spec.nodes ?? 1),
    gpus: whole('GPUs per node', spec.gpusPerNode ?? 1),
    rayPort: whole('rendezvous port', multi.rendezvousPort, 65_535),
    iface: multi.networkInterface ?? '',
    poll: pollOf(multi),
  };
}

/** One srun step in the background, its output in the run's logs, its pid kept for the cleanup. */
function backgroundStep(
  where: string,
  log: string,
  script: string,
  args: string[],
  pidVar: string,
): string[] {
  return [
    `srun --overlap ${where} --output=${shellQuote(log)} bash -c ${shellQuote(script)} _ ${args.join(' ')} &`,
    `${pidVar}=$!`,
    `model_eval_step_pids+=("$${pidVar}")`,
  ];
}

const HEAD = '--nodes=1 --ntasks=1 --nodelist="$model_eval_head"';
const workersWhere = (nodes: number) =>
  `--nodes=${nodes - 1} --ntasks=${nodes - 1} --ntasks-per-node=1 --exclude="$model_eval_head"`;

/** Functions every multi-node job defines first: the node's address, failing early, stopping every step. */
function prelude(shape: Shape, multi: MultiNodeSpec): string[] {
  const rayEngine = multi.route === 'ray' || multi.serve?.engine === 'ray';
  // The 30 s grace for steps to exit after TERM, checked every 0.5 s (or every poll, if shorter).
  const stopPoll = Math.min(0.5, shape.poll);
  const stopChecks = Math.round(30 / stopPoll);
  return [
    '# Multi-node: the head is this node (the batch step runs on the first node of the allocation).',
    IP_FUNCTION,
    'model_eval_step_pids=()',
    `model_eval_fail() { echo "model-eval: $1" >&2; if [ -n "\${2:-}" ] && [ -f "$2" ]; then echo "model-eval: last lines of $2:" >&2; tail -n 40 -- "$2" >&2; fi; exit ${MULTI_NODE_STARTUP_EXIT_CODE}; }`,
    // Stops every step on every node: the evaluation and the server/workers (srun forwards the
    // signal to its tasks), then Ray itself on each node, then whatever still runs after 30 s.
    'model_eval_stop_steps() {',
    "  trap '' TERM INT",
    '  local pid waited=0',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template
    '  for pid in "${model_eval_step_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done',
    ...(rayEngine
      ? [
          `  if [ -n "\${model_eval_ray_started:-}" ]; then timeout 60 srun --overlap --nodes=${shape.nodes} --ntasks=${shape.nodes} --ntasks-per-node=1 --output=ray-stop-%N.out ray stop --force || true; fi`,
        ]
      : []),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template
    '  for pid in "${model_eval_step_pids[@]}"; do',
    `    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt ${stopChecks} ]; do sleep ${stopPoll}; waited=$((waited + 1)); done`,
    '    kill -KILL "$pid" 2>/dev/null || true',
    '  done',
    '  model_eval_step_pids=()',
    '}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template
    'model_eval_on_exit() { model_eval_stop_steps; if [ -n "${model_eval_scrub:-}" ]; then rm -f -- "$model_eval_secrets"; fi; }',
    // Requeue, preemption, time limit and cancel send TERM: stop everything, keep the secrets (a
    // requeued job needs them; collect and cancel scrub them).
    'trap model_eval_on_exit EXIT',
    "trap 'trap - EXIT; model_eval_stop_steps; exit 143' TERM",
    "trap 'trap - EXIT; model_eval_stop_steps; exit 130' INT",
    `model_eval_iface=${shellQuote(shape.iface)}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template
    'model_eval_head="${SLURMD_NODENAME:-$(hostname -s)}"',
    'model_eval_nodes="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | paste -sd, -)" || model_eval_fail "scontrol show hostnames could not read SLURM_JOB_NODELIST ($SLURM_JOB_NODELIST)"',
    'model_eval_workers="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | grep -vxF -- "$model_eval_head" | paste -sd, - || true)"',
    'model_eval_head_ip="$(model_eval_ip "$model_eval_iface")"',
    `[ -n "$model_eval_head_ip" ] || model_eval_fail "no IPv4 address on the head node $model_eval_head\${model_eval_iface:+ for network-interface $model_eval_iface}: check the network-interface setting (ip -4 addr on the node)"`,
    'export VLLM_HOST_IP="$model_eval_head_ip"',
    // NCCL and Gloo pick an interface by themselves, often a wrong one (docker0, a management NIC).
    ...(shape.iface
      ? ['export NCCL_SOCKET_IFNAME="$model_eval_iface" GLOO_SOCKET_IFNAME="$model_eval_iface"']
      : []),
    `echo "model-eval: route ${multi.route}${multi.serve ? ` (engine ${multi.serve.engine})` : ''} on nodes $model_eval_nodes, head $model_eval_head ($model_eval_head_ip)" >&2`,
  ];
}

/** A bounded wait until Ray's resource view (`ray status`) counts `want` GPUs. */
function waitForRayGpus(
  shape: Shape,
  multi: MultiNodeSpec,
  want: string,
  phase: 'head' | 'workers',
): string[] {
  const what = phase === 'head' ? 'the Ray head was up' : 'every node had joined the Ray cluster';
  const timeout = whole('join timeout', multi.joinTimeoutSeconds);
  return [
    `model_eval_deadline=$((SECONDS + ${timeout}))`,
    'while :; do',
    `  model_eval_gpus="$(ray status --address="$model_eval_head_ip:${shape.rayPort}" 2>/dev/null | sed -n 's#^ *[0-9.]*/\\([0-9.]*\\) GPU.*#\\1#p' | head -n 1 | cut -d. -f1 || true)"`,
    `  if [ "\${model_eval_gpus:-0}" -ge ${want} ]; then break; fi`,
    `  kill -0 "$model_eval_ray_head_pid" 2>/dev/null || model_eval_fail "the Ray head on $model_eval_head exited before ${what} (is port ${shape.rayPort} already in use there? is ray installed after job-setup?)" "ray-head-$model_eval_head.out"`,
    ...(phase === 'workers'
      ? [
          `  kill -0 "$model_eval_ray_workers_pid" 2>/dev/null || model_eval_fail "a Ray worker on $model_eval_workers exited before joining the head at $model_eval_head_ip:${shape.rayPort}: check each node's ray-worker-NODE.out, that the port is reachable from the workers, and that every node runs the same Ray"`,
        ]
      : []),
    `  if [ "$SECONDS" -ge "$model_eval_deadline" ]; then model_eval_fail "Ray counts \${model_eval_gpus:-no} of ${want} GPUs after ${timeout} s (join-timeout): ${phase === 'head' ? 'the head itself is not up' : 'not every node has joined'}. Nodes that have not joined are among: ${phase === 'workers' ? '$model_eval_workers' : '$model_eval_head'}. Check their ray-*-NODE.out logs, that $model_eval_head_ip:${shape.rayPort} is reachable from every node (firewall, network-interface), and the GPUs Slurm gives each step"; fi`,
    `  sleep ${shape.poll}`,
    'done',
  ];
}

/** Ray over the allocation: the head on this node, a worker on every other node, all GPUs joined. */
function startRay(shape: Shape, multi: MultiNodeSpec): string[] {
  const lines = [
    'model_eval_ray_started=1',
    ...backgroundStep(
      HEAD,
      'ray-head-%N.out',
      STEP_SCRIPTS.rayHead,
      ['"$model_eval_iface"', String(shape.rayPort), String(shape.gpus)],
      'model_eval_ray_head_pid',
    ),
    ...waitForRayGpus(shape, multi, String(shape.gpus), 'head'),
  ];
  if (shape.nodes > 1) {
    lines.push(
      ...backgroundStep(
        workersWhere(shape.nodes),
        'ray-worker-%N.out',
        STEP_SCRIPTS.rayWorker,
        ['"$model_eval_iface"', `"$model_eval_head_ip:${shape.rayPort}"`, String(shape.gpus)],
        'model_eval_ray_workers_pid',
      ),
      ...waitForRayGpus(shape, multi, String(shape.nodes * shape.gpus), 'workers'),
    );
  }
  lines.push(`export RAY_ADDRESS="$model_eval_head_ip:${shape.rayPort}"`);
  return lines;
}

/** `vllm serve` on the head (and `--headless` on the other nodes for mp), then a bounded health wait. */
function startServer(shape: Shape, multi: MultiNodeSpec): string[] {
  const serve = multi.serve;
  if (!serve)
    throw new UnsafeBatchValueError('The serve route has no server.', 'Plan the job with a server.');
  if (serve.argv.length === 0)
    throw new UnsafeBatchValueError('The server has no command.', 'Plan the job again.');
  const port = whole('serve port', serve.port, 65_535);
  const timeout = whole('serve timeout', serve.timeoutSeconds);
  const mp = serve.engine === 'mp' && shape.nodes > 1;
  const headArgv = mp
    ? [...serve.argv, '--nnodes', String(shape.nodes), '--node-rank', '0', '--master-addr']
    : serve.argv;
  const headArgs = [
    '"$model_eval_iface"',
    shellJoin(headArgv),
    ...(mp ? ['"$model_eval_head_ip"', '--master-port', String(shape.rayPort)] : []),
  ];
  const lines = [
    ...(serve.engine === 'ray' && shape.nodes > 1 ? startRay(shape, multi) : []),
    `model_eval_served=${shellQuote(serve.servedModelName)}`,
    ...backgroundStep(HEAD, 'vllm-serve-%N.out', STEP_SCRIPTS.serveHead, headArgs, 'model_eval_server_pid'),
  ];
  if (mp) {
    lines.push(
      ...backgroundStep(
        workersWhere(shape.nodes),
        'vllm-worker-%N.out',
        STEP_SCRIPTS.serveMpWorker,
        [
          '"$model_eval_iface"',
          String(shape.nodes),
          '"$model_eval_head_ip"',
          String(shape.rayPort),
          shellJoin(serve.argv),
        ],
        'model_eval_workers_pid',
      ),
    );
  }
  lines.push(
    `model_eval_deadline=$((SECONDS + ${timeout}))`,
    `until curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:${port}/health" && curl -sf --max-time 5 "http://127.0.0.1:${port}/v1/models" 2>/dev/null | grep -qF -- "\\"$model_eval_served\\""; do`,
    `  kill -0 "$model_eval_server_pid" 2>/dev/null || model_eval_fail "vllm serve on $model_eval_head exited before it became healthy (port ${port} already in use? out of GPU memory? a worker that never connected?)" "vllm-serve-$model_eval_head.out"`,
    ...(mp
      ? [
          `  kill -0 "$model_eval_workers_pid" 2>/dev/null || model_eval_fail "a headless vllm serve on $model_eval_workers exited: check each node's vllm-worker-NODE.out and that $model_eval_head_ip:${shape.rayPort} is reachable from it"`,
        ]
      : []),
    `  if [ "$SECONDS" -ge "$model_eval_deadline" ]; then model_eval_fail "vllm serve on $model_eval_head did not answer /health and list $model_eval_served in /v1/models within ${timeout} s (serve-timeout): loading may need longer, or a node never joined (nodes $model_eval_nodes)" "vllm-serve-$model_eval_head.out"; fi`,
    `  sleep ${shape.poll}`,
    'done',
    `echo "model-eval: vllm serve answers on 127.0.0.1:${port} as $model_eval_served" >&2`,
  );
  return lines;
}

/**
 * The multi-node part of the batch script: functions and traps, the runtime (Ray and/or the server),
 * then the evaluation on the head. The evaluation runs in the background and is waited for, so a
 * TERM from Slurm reaches the trap at once instead of after the evaluation ends.
 */
export function renderMultiNode(spec: JobSpec, multi: MultiNodeSpec): { prelude: string[]; run: string[] } {
  const shape = shapeOf(spec, multi);
  const runtime = multi.route === 'ray' ? startRay(shape, multi) : startServer(shape, multi);
  return {
    prelude: prelude(shape, multi),
    run: [
      ...runtime,
      `${shellJoin(spec.command)} &`,
      'model_eval_eval_pid=$!',
      'model_eval_step_pids+=("$model_eval_eval_pid")',
      ...(multi.route === 'serve'
        ? [
            'model_eval_eval_rc=0',
            'wait "$model_eval_eval_pid" || model_eval_eval_rc=$?',
            ...serverOutlivedEvaluation(multi),
            'exit "$model_eval_eval_rc"',
          ]
        : ['wait "$model_eval_eval_pid"']),
    ],
  };
}

/**
 * The serve route's check after LightEval ends: the server (and its headless workers) must still
 * run. LiteLLM answers a request it could not make, after its retries, with an empty response
 * ("API call failed after N attempts, returning empty response", litellm_model.py), which LightEval
 * scores as wrong and exits 0: a server that died mid-run would otherwise yield a lower score
 * reported as a success. The job fails instead, with the server's log tail, which the
 * out-of-memory classifier reads like any job log.
 */
function serverOutlivedEvaluation(multi: MultiNodeSpec): string[] {
  const lines = [
    `kill -0 "$model_eval_server_pid" 2>/dev/null || model_eval_fail "vllm serve on $model_eval_head exited while LightEval ran: its results are not used (LiteLLM scores a request to a dead server as an empty answer)" "vllm-serve-$model_eval_head.out"`,
  ];
  if (multi.serve?.engine === 'mp') {
    lines.push(
      `[ -z "\${model_eval_workers_pid:-}" ] || kill -0 "$model_eval_workers_pid" 2>/dev/null || model_eval_fail "a headless vllm serve on $model_eval_workers exited while LightEval ran: its results are not used" ""`,
    );
  }
  return lines;
}
