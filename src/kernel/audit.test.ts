import { describe, expect, it } from 'vitest';
import { redactSecrets } from './audit.ts';

describe('redactSecrets', () => {
  it('removes secret values at any depth but keeps when they changed', () => {
    expect(
      redactSecrets({
        name: 'ci',
        secret: 'hxp_x',
        nested: [{ passwordHash: 'scrypt$', token: 't', caData: 'pem' }],
        previousSecretExpiresAt: '2026-11-23T00:00:00.000Z',
        password_changed_at: new Date('2026-11-23T00:00:00Z'),
      }),
    ).toEqual({
      name: 'ci',
      secret: '[redacted]',
      nested: [{ passwordHash: '[redacted]', token: '[redacted]', caData: '[redacted]' }],
      previousSecretExpiresAt: '2026-11-23T00:00:00.000Z',
      password_changed_at: '2026-11-23T00:00:00.000Z',
    });
  });
});
