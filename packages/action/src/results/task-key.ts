/**
 * A key of a results file's `results` object. LightEval ≤ 0.12 writes `suite|task|fewshot`
 * (`lighteval|math_500|0`; the command line of ≤ 0.10 adds a fourth `|truncate` field, which some
 * forks also keep in the key), 0.13 and later write `task|fewshot` (`math_500|0`). `all` and the
 * `…:_average|N` group means are aggregates, not tasks.
 */
export interface TaskKey {
  key: string;
  suite: string | null;
  task: string;
  fewshot: number;
  style: 'suite-task-fewshot-truncate' | 'suite-task-fewshot' | 'task-fewshot';
}

const isCount = (text: string | undefined): text is string => text !== undefined && /^\d+$/.test(text);

/** Returns null for aggregates and for keys in no known style. */
export function parseTaskKey(key: string): TaskKey | null {
  if (key === 'all' || key.includes(':_average|')) return null;
  const parts = key.split('|');
  const [a, b, c, d] = parts;
  if (parts.length === 4 && a && b && isCount(c) && isCount(d)) {
    return { key, suite: a, task: b, fewshot: Number(c), style: 'suite-task-fewshot-truncate' };
  }
  if (parts.length === 3 && a && b && isCount(c)) {
    return { key, suite: a, task: b, fewshot: Number(c), style: 'suite-task-fewshot' };
  }
  if (parts.length === 2 && a && isCount(b)) {
    return { key, suite: null, task: a, fewshot: Number(b), style: 'task-fewshot' };
  }
  return null;
}
