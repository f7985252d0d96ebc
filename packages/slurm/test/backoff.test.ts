import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/index';

const options = { initialMs: 5000, maxMs: 60_000, factor: 1.5, jitter: 0.2 };

describe('backoffDelay', () => {
  it('grows from the initial delay to the cap', () => {
    const middle = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 10].map((step) => backoffDelay(options, step, middle))).toEqual([
      5000, 7500, 11_250, 16_875, 60_000,
    ]);
  });
  it('jitters within the configured fraction and never passes the cap', () => {
    expect(backoffDelay(options, 0, () => 0)).toBe(4000);
    expect(backoffDelay(options, 0, () => 0.999_999)).toBe(6000);
    expect(backoffDelay(options, 20, () => 0.999_999)).toBe(60_000);
  });
});
