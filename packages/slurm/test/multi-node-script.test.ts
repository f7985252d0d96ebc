import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type JobSpec,
  MULTI_NODE_STARTUP_EXIT_CODE,
  type MultiNodeSpec,
  renderBatchScript,
  renderSecretsFile,
  secretsPath,
  UnsafeBatchValueError,
} from '../src/index';
import { DEFAULT_POLL_SECONDS } from '../src/multi-node-script';
import { createRandom, generateHostileString } from './generated-strings';

/**
 * Unit doubles for the commands the script calls, so its control flow (waits, early failures, the
 * trap, the quoting of every value) runs here in milliseconds. They record each call NUL-separated;
 * the two-node end-to-end test on the real cluster uses the real Slurm and the ray/vllm stand-ins.
 * - srun runs the command once per selected node (NODES minus --exclude, or --nodelist), with
 *   SLURMD_NODENAME and SLURM_PROCID set, output to --output with %N replaced, and forwards TERM.
 * - ray start adds --num-gpus to a counter unless FAULT=worker-never-joins (workers then idle);
 *   ray status prints Ray's resource line, or fails when no head runs.
 * - vllm serve (head, not --headless) publishes its --served-model-name for curl; FAULT=crash makes
 *   the head exit 1 (only the head: which of two dying steps the wait notices first is a race).
 */
const DOUBLES: Record<string, string> = {
  scontrol: `printf '%s\\n' $NODES`,
  hostname: `case "$1" in -I) echo 10.1.0.1 ;; -s) echo node1 ;; *) echo node1 ;; esac`,
  ip: `printf '%s' "$6" >"$STATE/iface"; echo "2: ifc    inet 10.2.0.7/24 brd 10.2.0.255 scope global ifc"`,
  srun: `r="$STATE/calls/$(date +%s%N)-$$"; printf '%s\\0' "$(basename "$0")" "$@" >"$r"
nodes="$NODES"; out=/dev/null
while [ $# -gt 0 ]; do case "$1" in
  --nodelist=*) nodes="\${1#--nodelist=}" ;;
  --exclude=*) nodes="$(for n in $NODES; do [ "$n" = "\${1#--exclude=}" ] || echo "$n"; done)" ;;
  --output=*) out="\${1#--output=}" ;;
  --*) ;;
  *) break ;;
esac; shift; done
pids=(); rank=0
for n in $nodes; do SLURMD_NODENAME="$n" SLURM_PROCID="$rank" "$@" >"\${out//%N/$n}" 2>&1 & pids+=($!); rank=$((rank + 1)); done
trap 'kill -TERM "\${pids[@]}" 2>/dev/null; wait; exit 143' TERM
status=0; for p in "\${pids[@]}"; do wait "$p" || status=$?; done; exit $status`,
  ray: `r="$STATE/calls/$(date +%s%N)-$$"; printf '%s\\0' "$(basename "$0")" "$@" >"$r"
case "$1" in
  start) gpus=$(printf '%s\\n' "$@" | sed -n 's/^--num-gpus=//p')
    if [ "$2" = --head ]; then echo "$$" >"$STATE/head"; fi
    if [ "$2" = --head ] || [ "$FAULT" != worker-never-joins ]; then echo "$gpus" >>"$STATE/gpus"; fi
    trap 'exit 0' TERM; while :; do sleep 0.1; done ;;
  status) [ -f "$STATE/head" ] || { echo "ConnectionError: could not find any running Ray instance" >&2; exit 1; }
    echo "Resources"; echo "Usage:"; echo " 0.0/$(awk '{s+=$1} END {print s}' "$STATE/gpus").0 GPU" ;;
  stop) echo stopped >>"$STATE/stopped" ;;
esac`,
  vllm: `r="$STATE/calls/$(date +%s%N)-$$"; printf '%s\\0' "$(basename "$0")" "$@" >"$r"
headless=no; name=""; prev=""
for a in "$@"; do [ "$a" = --headless ] && headless=yes; [ "$prev" = --served-model-name ] && name="$a"; prev="$a"; done
[ "$FAULT" = crash ] && [ "$headless" = no ] && { echo "RuntimeError: CUDA out of memory" >&2; exit 1; }
if [ "$headless" = no ] && [ "$FAULT" != never-healthy ]; then printf '{"data":[{"id":"%s"}]}' "$name" >"$STATE/models"; fi
if [ "$FAULT" = crash-while-evaluating ] && [ "$headless" = no ]; then
  until [ -f "$STATE/eval-started" ]; do sleep 0.05; done
  echo "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB." >&2; exit 1
fi
trap 'exit 0' TERM; while :; do sleep 0.1; done`,
  curl: `url=""; for a in "$@"; do url="$a"; done
[ -f "$STATE/models" ] || exit 7
case "$url" in */health) ;; */v1/models) cat "$STATE/models" ;; esac`,
  lighteval: `r="$STATE/calls/$(date +%s%N)-$$"; printf '%s\\0' "$(basename "$0")" "$@" >"$r"
printf '%s' "$RAY_ADDRESS|$VLLM_HOST_IP|$NCCL_SOCKET_IFNAME|$HF_TOKEN" >"$STATE/eval-env"
touch "$STATE/eval-started"
[ "$FAULT" = eval-hangs ] && { while :; do sleep 0.1; done; }
# As LiteLLM does with a dead server: empty answers after its retries, and LightEval still exits 0.
[ "$FAULT" = crash-while-evaluating ] && sleep 0.5
exit 0`,
};

