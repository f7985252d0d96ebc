import type { SlurmJobState } from './job-state';

/**
 * Why a job failed, in terms the caller can act on. `gpu-oom` is not a Slurm state: the job FAILS and
 * only its log says so; the caller re-plans with more GPUs. `retryable` ones are resubmitted as they are.
 */
export type FailureClass =
  | 'gpu-oom'
  | 'host-oom'
  | 'timeout'
  | 'deadline'
  | 'cancelled'
  | 'node-failure'
  | 'preempted'
  | 'lost'
  | 'failed';

/** What vLLM and PyTorch print when the GPU runs out of memory (both spellings vLLM has used). */
const GPU_OOM_PATTERNS: readonly RegExp[] = [
  /CUDA out of memory/i,
  /torch\.(?:cuda\.)?OutOfMemoryError/,
  // vLLM V1: "To serve at least one request with the models's max seq len (…), (… GiB KV cache is
  // needed, which is larger than the available KV cache memory (…)"; some releases spell it "model's".
  /To\s+serve\s+at\s+least\s+one\s+request\s+with\s+the\s+models?'s\s+max\s+seq\s+len/,
  /KV\s+cache\s+is\s+needed,\s+which\s+is\s+larger\s+than\s+the\s+available\s+KV\s+cache\s+memory/,
  // Older vLLM: "The model's max seq len (…) is larger than the maximum number of tokens … KV cache".
  /is\s+larger\s+than\s+the\s+maximum\s+number\s+of\s+tokens\s+that\s+can\s+be\s+stored\s+in\s+KV\s+cache/,
  /No\s+available\s+memory\s+for\s+the\s+cache\s+blocks/,
];

export function isGpuOutOfMemoryLog(logTail: string): boolean {
  return GPU_OOM_PATTERNS.some((pattern) => pattern.test(logTail));
}

/** Classifies a failed job from its final state and, for plain failures, the tail of its logs. */
export function classifyFailure(
  state: Extract<SlurmJobState, { class: 'failed' }>,
  logTail = '',
): FailureClass {
  switch (state.state) {
    case 'TIMEOUT':
      return 'timeout';
    case 'DEADLINE':
      return 'deadline';
    case 'CANCELLED':
    case 'REVOKED':
      return 'cancelled';
    case 'OUT_OF_MEMORY':
      return 'host-oom';
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
      return 'node-failure';
    case 'PREEMPTED':
      return 'preempted';
    case 'LOST':
      return 'lost';
    case 'FAILED':
      return isGpuOutOfMemoryLog(logTail) ? 'gpu-oom' : 'failed';
  }
}

export function isRetryableFailure(failure: FailureClass): boolean {
  return failure === 'node-failure' || failure === 'preempted';
}
