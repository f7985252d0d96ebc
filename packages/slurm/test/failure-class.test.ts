import { describe, expect, it } from 'vitest';
import { classifyFailure, type SlurmJobState, toJobState } from '../src/index';

const failed = (state: string) =>
  toJobState({ jobId: '1', state, exitCode: '1:0' }) as Extract<SlurmJobState, { class: 'failed' }>;

describe('classifyFailure', () => {
  it.each([
    'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.10 GiB',
    'RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB',
    "ValueError: To serve at least one request with the models's max seq len (131072), (16.00 GiB KV cache is needed, which is larger than the available KV cache memory (4.21 GiB). Based on the available memory, the estimated maximum model length is 34480.",
    "ValueError: To serve at least one request with the model's max seq len (32768), (5.0 GiB KV cache is needed, which is larger than the available\nKV cache memory (0.53 GiB).",
    "ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (34480).",
    'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.',
  ])('reads a FAILED job whose log says %j as gpu-oom', (log) => {
    expect(classifyFailure(failed('FAILED'), `INFO starting\n${log}\n`)).toBe('gpu-oom');
  });

  it('reads other FAILED jobs as plain failures', () => {
    expect(classifyFailure(failed('FAILED'), 'Traceback...\nKeyError: max_model_length\n')).toBe('failed');
  });

  it.each([
    ['TIMEOUT', 'timeout'],
    ['OUT_OF_MEMORY', 'host-oom'],
    ['CANCELLED', 'cancelled'],
    ['NODE_FAIL', 'node-failure'],
    ['BOOT_FAIL', 'node-failure'],
    ['PREEMPTED', 'preempted'],
    ['DEADLINE', 'deadline'],
  ])('reads %s as %s whatever the log says', (state, expected) => {
    expect(classifyFailure(failed(state), 'CUDA out of memory')).toBe(expected);
  });
});
