/**
 * Account lockout with exponential backoff: by default the fifth consecutive failure locks
 * the account for 30 s, and every further failure doubles the lock, up to one hour. A success
 * resets it. Organizations may set a lower threshold and a longer base (security policy).
 */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_MS = 30_000;
export const LOCKOUT_MAX_MS = 3_600_000;

export interface LockoutRule {
  threshold: number;
  baseMs: number;
}

const defaultRule: LockoutRule = { threshold: LOCKOUT_THRESHOLD, baseMs: LOCKOUT_BASE_MS };

/** How long the account is locked after this many consecutive failures (0: not locked). */
export function lockoutDurationMs(consecutiveFailures: number, rule: LockoutRule = defaultRule): number {
  if (consecutiveFailures < rule.threshold) return 0;
  const doublings = Math.min(consecutiveFailures - rule.threshold, 32);
  return Math.min(rule.baseMs * 2 ** doublings, LOCKOUT_MAX_MS);
}

export function lockedUntilAfter(consecutiveFailures: number, now: Date, rule: LockoutRule = defaultRule): Date | null {
  const ms = lockoutDurationMs(consecutiveFailures, rule);
  return ms === 0 ? null : new Date(now.getTime() + ms);
}

/** Whole seconds until the lock ends (at least 1), or 0 when the account is not locked. */
export function lockRemainingSeconds(lockedUntil: Date | null, now: Date): number {
  if (!lockedUntil) return 0;
  const ms = lockedUntil.getTime() - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}
