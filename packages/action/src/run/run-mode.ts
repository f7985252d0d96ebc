/**
 * What a run does with its jobs. One explicit value instead of flags mixed into the dependencies:
 * - `wait`: submit (or reattach), watch, re-plan after GPU out-of-memory, collect and report;
 * - `detach`: submit (or reattach), record, and return while the jobs run;
 * - `reopen`: look at a recorded run, never submit (not even a failed job again): `once` answers at
 *   once while jobs still run (a scheduled collector), `ended` waits until all have ended.
 */
export type RunMode = { kind: 'wait' } | { kind: 'detach' } | { kind: 'reopen'; until: 'once' | 'ended' };

export const WAIT: RunMode = { kind: 'wait' };