function sandbox(): { dir: string; bin: string; state: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mn-script-'));
  const bin = join(dir, 'bin');
  const state = join(dir, 'state');
  spawnSync('mkdir', ['-p', bin, join(state, 'calls')]);
  for (const [name, body] of Object.entries(DOUBLES)) {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { dir, bin, state, log: join(state, 'calls') };
}

/** Each recorded call as its argv (command first). */
function calls(log: string): string[][] {
  if (!existsSync(log)) return [];
  return readdirSync(log)
    .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]))
    .map((file) => readFileSync(join(log, file), 'utf8').split('\0').slice(0, -1));
}

/**
 * The doubles answer within milliseconds, so the script's bounded waits check every 0.05 s instead of
 * every DEFAULT_POLL_SECONDS (2 s, what production renders: pinned in the last describe block).
 */
const FAST_POLL = 0.05;

const serveMulti = (engine: 'ray' | 'mp', argv: string[], name = 'org/model'): MultiNodeSpec => ({
  route: 'serve',
  rendezvousPort: 6380,
  joinTimeoutSeconds: 5,
  pollSeconds: FAST_POLL,
  serve: { argv, servedModelName: name, port: 8001, engine, timeoutSeconds: 5 },
});

function spec(runDir: string, multiNode: MultiNodeSpec, extra: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'mn',
    key: 'run-1.mn',
    runDir,
    nodes: 2,
    gpusPerNode: 8,
    command: [
      'lighteval',
      'vllm',
      'model_name=org/model,tensor_parallel_size=8,pipeline_parallel_size=2',
      'math_500|0',
    ],
    multiNode,
    ...extra,
  };
}

/** The batch step's environment on the first of two nodes, the doubles first on PATH. */
function jobEnv(box: ReturnType<typeof sandbox>, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: `${box.bin}:${process.env.PATH}`,
    NODES: 'node1 node2',
    SLURM_JOB_NODELIST: 'node[1-2]',
    SLURMD_NODENAME: 'node1',
    LOG: box.log,
    STATE: box.state,
    ...env,
  };
}

function run(box: ReturnType<typeof sandbox>, job: JobSpec, env: Record<string, string> = {}) {
  const script = renderBatchScript(job);
  return spawnSync('bash', ['-c', script], {
    cwd: box.dir,
    timeout: 30_000,
    // A socket on stdin makes bash read ~/.bashrc (its rshd heuristic): give it none.
    stdio: ['ignore', 'pipe', 'pipe'],
    env: jobEnv(box, env),
  });
}

const ray: MultiNodeSpec = {
  route: 'ray',
  rendezvousPort: 6380,
  joinTimeoutSeconds: 5,
  pollSeconds: FAST_POLL,
};

