import { describe, expect, it } from 'vitest';
import { arrayJobId, cancelJobs } from '../src/cancel';
import type { Transport } from '../src/transport';

// squeue lines as Slurm 22.05 prints them with SQUEUE_FORMAT for a run with a plain job and a
// 21-task array throttled to 2 (two tasks running, the rest pending as one range).
const SQUEUE = [
  '975|RUNNING|None|0:05|2026-12-01T10:00:00|N/A|node1|run-a-j0|run-a-j0',
  '976_0|RUNNING|None|0:04|2026-12-01T10:00:01|N/A|node1|run-a-j1|run-a-j1',
  '976_1|RUNNING|None|0:04|2026-12-01T10:00:01|N/A|node2|run-a-j1|run-a-j1',
  '976_[2-20%2]|PENDING|JobArrayTaskLimit|0:00|N/A|N/A||run-a-j1|run-a-j1',
  '980|RUNNING|None|0:04|2026-12-01T10:00:01|N/A|node2|other-run|other-run',
].join('\n');

function fakeTransport(): { transport: Transport; commands: string[][] } {
  const commands: string[][] = [];
  const transport = {
    exec: async (argv: readonly string[]) => {
      commands.push([...argv]);
      const stdout = argv[0] === 'squeue' ? `${SQUEUE}\n` : '';
      return { exitCode: 0, stdout, stderr: '' };
    },
  } as unknown as Transport;
  return { transport, commands };
}

describe('cancelJobs', () => {
  it('names an array once, by its array id, whatever tasks are running', async () => {
    const { transport, commands } = fakeTransport();
    const { cancelled } = await cancelJobs(transport, { jobIds: ['975'], keys: ['run-a-j0', 'run-a-j1'] });
    expect(cancelled).toEqual(['975', '976']);
    expect(commands.at(-1)).toEqual(['scancel', '975', '976']);
  });

  it('arrayJobId strips a task index or a pending range', () => {
    expect(['123', '123_4', '123_[5-9%2]'].map(arrayJobId)).toEqual(['123', '123', '123']);
  });
});
