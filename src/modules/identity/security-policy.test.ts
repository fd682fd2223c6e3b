import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultSecurityPolicy, ipAllowed, needsStepUp, strictestLockout, strictestSessionLimits, type SecurityPolicy } from './security-policy.ts';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const toIp = (o: number[]) => o.join('.');
const toInt = (o: number[]) => ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;

describe('ipAllowed', () => {
  it('matches an IPv4 address exactly when its first bits equal the range (checked against integer arithmetic)', () => {
    fc.assert(
      fc.property(ipv4, ipv4, fc.integer({ min: 0, max: 32 }), (address, range, bits) => {
        const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
        const expected = ((toInt(address) & mask) >>> 0) === ((toInt(range) & mask) >>> 0);
        expect(ipAllowed(toIp(address), [`${toIp(range)}/${bits}`])).toBe(expected);
      }),
    );
  });

  it('treats IPv4-mapped IPv6 as IPv4, and an empty list as allowing everything', () => {
    fc.assert(
      fc.property(ipv4, (address) => {
        expect(ipAllowed(`::ffff:${toIp(address)}`, [`${toIp(address)}/32`])).toBe(true);
        expect(ipAllowed(toIp(address), [])).toBe(true);
      }),
    );
  });

  it('matches IPv6 ranges and refuses unknown or malformed addresses', () => {
    expect(ipAllowed('fd00::1', ['fd00::/8'])).toBe(true);
    expect(ipAllowed('fe80::1', ['fd00::/8', '10.0.0.0/8'])).toBe(false);
    expect(ipAllowed(null, ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('not an ip', ['10.0.0.0/8'])).toBe(false);
  });
});

describe('combining policies', () => {
  const withSessions = (sessions: SecurityPolicy['sessions']): SecurityPolicy => ({ ...defaultSecurityPolicy, sessions });

  it('takes the strictest session limits, never above the platform', () => {
    const limits = strictestSessionLimits(
      [withSessions({ idleMinutes: 20, absoluteHours: null, maxConcurrent: 5 }), withSessions({ idleMinutes: null, absoluteHours: 4, maxConcurrent: 3 })],
      { idleMinutes: 30, absoluteHours: 12 },
    );
    expect(limits).toEqual({ idleMinutes: 20, absoluteHours: 4, maxConcurrent: 3 });
    expect(strictestSessionLimits([], { idleMinutes: 30, absoluteHours: 12 })).toEqual({ idleMinutes: 30, absoluteHours: 12, maxConcurrent: null });
  });

  it('takes the lowest lockout threshold and the longest backoff', () => {
    const a = { ...defaultSecurityPolicy, lockout: { threshold: 3, baseSeconds: 10 } };
    const b = { ...defaultSecurityPolicy, lockout: { threshold: 8, baseSeconds: 120 } };
    expect(strictestLockout([a, b])).toEqual({ threshold: 3, baseMs: 120_000 });
  });

  it('knows the sensitive actions', () => {
    expect(['audit:export', 'api-key:rotate', 'policy:update', 'sso-connection:create', 'security-policy:update'].every(needsStepUp)).toBe(true);
    expect(['audit:read', 'api-key:create', 'policy:read', 'security-policy:read'].some(needsStepUp)).toBe(false);
  });
});
