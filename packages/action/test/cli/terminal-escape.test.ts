import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command';
import { stderrLoggerFor } from '../../src/cli/run-options';

describe('the CLI on a terminal', () => {
  it('shows escape sequences from the cluster as text instead of sending them', () => {
    const written: string[] = [];
    const io: CliIo = { stdout: () => {}, stderr: (t) => written.push(t), env: {}, cwd: '/' };
    const logger = stderrLoggerFor(io);
    logger.info('Job 7: PENDING (\u001b]0;owned\u0007\u001b[2Jreason)');
    logger.warn('sbatch said:\n\u001b[31mred\u001b[0m');
    expect(written).toEqual([
      'Job 7: PENDING (\\x1b]0;owned\\x07\\x1b[2Jreason)\n',
      'warning: sbatch said:\n\\x1b[31mred\\x1b[0m\n',
    ]);
  });
});
