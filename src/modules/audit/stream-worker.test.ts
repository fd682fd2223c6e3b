import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, rewindCursor, unsettledBatches } from './stream-worker.ts';

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

describe('settle window', () => {
  const batches = [{ from: 10, at: 1_000 }, { from: 19, at: 4_000 }, { from: 28, at: 5_500 }];

  it('keeps the batches confirmed within the window, none for sinks that acknowledge', () => {
    expect(unsettledBatches(batches, 5000, 7_000)).toEqual(batches.slice(1));
    expect(unsettledBatches(batches, 5000, 20_000)).toEqual([]);
    expect(unsettledBatches(batches, 0, 5_600)).toEqual([]);
  });

  it('rewinds a failure to the start of the oldest batch in doubt, or not at all', () => {
    expect(rewindCursor(unsettledBatches(batches, 5000, 7_000))).toBe(19);
    expect(rewindCursor([])).toBeNull();
  });
});
