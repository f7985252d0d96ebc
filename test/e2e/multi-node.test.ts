import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterCli } from '../support/cluster-cli';
import { waitUntilAsync } from '../support/slurm-admin';

/**
 * Issue 13 end to end on the two-node test cluster: Llama-3.1-405B in BF16 (about 756 GiB of
 * weights) does not fit one 8 × 80 GiB node, so the planner spans two (TP 8 within a node, PP 2
 * across). `model-eval run --simulate` submits it over SSH through each route; the job starts Ray or
 * `vllm serve` across both nodes with srun (the `ray`/`vllm` stand-ins open real ports and the
 * workers really connect to the head), the LightEval stand-in evaluates on the head, and the run is
 * collected and reported. Afterwards no `ray` or `vllm` process is left on either node.
 */
const { cluster, work, cli, runArgs } = clusterCli('multi-node');
const model = './test/fixtures/models/meta-llama/Llama-3.1-405B-Instruct';
const standIn = /\/opt\/model-eval-test\/bin\/(ray|vllm)( |$)/;

function args(runId: string, extra: string[], setup = 'export LIGHTEVAL_STANDIN_SLEEP=1'): string[] {
  return [
    ...runArgs(runId, { model, setup }),
    ...['--max-nodes', '2', '--network-interface', cluster.networkInterface, '--max-oom-replans', '0'],
    ...extra,
  ];
}

const submittedId = (stdout: string) => {
  const id = /Submitted job(?:\(s\))? (\d+)/.exec(stdout)?.[1];
  expect(id, stdout).toBeDefined();
  return id as string;
};

/** The node lists of the job's steps as sacct records them, each expanded to node names. */
function stepNodes(jobId: string): Map<string, string[]> {
  const out = execFileSync('sacct', ['-j', jobId, '-n', '-P', '-o', 'JobID,NodeList'], { encoding: 'utf8' });
  const steps = new Map<string, string[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [id, list] = line.split('|');
    const names = execFileSync('scontrol', ['show', 'hostnames', list ?? ''], { encoding: 'utf8' });
    steps.set(id ?? '', names.split('\n').filter(Boolean));
  }
  return steps;
}

/** Stand-in `ray`/`vllm` processes still running (the nodes' namespaces share this PID space). */
function leftoverStandIns(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => standIn.test(line));
}

async function expectNothingLeft(): Promise<void> {
  await waitUntilAsync(
    'no ray or vllm process on either node',
    60_000,
    () => leftoverStandIns().length === 0,
  );
}

const nodeNames = cluster.nodes.map((n) => n.name);

/** The job's state as the controller reports it (the job stays listed for MinJobAge after its end). */
function squeueState(jobId: string): string {
  const result = spawnSync('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%T'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'PURGED';
}

describe('multi-node evaluation on the two-node cluster', () => {
  it('model-eval plan shows a 2-node plan with its route and reason, and exits 0', async () => {
    const plan = await cli(['plan', '--model', model, '--max-nodes', '2', '--benchmarks', 'math_500']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/TP 8 × PP 2/);
    expect(plan.stdout).toMatch(/^ {2}route +ray \(2 nodes, and LightEval 0\.13\.0 pins vllm/m);
  });

  it.each([
    ['ray', [] as string[], /2 × 8 \(ray on node\[1-2\]\)/],
    ['serve (engine ray)', ['--route', 'serve'], /2 × 8 \(serve on node\[1-2\]\)/],
    [
      'serve (engine mp, LightEval 0.10 whose vLLM pin allows 0.11.1+)',
      ['--route', 'serve', '--multi-node-engine', 'mp', '--lighteval-version', '0.10.0'],
      /2 × 8 \(serve on node\[1-2\]\)/,
    ],
  ])(
    'route %s: steps on both nodes, results collected and reported, nothing left behind',
    async (_name, extra, jobs) => {
      const runId = `mn-${extra
        .join('')
        .replace(/[^a-z0-9]/g, '')
        .slice(0, 20)}-${Date.now()}`;
      const result = await cli(args(runId, extra));
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/^MATH-500 +500 × 4 +\d+\.\d \[/m);
      expect(result.stdout).toMatch(jobs);
      const steps = stepNodes(submittedId(`${result.stdout}${result.stderr}`));
      // Every node ran a step of its own (the head's runtime, the workers), besides the batch step.
      const stepHosts = new Set([...steps].filter(([id]) => /\.\d+$/.test(id)).flatMap(([, n]) => n));
      expect([...stepHosts].sort()).toEqual([...nodeNames].sort());
      await expectNothingLeft();
    },
  );

  it('a Ray worker that never joins fails the job fast, naming the node and what to check', async () => {
    const runId = `mn-nojoin-${Date.now()}`;
    const started = Date.now();
    const result = await cli(
      args(runId, ['--join-timeout', '10'], 'export RAY_STANDIN_FAULT=worker-never-joins'),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Ray counts 8 of 16 GPUs after 10 s \(join-timeout\)/);
    expect(result.stdout).toMatch(/have not joined are among: node2/);
    expect(Date.now() - started).toBeLessThan(90_000);
    await expectNothingLeft();
  });

  it('cancelling a running multi-node run leaves no ray or vllm process on either node', async () => {
    const runId = `mn-cancel-${Date.now()}`;
    const state = join(work, `${runId}.json`);
    const detached = await cli([
      ...args(runId, ['--route', 'serve'], 'export LIGHTEVAL_STANDIN_SLEEP=300'),
      '--detach',
      '--state',
      state,
    ]);
    expect(detached.code, detached.stderr).toBe(0);
    const jobId = submittedId(`${detached.stdout}${detached.stderr}`);
    // Wait until the server and the workers run on both nodes.
    await waitUntilAsync('vllm serve and Ray running on both nodes', 120_000, () =>
      leftoverStandIns().some((l) => / serve /.test(l)),
    );
    const cancelled = await cli(['cancel', '--state', state]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await waitUntilAsync('the job ended', 120_000, () =>
      ['CANCELLED', 'COMPLETED', 'FAILED', 'PURGED'].includes(squeueState(jobId)),
    );
    await expectNothingLeft();
  });
});
