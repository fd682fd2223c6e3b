/**
 * Account lockout with exponential backoff: the fifth consecutive failure locks the account
 * for 30 s, and every further failure doubles the lock, up to one hour. A success resets it.
 */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_MS = 30_000;
export const LOCKOUT_MAX_MS = 3_600_000;

/** How long the account is locked after this many consecutive failures (0: not locked). */
export function lockoutDurationMs(consecutiveFailures: number): number {
  if (consecutiveFailures < LOCKOUT_THRESHOLD) return 0;
  const doublings = Math.min(consecutiveFailures - LOCKOUT_THRESHOLD, 32);
  return Math.min(LOCKOUT_BASE_MS * 2 ** doublings, LOCKOUT_MAX_MS);
}

export function lockedUntilAfter(consecutiveFailures: number, now: Date): Date | null {
  const ms = lockoutDurationMs(consecutiveFailures);
  return ms === 0 ? null : new Date(now.getTime() + ms);
}

/** Whole seconds until the lock ends (at least 1), or 0 when the account is not locked. */
export function lockRemainingSeconds(lockedUntil: Date | null, now: Date): number {
  if (!lockedUntil) return 0;
  const ms = lockedUntil.getTime() - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}
