/** Exponential backoff with jitter, shared by reconnects and the watch's poll interval. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per step; 2 doubles. */
  factor: number;
  /** Fraction of the delay drawn at random in both directions (0.2 → ±20 %), so many runners polling
   * one controller drift apart instead of hitting it in lockstep. */
  jitter: number;
}

/** The delay before attempt `step` (0-based), with `random` in [0, 1). */
export function backoffDelay(
  options: BackoffOptions,
  step: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, step));
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(options.maxMs, Math.round(base + spread)));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
