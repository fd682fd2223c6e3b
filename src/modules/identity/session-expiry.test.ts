import { describe, expect, it } from 'vitest';
import { idleExpiresAt, sessionIsLive, sessionNeedsTouch } from './session-expiry.ts';

describe('session expiry', () => {
  const start = new Date('2026-05-01T08:00:00Z');
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
  const session = { expiresAt: at(12 * 60), lastSeenAt: start, revokedAt: null };

  it('lives until idle for the configured minutes', () => {
    expect(sessionIsLive(session, at(29.9), 30)).toBe(true);
    expect(sessionIsLive(session, at(30), 30)).toBe(false);
    expect(idleExpiresAt(start, 30)).toEqual(at(30));
  });

  it('ends at its absolute expiry however active it is', () => {
    const busy = { ...session, lastSeenAt: at(12 * 60 - 1) };
    expect(sessionIsLive(busy, at(12 * 60 - 0.5), 30)).toBe(true);
    expect(sessionIsLive(busy, at(12 * 60), 30)).toBe(false);
  });

  it('ends when revoked', () => {
    expect(sessionIsLive({ ...session, revokedAt: start }, start, 30)).toBe(false);
  });

  it('is touched at most once a minute', () => {
    expect(sessionNeedsTouch(start, at(0.99))).toBe(false);
    expect(sessionNeedsTouch(start, at(1))).toBe(true);
  });
});
