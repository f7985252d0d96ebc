/** Score as a percentage with one decimal: 0.8285 → `82.9`. */
export function percent(value: number): string {
  return (value * 100).toFixed(1);
}

/**
 * Signed percentage points: 0.012 → `+1.2`, −0.004 → `−0.4`, and a value that rounds to zero is
 * plain `0.0` (a signless zero: `±0.0` inside an interval reads as a second interval).
 */
export function signedPoints(value: number): string {
  const text = (Math.abs(value) * 100).toFixed(1);
  if (text === '0.0') return '0.0';
  return value > 0 ? `+${text}` : `−${text}`;
}

/** A difference with its 95% interval: `+4.0 [−0.5, +8.5]`. */
export function deltaWithInterval(delta: number, ci: readonly [number, number]): string {
  return `${signedPoints(delta)} [${signedPoints(ci[0])}, ${signedPoints(ci[1])}]`;
}

/** `45s`, `12m 05s`, `3h 07m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `1 regression`, `2 regressions`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