describe('multi-node batch script: ray route', { timeout: 30_000 }, () => {
  it('starts the head, then workers on the other nodes, waits for all GPUs, evaluates with RAY_ADDRESS, stops Ray everywhere', () => {
    const box = sandbox();
    const result = run(box, spec(box.dir, { ...ray, networkInterface: 'ib0' }));
    expect(result.stderr.toString()).toContain('route ray on nodes node1,node2, head node1 (10.2.0.7)');
    expect(result.status).toBe(0);
    const recorded = calls(box.log);
    const starts = recorded.filter((c) => c[0] === 'ray' && c[1] === 'start');
    expect(starts).toEqual([
      ['ray', 'start', '--head', '--port=6380', '--node-ip-address=10.2.0.7', '--num-gpus=8', '--block'],
      ['ray', 'start', '--address=10.2.0.7:6380', '--node-ip-address=10.2.0.7', '--num-gpus=8', '--block'],
    ]);
    const sruns = recorded.filter((c) => c[0] === 'srun');
    expect(sruns[0]).toEqual(
      expect.arrayContaining(['--overlap', '--nodes=1', '--nodelist=node1', '--output=ray-head-%N.out']),
    );
    expect(sruns[1]).toEqual(
      expect.arrayContaining([
        '--nodes=1',
        '--ntasks-per-node=1',
        '--exclude=node1',
        '--output=ray-worker-%N.out',
      ]),
    );
    // The trap's `ray stop` on every node, after the evaluation.
    expect(sruns.at(-1)).toEqual(
      expect.arrayContaining(['--nodes=2', '--ntasks=2', 'ray', 'stop', '--force']),
    );
    expect(recorded.findIndex((c) => c[0] === 'lighteval')).toBeLessThan(
      recorded.findIndex((c) => c[0] === 'ray' && c[1] === 'stop'),
    );
    expect(readFileSync(join(box.state, 'eval-env'), 'utf8')).toBe('10.2.0.7:6380|10.2.0.7|ib0|');
    expect(readFileSync(join(box.dir, 'ray-worker-node2.out'), 'utf8')).toBe('');
  });

  it('a worker that never joins ends the job early, naming the nodes and what to check', () => {
    const box = sandbox();
    const started = Date.now();
    // 2 s: the head's own wait (the same deadline) keeps at least 1 s on a loaded machine.
    const result = run(box, spec(box.dir, { ...ray, joinTimeoutSeconds: 2 }), {
      FAULT: 'worker-never-joins',
    });
    expect(result.status).toBe(MULTI_NODE_STARTUP_EXIT_CODE);
    expect(Date.now() - started).toBeLessThan(15_000);
    const stderr = result.stderr.toString();
    expect(stderr).toMatch(/Ray counts 8 of 16 GPUs after 2 s \(join-timeout\)/);
    expect(stderr).toMatch(/among: node2/);
    expect(stderr).toMatch(/10\.1\.0\.1:6380 is reachable/);
    expect(calls(box.log).some((c) => c[0] === 'lighteval')).toBe(false);
    // Stopped on the way out: Ray on every node, no step left running.
    expect(readFileSync(join(box.state, 'stopped'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('TERM (cancel, time limit, requeue) stops the evaluation and every step, keeps the secrets, exits 143', async () => {
    const box = sandbox();
    const job = spec(box.dir, ray, { secrets: { HF_TOKEN: "hf_x'$(id)" } });
    writeFileSync(secretsPath(job), renderSecretsFile(job.secrets ?? {}), { mode: 0o600 });
    const { spawn } = await import('node:child_process');
    const child = spawn('bash', ['-c', renderBatchScript(job)], {
      cwd: box.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: jobEnv(box, { FAULT: 'eval-hangs' }),
    });
    for (let i = 0; i < 100 && !existsSync(join(box.state, 'eval-env')); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(join(box.state, 'eval-env'), 'utf8')).toContain("|hf_x'$(id)");
    child.kill('SIGTERM');
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(status).toBe(143);
    expect(existsSync(secretsPath(job))).toBe(true);
    expect(readFileSync(join(box.state, 'stopped'), 'utf8').trim().split('\n')).toHaveLength(2);
    // No double left running: every ray/vllm/lighteval process of this sandbox is gone.
    const left = spawnSync('pgrep', ['-f', box.bin]).stdout.toString().trim();
    expect(left).toBe('');
  });
});

describe('multi-node batch script: serve route', { timeout: 30_000 }, () => {
  const argv = [
    'vllm',
    'serve',
    'org/model',
    '--tensor-parallel-size',
    '8',
    '--pipeline-parallel-size',
    '2',
    '--served-model-name',
    'org/model',
  ];

  it('engine mp: vllm serve on the head with --nnodes/--node-rank 0, --headless with rank 1 on the other node', () => {
    const box = sandbox();
    const result = run(box, spec(box.dir, serveMulti('mp', argv)));
    expect(result.stderr.toString()).toContain('vllm serve answers on 127.0.0.1:8001 as org/model');
    expect(result.status).toBe(0);
    const serves = calls(box.log).filter((c) => c[0] === 'vllm');
    expect(serves).toContainEqual([
      ...argv,
      '--nnodes',
      '2',
      '--node-rank',
      '0',
      '--master-addr',
      '10.1.0.1',
      '--master-port',
      '6380',
    ]);
    expect(serves).toContainEqual([
      ...argv,
      '--nnodes',
      '2',
      '--node-rank',
      '1',
      '--master-addr',
      '10.1.0.1',
      '--master-port',
      '6380',
      '--headless',
    ]);
    expect(calls(box.log).some((c) => c[0] === 'ray')).toBe(false);
    expect(calls(box.log).filter((c) => c[0] === 'lighteval')).toHaveLength(1);
  });

  it('engine ray: the Ray cluster first, then vllm serve on the head only', () => {
    const box = sandbox();
    const result = run(
      box,
      spec(box.dir, serveMulti('ray', [...argv, '--distributed-executor-backend', 'ray'])),
    );
    expect(result.status).toBe(0);
    const recorded = calls(box.log);
    const firstServe = recorded.findIndex((c) => c[0] === 'vllm');
    const lastRayStart = recorded.map((c) => c[0] === 'ray' && c[1] === 'start').lastIndexOf(true);
    expect(lastRayStart).toBeLessThan(firstServe);
    expect(recorded.filter((c) => c[0] === 'vllm')).toHaveLength(1);
  });

  it('a server that dies before it is healthy ends the job with its log tail (which the OOM classifier reads)', () => {
    const box = sandbox();
    const result = run(box, spec(box.dir, serveMulti('mp', argv)), { FAULT: 'crash' });
    expect(result.status).toBe(MULTI_NODE_STARTUP_EXIT_CODE);
    const stderr = result.stderr.toString();
    expect(stderr).toMatch(/vllm serve on node1 exited before it became healthy/);
    expect(stderr).toMatch(/last lines of vllm-serve-node1\.out:\nRuntimeError: CUDA out of memory/);
  });

  it('a server that dies while LightEval runs fails the job even though LightEval exits 0', () => {
    const box = sandbox();
    const result = run(box, spec(box.dir, serveMulti('mp', argv)), { FAULT: 'crash-while-evaluating' });
    expect(calls(box.log).filter((c) => c[0] === 'lighteval')).toHaveLength(1);
    expect(result.status).toBe(MULTI_NODE_STARTUP_EXIT_CODE);
    const stderr = result.stderr.toString();
    expect(stderr).toMatch(/vllm serve on node1 exited while LightEval ran: its results are not used/);
    // The log tail reaches the job's stderr, where the out-of-memory classifier looks.
    expect(stderr).toMatch(
      /last lines of vllm-serve-node1\.out:\ntorch\.OutOfMemoryError: CUDA out of memory/,
    );
  });

  it('a server that outlives LightEval: the job exits with LightEval’s own status', () => {
    const box = sandbox();
    const ok = run(box, spec(box.dir, serveMulti('mp', argv)));
    expect(ok.status).toBe(0);
    const failing = sandbox();
    writeFileSync(join(failing.bin, 'lighteval'), '#!/bin/bash\nexit 3\n');
    expect(run(failing, spec(failing.dir, serveMulti('mp', argv))).status).toBe(3);
  });

  it('a server that never becomes healthy times out with serve-timeout', () => {
    const box = sandbox();
    const multi = serveMulti('mp', argv);
    if (!multi.serve) throw new Error('serveMulti has a server');
    const result = run(box, spec(box.dir, { ...multi, serve: { ...multi.serve, timeoutSeconds: 1 } }), {
      FAULT: 'never-healthy',
    });
    expect(result.status).toBe(MULTI_NODE_STARTUP_EXIT_CODE);
    expect(result.stderr.toString()).toMatch(/within 1 s \(serve-timeout\)/);
  });
});

describe('multi-node batch script: quoting', { timeout: 60_000 }, () => {
  it('every interpolated value reaches its command as exactly one word, however hostile', () => {
    const random = createRandom(1313);
    for (let round = 0; round < 5; round++) {
      const box = sandbox();
      const hostile = Array.from({ length: 6 }, () => generateHostileString(random));
      const [name = 'x', nic = 'y', ...rest] = hostile;
      // Never empty: an empty interface means "none" (hostname -I), a different path.
      const iface = `if-${nic}`;
      const argv = ['vllm', 'serve', ...rest, '--served-model-name', name];
      const job = spec(
        box.dir,
        { ...serveMulti('mp', argv, name), networkInterface: iface },
        {
          command: ['lighteval', 'endpoint', 'litellm', ...hostile],
        },
      );
      const result = run(box, job);
      expect(result.stderr.toString()).not.toMatch(/syntax error|command not found/);
      expect(result.status, result.stderr.toString()).toBe(0);
      const recorded = calls(box.log);
      expect(recorded.filter((c) => c[0] === 'vllm')[0]?.slice(0, argv.length)).toEqual(argv);
      expect(recorded.find((c) => c[0] === 'lighteval')).toEqual([
        'lighteval',
        'endpoint',
        'litellm',
        ...hostile,
      ]);
      expect(readFileSync(join(box.state, 'iface'), 'utf8')).toBe(iface);
      expect(readFileSync(join(box.state, 'eval-env'), 'utf8')).toContain(`|${iface}|`);
    }
  });

  it('refuses ports and counts that are not whole numbers in range', () => {
    const base = spec('/tmp/x', ray);
    expect(() => renderBatchScript({ ...base, multiNode: { ...ray, rendezvousPort: 70_000 } })).toThrow(
      UnsafeBatchValueError,
    );
    expect(() => renderBatchScript({ ...base, multiNode: { ...ray, joinTimeoutSeconds: 1.5 } })).toThrow(
      UnsafeBatchValueError,
    );
    expect(() => renderBatchScript({ ...base, multiNode: serveMulti('ray', []) })).toThrow(
      UnsafeBatchValueError,
    );
  });
});

describe('multi-node batch script: poll interval', () => {
  const waits = (script: string) => script.split('\n').filter((line) => /^ *sleep /.test(line));
  const stopLoop = (script: string) => script.split('\n').find((line) => line.includes('kill -0 "$pid"'));
  const { pollSeconds: _fast, ...rayDefault } = ray;
  const serveDefault = (engine: 'ray' | 'mp'): MultiNodeSpec => {
    const { pollSeconds: _poll, ...rest } = serveMulti(engine, ['vllm', 'serve', 'org/model']);
    return rest;
  };

  it('by default every wait checks every 2 s and the stop grace is 60 checks of 0.5 s (what production renders)', () => {
    expect(DEFAULT_POLL_SECONDS).toBe(2);
    // ray: the head's wait and the workers' wait; serve/ray: both, then the health wait; serve/mp: health.
    const cases: [MultiNodeSpec, number][] = [
      [rayDefault, 2],
      [serveDefault('ray'), 3],
      [serveDefault('mp'), 1],
    ];
    for (const [multi, count] of cases) {
      const script = renderBatchScript(spec('/tmp/x', multi));
      expect(waits(script)).toEqual(Array.from({ length: count }, () => '  sleep 2'));
      expect(stopLoop(script)).toBe(
        '    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 60 ]; do sleep 0.5; waited=$((waited + 1)); done',
      );
    }
  });

  it('a shorter interval shortens every wait and keeps the 30 s stop grace; out-of-range intervals are refused', () => {
    const script = renderBatchScript(spec('/tmp/x', { ...rayDefault, pollSeconds: 0.05 }));
    expect(waits(script)).toEqual(['  sleep 0.05', '  sleep 0.05']);
    expect(stopLoop(script)).toContain('[ "$waited" -lt 600 ]; do sleep 0.05;');
    const slow = renderBatchScript(spec('/tmp/x', { ...rayDefault, pollSeconds: 5 }));
    expect(waits(slow)).toEqual(['  sleep 5', '  sleep 5']);
    expect(stopLoop(slow)).toContain('[ "$waited" -lt 60 ]; do sleep 0.5;');
    for (const pollSeconds of [0, 0.001, -1, 61, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => renderBatchScript(spec('/tmp/x', { ...rayDefault, pollSeconds }))).toThrow(
        UnsafeBatchValueError,
      );
    }
  });
});
