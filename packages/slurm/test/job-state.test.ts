import { describe, expect, it } from 'vitest';
import { toJobState } from '../src/index';

describe('toJobState', () => {
  it.each(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED'])(
    'reads %s as still running',
    (state) => {
      expect(toJobState({ jobId: '1', state }).class).toBe('running');
    },
  );

  it('keeps the queue reason of a pending job', () => {
    expect(toJobState({ jobId: '1', state: 'PENDING', reason: 'Resources' })).toMatchObject({
      class: 'running',
      state: 'PENDING',
      reason: 'Resources',
    });
    expect(toJobState({ jobId: '1', state: 'RUNNING', reason: 'None' })).not.toHaveProperty('reason');
  });

  it('reads COMPLETED with exit 0 as succeeded', () => {
    expect(toJobState({ jobId: '1', state: 'COMPLETED', exitCode: '0:0', elapsedSeconds: 12 })).toMatchObject(
      {
        class: 'succeeded',
        elapsedSeconds: 12,
      },
    );
  });

  it.each([
    ['FAILED', false],
    ['CANCELLED by 1001', false],
    ['TIMEOUT', false],
    ['OUT_OF_MEMORY', false],
    ['DEADLINE', false],
    ['NODE_FAIL', true],
    ['BOOT_FAIL', true],
    ['PREEMPTED', true],
  ])('reads %s as failed, retryable: %s', (state, retryable) => {
    const mapped = toJobState({ jobId: '1', state, exitCode: '1:0' });
    expect(mapped).toMatchObject({ class: 'failed', retryable });
    if (mapped.class === 'failed') expect(mapped.state).toBe(state.split(' ')[0]);
  });

  it('keeps exit code and signal of a failure', () => {
    expect(toJobState({ jobId: '1', state: 'FAILED', exitCode: '0:9' })).toMatchObject({
      exitCode: 0,
      signal: 9,
    });
  });

  it('never ends a watch on a state it does not know', () => {
    expect(toJobState({ jobId: '1', state: 'SOMETHING_NEW' })).toMatchObject({
      class: 'running',
      state: 'UNRECOGNISED',
      raw: 'SOMETHING_NEW',
    });
  });
});
