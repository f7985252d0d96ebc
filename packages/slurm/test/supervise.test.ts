import { describe, expect, it } from 'vitest';
import { type CommandResult, type JobSpec, silentLogger, superviseJobs, type Transport } from '../src/index';

/**
 * A cluster whose jobs end as scripted: each submission of job NAME takes the next final state from
 * `fates[NAME]` (and the log text that goes with it). It records sbatch and scancel calls.
 */
function scriptedCluster(
  fates: Record<string, Array<{ state: string; log?: string; tasks?: Record<number, string> }>>,
) {
  let nextId = 100;
  const jobs = new Map<
    string,
    { name: string; state: string; log: string; tasks?: Record<number, string> }
  >();
  const scripts: string[] = [];
  const submitted: string[] = [];
  const cancelled: string[] = [];
  const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });
  const transport: Transport = {
    kind: 'local',
    async exec(argv) {
      const [command, ...args] = argv;
      if (command === 'squeue' || (command === 'sacct' && args.some((a) => a.startsWith('--name='))))
        return ok('');
      if (command === 'sbatch') {
        const name = (args.at(-1) ?? '').replace(/^.*\//, '').replace(/\.sbatch$/, '');
        const fate = fates[name]?.shift() ?? { state: 'COMPLETED' };
        const id = String(nextId++);
        jobs.set(id, {
          name,
          state: fate.state,
          log: fate.log ?? '',
          ...(fate.tasks ? { tasks: fate.tasks } : {}),
        });
        submitted.push(`${name}:${id}`);
        return ok(`${id}\n`);
      }
      if (command === 'sacct') {
        const ids = (args.at(-1) ?? '').split(',');
        return ok(
          ids
            .map((id) => {
              const job = jobs.get(id);
              if (job?.tasks) {
                return Object.entries(job.tasks)
                  .map(([task, state]) => `${id}_${task}|${state}|0:0|00:00:01|t|t|n1|None`)
                  .join('\n');
              }
              const exit = job?.state === 'COMPLETED' ? '0:0' : '1:0';
              return `${id}|${job?.state}|${exit}|00:00:01|t|t|n1|None`;
            })
            .join('\n'),
        );
      }
      if (command === 'sh' && args[2] === 'model-eval-owned-dir') {
        // makeOwnedDirectory's check (tested against the real file system in its own tests).
        return ok('model-eval-owned-dir: created\n');
      }
      if (command === 'sh') {
        // readLogTails: sh -c SCRIPT sh LINES STDOUT STDERR SEPARATOR
        const [, , , , stdoutPath = '', , separator = ''] = args;
        const id = /slurm-(\d+)\.out$/.exec(stdoutPath)?.[1];
        return ok(`${id ? (jobs.get(id)?.log ?? '') : ''}\n${separator}\n`);
      }
      if (command === 'scancel') {
        cancelled.push(...args);
        return ok('');
      }
      return ok('');
    },
    readFile: async () => Buffer.from(''),
    writeFile: async (_path, data) => {
      scripts.push(data.toString());
    },
    listDirectory: async () => [],
    makeDirectory: async () => {},
    close: async () => {},
  };
  return { transport, submitted, cancelled, scripts };
}

const spec = (name: string): JobSpec => ({
  name,
  key: name,
  runDir: '/runs/r1',
  timeLimit: '10',
  command: ['true'],
});
const fast = { initialIntervalMs: 1, maxIntervalMs: 2, logger: silentLogger };

describe('superviseJobs', () => {
  it('resubmits a job lost to a node failure or preemption, and reports the attempts', async () => {
    const { transport, submitted } = scriptedCluster({
      a: [{ state: 'NODE_FAIL' }, { state: 'PREEMPTED' }, { state: 'COMPLETED' }],
    });
    const { outcomes, cancelled } = await superviseJobs(transport, [spec('a')], fast);
    expect(cancelled).toBe(false);
    expect(submitted).toEqual(['a:100', 'a:101', 'a:102']);
    expect(outcomes[0]).toMatchObject({
      jobId: '102',
      attempts: ['100', '101', '102'],
      state: { class: 'succeeded' },
    });
  });

  it('stops resubmitting when the retry budget is spent', async () => {
    const { transport, submitted } = scriptedCluster({
      a: [{ state: 'NODE_FAIL' }, { state: 'NODE_FAIL' }, { state: 'NODE_FAIL' }, { state: 'COMPLETED' }],
    });
    const { outcomes } = await superviseJobs(transport, [spec('a')], { ...fast, retryBudget: 2 });
    expect(submitted).toHaveLength(3);
    expect(outcomes[0]).toMatchObject({ failure: 'node-failure', attempts: ['100', '101', '102'] });
  });

  it('never resubmits past the wall-time cap', async () => {
    const { transport, submitted } = scriptedCluster({ a: [{ state: 'NODE_FAIL' }, { state: 'COMPLETED' }] });
    const { outcomes } = await superviseJobs(transport, [spec('a')], { ...fast, wallTimeCapMs: 0 });
    expect(submitted).toHaveLength(1);
    expect(outcomes[0]?.failure).toBe('node-failure');
  });

  it('returns a GPU out-of-memory failure to the caller without resubmitting, with its log', async () => {
    const log = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n';
    const { transport, submitted } = scriptedCluster({
      a: [{ state: 'FAILED', log }],
      b: [{ state: 'COMPLETED' }],
    });
    const { outcomes } = await superviseJobs(transport, [spec('a'), spec('b')], fast);
    expect(submitted).toHaveLength(2);
    expect(outcomes[0]).toMatchObject({ failure: 'gpu-oom', logTail: log });
    expect(outcomes[1]?.state.class).toBe('succeeded');
  });

  it('stops everything when a job is cancelled', async () => {
    const { transport, cancelled } = scriptedCluster({
      a: [{ state: 'CANCELLED by 0' }],
      b: [{ state: 'RUNNING' }],
    });
    const result = await superviseJobs(transport, [spec('a'), spec('b')], fast);
    expect(result.cancelled).toBe(true);
    expect(cancelled).toEqual(['101']);
    expect(result.outcomes.map((o) => o.failure)).toEqual(['cancelled', 'cancelled']);
  });

  it('resubmits only the array tasks that were lost', async () => {
    const { transport, submitted, scripts } = scriptedCluster({
      arr: [
        { state: '', tasks: { 0: 'COMPLETED', 1: 'NODE_FAIL', 2: 'COMPLETED', 3: 'PREEMPTED' } },
        { state: '', tasks: { 1: 'COMPLETED', 3: 'COMPLETED' } },
      ],
    });
    const arraySpec = { ...spec('arr'), array: { indices: '0-3', throttle: 2 } };
    const { outcomes } = await superviseJobs(transport, [arraySpec], fast);
    expect(submitted).toEqual(['arr:100', 'arr:101']);
    expect(scripts.at(-1)).toContain('#SBATCH --array=1,3%2\n');
    expect(outcomes[0]).toMatchObject({ attempts: ['100', '101'], state: { class: 'succeeded' } });
  });
});
