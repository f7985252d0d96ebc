import type { CommandResult, Transport } from '@model-eval/slurm';
import { classifyJobFailure } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';

const failed = {
  class: 'failed',
  state: 'FAILED',
  raw: 'FAILED',
  retryable: false,
  elapsedSeconds: 5,
} as const;
const spec = { name: 'j', key: 'k', runDir: '/runs/k', command: ['lighteval'] };

/** A transport whose log reads answer from a script: what a flaky SSH channel does. */
function transportAnswering(answers: Array<CommandResult | Error>): Transport & { reads: number } {
  const t = {
    kind: 'local' as const,
    reads: 0,
    async exec(argv: readonly string[]) {
      t.reads += 1;
      const answer = answers.shift() ?? new Error('no more answers');
      if (answer instanceof Error) throw answer;
      // The separator is the last argument; a good answer echoes it between the two tails.
      return { ...answer, stdout: answer.stdout.replace('SEP', String(argv.at(-1))) };
    },
    readFile: async () => Buffer.from(''),
    writeFile: async () => {},
    listDirectory: async () => [],
    makeDirectory: async () => {},
    close: async () => {},
  };
  return t;
}

describe('classifyJobFailure reads the log before it classifies', () => {
  it('retries a failed read and still finds the GPU out-of-memory message', async () => {
    const transport = transportAnswering([
      new Error('channel closed'),
      { exitCode: 0, stderr: '', stdout: 'loading\n\nSEP\ntorch.OutOfMemoryError: CUDA out of memory\n' },
    ]);
    const result = await classifyJobFailure(transport, spec, '7', failed, { retryDelayMs: 1 });
    expect(result.failure).toBe('gpu-oom');
    expect(transport.reads).toBe(2);
  });

  it('says the log could not be read instead of taking it for an empty one', async () => {
    const transport = transportAnswering([
      { exitCode: 255, stderr: 'broken pipe', stdout: '' },
      new Error('channel closed'),
      { exitCode: 0, stderr: '', stdout: 'cut off without the separator' },
    ]);
    const result = await classifyJobFailure(transport, spec, '7', failed, { retryDelayMs: 1 });
    expect(result.failure).toBe('failed');
    expect(result.logUnreadable).toMatch(/output cut off/);
    expect(result.logTail).toMatch(/could not be read .* classified from its Slurm state alone/);
  });
});
