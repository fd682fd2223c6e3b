import { describe, expect, it } from 'vitest';
import { normalizeIp, requestContext, timeContext } from './context.ts';

describe('request context', () => {
  it('gives wall-clock time in the organization time zone', () => {
    // 2026-03-02 01:00 UTC is Monday 10:00 in Tokyo and Sunday 20:00 in New York.
    const at = new Date('2026-03-02T01:00:00Z');
    expect(timeContext(at, 'Asia/Tokyo')).toEqual({ hour: 10, minute: 0, weekday: 1, date: '2026-03-02' });
    expect(timeContext(at, 'America/New_York')).toEqual({ hour: 20, minute: 0, weekday: 7, date: '2026-03-01' });
    expect(timeContext(new Date('2026-03-01T15:05:00Z'), 'Asia/Tokyo')).toEqual({ hour: 0, minute: 5, weekday: 1, date: '2026-03-02' });
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(timeContext(new Date('2026-03-02T01:02:00Z'), 'Mars/Olympus').hour).toBe(1);
  });

  it('turns IPv4-mapped IPv6 into IPv4, and drops what is not an address', () => {
    expect(normalizeIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeIp('not-an-ip')).toBeUndefined();
    expect(normalizeIp(null)).toBeUndefined();
  });

  it('carries MFA age only when a second factor was proved', () => {
    const now = new Date('2026-03-02T01:00:00Z');
    expect(requestContext({ roleAllows: true, now, timeZone: 'UTC', ip: null, mfaAt: null })).toEqual({
      roleAllows: true,
      time: { hour: 1, minute: 0, weekday: 1, date: '2026-03-02' },
      mfa: false,
    });
    const withMfa = requestContext({ roleAllows: false, now, timeZone: 'UTC', ip: '127.0.0.1', mfaAt: new Date(now.getTime() - 90_500) });
    expect(withMfa).toMatchObject({ mfa: true, mfaAgeSeconds: 90, ip: '127.0.0.1' });
  });
});
