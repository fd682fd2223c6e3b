import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './stream-worker.ts';

describe('backoff', () => {
  it('is full jitter: uniform below min(cap, base·2^n), never zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (failures, r) => {
        const delay = backoffDelay(failures, 1000, 300_000, () => r);
        expect(delay).toBeGreaterThanOrEqual(1);
        expect(delay).toBeLessThanOrEqual(Math.min(300_000, 1000 * 2 ** failures));
      }),
    );
    expect(backoffDelay(0, 1000, 300_000, () => 0.5)).toBe(500);
    expect(backoffDelay(3, 1000, 300_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(40, 1000, 300_000, () => 0.999)).toBe(299_700);
  });
});
