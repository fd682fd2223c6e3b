import { describe, expect, it } from 'vitest';
import { lockedUntilAfter, lockoutDurationMs, lockRemainingSeconds } from './lockout.ts';

describe('lockout backoff', () => {
  it('does not lock before the fifth failure', () => {
    for (const n of [0, 1, 2, 3, 4]) expect(lockoutDurationMs(n)).toBe(0);
  });

  it('locks 30 s at five failures and doubles per further failure', () => {
    expect([5, 6, 7, 8, 9].map((n) => lockoutDurationMs(n))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
  });

  it('caps the lock at one hour', () => {
    expect(lockoutDurationMs(12)).toBe(3_600_000);
    expect(lockoutDurationMs(1_000_000)).toBe(3_600_000);
  });

  it('turns a failure count into a lock end and a retry-after', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(lockedUntilAfter(4, now)).toBeNull();
    const until = lockedUntilAfter(5, now)!;
    expect(until.toISOString()).toBe('2026-01-01T00:00:30.000Z');
    expect(lockRemainingSeconds(until, now)).toBe(30);
    expect(lockRemainingSeconds(until, new Date(now.getTime() + 29_001))).toBe(1);
    expect(lockRemainingSeconds(until, new Date(now.getTime() + 30_000))).toBe(0);
    expect(lockRemainingSeconds(null, now)).toBe(0);
  });
});
