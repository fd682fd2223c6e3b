/**
 * The Cedar request context: what a policy may ask about the moment and the request
 * beyond who, what and where. Pure functions, no I/O; the clock is passed in.
 */
import { isIP } from 'node:net';

export interface TimeContext {
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** `YYYY-MM-DD` in the organization's time zone. */
  date: string;
}

export interface RequestContext {
  roleAllows: boolean;
  time: TimeContext;
  /** Present only when the client address is known. */
  ip?: string;
  mfa: boolean;
  /** Present only when a second factor was proved. */
  mfaAgeSeconds?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock time in an IANA time zone (an unknown zone falls back to UTC). */
export function timeContext(now: Date, timeZone: string): TimeContext {
  let f: Intl.DateTimeFormat;
  try {
    f = formatterFor(timeZone);
  } catch {
    f = formatterFor('UTC');
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(now)) parts[p.type] = p.value;
  return {
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: weekdays[parts.weekday!] ?? 0,
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

/**
 * Cedar's `ip()` refuses IPv4 written inside IPv6 (`::ffff:10.0.0.1`), which is how Node
 * reports IPv4 clients on dual-stack sockets; such addresses become plain IPv4.
 */
export function normalizeIp(ip: string | null | undefined): string | undefined {
  if (!ip) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  const candidate = mapped ? mapped[1]! : ip;
  return isIP(candidate) ? candidate : undefined;
}

export function requestContext(input: {
  roleAllows: boolean;
  now: Date;
  timeZone: string;
  ip: string | null;
  mfaAt: Date | null;
}): RequestContext {
  const context: RequestContext = {
    roleAllows: input.roleAllows,
    time: timeContext(input.now, input.timeZone),
    mfa: input.mfaAt !== null,
  };
  const ip = normalizeIp(input.ip);
  if (ip) context.ip = ip;
  if (input.mfaAt) context.mfaAgeSeconds = Math.max(0, Math.floor((input.now.getTime() - input.mfaAt.getTime()) / 1000));
  return context;
}
