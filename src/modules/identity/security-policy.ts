/**
 * An organization's security policy and how several of them combine: users are global and
 * may belong to many organizations, so sign-in applies the strictest of their policies.
 * Pure functions, no I/O.
 */
import ipaddr from 'ipaddr.js';
import { LOCKOUT_BASE_MS, LOCKOUT_THRESHOLD, type LockoutRule } from './lockout.ts';
import { PASSWORD_MIN_LENGTH } from './passwords.ts';

export type MfaRequirement = 'off' | 'admins' | 'everyone';

export interface SecurityPolicy {
  mfa: { required: MfaRequirement; stepUpMinutes: number };
  password: { minLength: number };
  sessions: { idleMinutes: number | null; absoluteHours: number | null; maxConcurrent: number | null };
  /** Empty lists allow every address; break-glass users are never refused by them. */
  ipAllowList: { console: string[]; api: string[]; breakGlassUserIds: string[] };
  lockout: { threshold: number; baseSeconds: number };
}

export const DEFAULT_STEP_UP_MINUTES = 15;

export const defaultSecurityPolicy: SecurityPolicy = {
  mfa: { required: 'off', stepUpMinutes: DEFAULT_STEP_UP_MINUTES },
  password: { minLength: PASSWORD_MIN_LENGTH },
  sessions: { idleMinutes: null, absoluteHours: null, maxConcurrent: null },
  ipAllowList: { console: [], api: [], breakGlassUserIds: [] },
  lockout: { threshold: LOCKOUT_THRESHOLD, baseSeconds: LOCKOUT_BASE_MS / 1000 },
};

/** Actions that need a second factor younger than the policy's step-up window (`noun:*`: every change, not reads). */
export const STEP_UP_ACTIONS: readonly string[] = ['audit:export', 'api-key:rotate', 'policy:*', 'sso-connection:*', 'security-policy:update'];

export function needsStepUp(action: string): boolean {
  const [noun, verb] = action.split(':');
  return STEP_UP_ACTIONS.some((pattern) => pattern === action || (pattern === `${noun}:*` && verb !== 'read'));
}

/** IPv4 clients on dual-stack sockets arrive as `::ffff:a.b.c.d`; they match IPv4 ranges. */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(ip)) return null;
  const parsed = ipaddr.parse(ip);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** Whether an address is inside one of the CIDR ranges; an empty list allows everything. */
export function ipAllowed(ip: string | null | undefined, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const address = ip ? parseAddress(ip) : null;
  if (!address) return false;
  return cidrs.some((cidr) => {
    const [range, bits] = ipaddr.parseCIDR(cidr);
    const candidate = range.kind() === address.kind() ? address : null;
    return candidate !== null && candidate.match(range, bits);
  });
}

/** The session limits of a sign-in: the strictest of the user's organizations, within the platform's. */
export function strictestSessionLimits(
  policies: readonly SecurityPolicy[],
  platform: { idleMinutes: number; absoluteHours: number },
): { idleMinutes: number; absoluteHours: number; maxConcurrent: number | null } {
  const min = (values: (number | null)[], fallback: number | null) =>
    values.reduce<number | null>((acc, v) => (v === null ? acc : acc === null ? v : Math.min(acc, v)), fallback);
  return {
    idleMinutes: min(policies.map((p) => p.sessions.idleMinutes), platform.idleMinutes)!,
    absoluteHours: min(policies.map((p) => p.sessions.absoluteHours), platform.absoluteHours)!,
    maxConcurrent: min(policies.map((p) => p.sessions.maxConcurrent), null),
  };
}

/** The lockout that applies to a user: the lowest threshold and the longest backoff. */
export function strictestLockout(policies: readonly SecurityPolicy[]): LockoutRule {
  if (policies.length === 0) return { threshold: LOCKOUT_THRESHOLD, baseMs: LOCKOUT_BASE_MS };
  return {
    threshold: Math.min(...policies.map((p) => p.lockout.threshold)),
    baseMs: Math.max(...policies.map((p) => p.lockout.baseSeconds)) * 1000,
  };
}

export function strictestPasswordMinLength(policies: readonly SecurityPolicy[]): number {
  return Math.max(PASSWORD_MIN_LENGTH, ...policies.map((p) => p.password.minLength));
}
