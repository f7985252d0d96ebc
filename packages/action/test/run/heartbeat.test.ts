import { toJobState } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { heartbeatLine, lightevalProgress, startHeartbeat } from '../../src/run/heartbeat';

// The lines are tqdm's default format_meter output as LightEval 0.13.0 (`Splits`, vllm_model.py)
// and vLLM (`Processed prompts`, entrypoints/llm.py) draw them; in a log file tqdm redraws with `\r`.
const tqdmLog = [
  'INFO 05-01 10:00:00 llm_engine.py:234] Initializing a V1 LLM engine',
  'Splits:   0%|          | 0/1 [00:00<?, ?it/s]',
  '\rProcessed prompts:   0%|          | 0/500 [00:00<?, ?it/s, est. speed input: 0.00 toks/s, output: 0.00 toks/s]' +
    '\rProcessed prompts:  37%|███▋      | 185/500 [01:23<02:20,  2.24it/s, est. speed input: 412.50 toks/s, output: 3811.02 toks/s]',
].join('\n');

describe('lightevalProgress (tqdm lines in the job log)', () => {
  it('reads the last bar redrawn with carriage returns', () => {
    expect(lightevalProgress(tqdmLog)).toBe('Processed prompts 37% (185/500, 02:20 left)');
  });
  it('says nothing for a log without a bar, and keeps a bar with no estimate short', () => {
    expect(lightevalProgress('INFO loading weights\nWARNING something')).toBeUndefined();
    expect(lightevalProgress('Splits:   0%|          | 0/1 [00:00<?, ?it/s]')).toBe('Splits 0% (0/1)');
  });
  it('never passes a terminal escape from the log through', () => {
    const hostile = 'Processed prompts\u001b[2J:  50%|█████     | 1/2 [00:01<00:01,  1.00it/s]';
    expect(lightevalProgress(hostile)).not.toContain('\u001b');
  });
});

const pending = toJobState({ jobId: '41', state: 'PENDING', reason: 'Priority' });
const running = (elapsedSeconds: number) => toJobState({ jobId: '41', state: 'RUNNING', elapsedSeconds });

describe('startHeartbeat with a fake clock', () => {
  function harness(states: Array<ReturnType<typeof toJobState>>, log?: string) {
    let clock = 1_000_000;
    let tick: (() => void) | undefined;
    let interval = 0;
    let stopped = false;
    const lines: string[] = [];
    let state = states[0] ?? pending;
    const heartbeat = startHeartbeat({
      now: () => clock,
      every: (ms, fn) => {
        interval = ms;
        tick = fn;
        return () => {
          stopped = true;
        };
      },
      say: (line) => lines.push(line),
      jobs: () => [{ jobId: '41', benchmarks: ['math_500'], state }],
      readLogTail: async () => log,
    });
    return {
      heartbeat,
      lines,
      interval: () => interval,
      fireTimer: () => tick?.(),
      stopped: () => stopped,
      advance: async (ms: number, next?: ReturnType<typeof toJobState>) => {
        clock += ms;
        if (next) state = next;
        await heartbeat.tick(); // what the timer calls; awaited so the log read settles
      },
    };
  }

  it('ticks every minute: state, queue reason and time waited while pending', async () => {
    const h = harness([pending]);
    expect(h.interval()).toBe(60_000);
    h.fireTimer(); // the registered timer callback is the tick
    expect(h.lines).toEqual(['Job 41 (math_500): still PENDING (Priority), waiting 0s']);
    await h.advance(60_000);
    await h.advance(60_000);
    expect(h.lines.at(-1)).toBe('Job 41 (math_500): still PENDING (Priority), waiting 2m00s');
    expect(h.lines).toHaveLength(3);
  });

  it('while running: the elapsed time Slurm reports and the LightEval progress from the log', async () => {
    const h = harness([pending], tqdmLog);
    await h.advance(60_000, running(754));
    expect(h.lines.at(-1)).toBe(
      'Job 41 (math_500): still RUNNING, elapsed 12m34s, LightEval Processed prompts 37% (185/500, 02:20 left)',
    );
  });

  it('stops when asked, and says nothing for jobs that have ended', async () => {
    const h = harness([pending]);
    h.heartbeat.stop();
    expect(h.stopped()).toBe(true);
    const done = toJobState({ jobId: '41', state: 'COMPLETED', exitCode: '0:0' });
    const before = h.lines.length;
    await h.advance(60_000, done);
    expect(h.lines.length).toBe(before);
  });

  it('heartbeatLine without progress', () => {
    expect(
      heartbeatLine(
        { jobId: '7', benchmarks: ['aime24', 'gpqa:diamond'], state: running(3725) },
        0,
        undefined,
      ),
    ).toBe('Job 7 (aime24, gpqa:diamond): still RUNNING, elapsed 1h02m');
    expect(
      heartbeatLine({ jobId: '8', benchmarks: ['aime24'], seed: 1235, state: running(61) }, 0, undefined),
    ).toBe('Job 8 (aime24, seed 1235): still RUNNING, elapsed 1m01s');
  });
});
