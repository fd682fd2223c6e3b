/**
 * A session ends at the first of: sign-out or revocation, its absolute expiry (fixed at
 * sign-in), or `idleMinutes` without a request. `last_seen_at` is written at most once a
 * minute, so idle expiry is exact to within that minute.
 */
export const TOUCH_INTERVAL_MS = 60_000;

export interface SessionTimes {
  expiresAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
}

export function idleExpiresAt(lastSeenAt: Date, idleMinutes: number): Date {
  return new Date(lastSeenAt.getTime() + idleMinutes * 60_000);
}

export function sessionIsLive(session: SessionTimes, now: Date, idleMinutes: number): boolean {
  if (session.revokedAt) return false;
  if (session.expiresAt.getTime() <= now.getTime()) return false;
  return idleExpiresAt(session.lastSeenAt, idleMinutes).getTime() > now.getTime();
}

/** Whether this request should record that the session was seen (at most once a minute). */
export function sessionNeedsTouch(lastSeenAt: Date, now: Date): boolean {
  return now.getTime() - lastSeenAt.getTime() >= TOUCH_INTERVAL_MS;
}
