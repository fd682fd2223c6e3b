import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../kernel/crypto.ts';
import { newId } from '../../kernel/ids.ts';
import { bearerToken, formatApiKeyToken, keyState, newApiKeySecret, parseApiKeyToken, secretOpensKey, type KeySecrets } from './api-key-tokens.ts';

describe('API key tokens', () => {
  it('round-trips a key id and secret, whatever characters the secret holds', () => {
    const keyId = newId('apiKey');
    for (let i = 0; i < 200; i++) {
      const secret = newApiKeySecret();
      expect(secret).toHaveLength(43);
      expect(parseApiKeyToken(formatApiKeyToken(keyId, secret))).toEqual({ keyId, secret });
    }
    const tricky = `_-${'A'.repeat(40)}_`;
    expect(parseApiKeyToken(`hxp_${keyId}_${tricky}`)).toEqual({ keyId, secret: tricky });
  });

  it('refuses anything else', () => {
    const keyId = newId('apiKey');
    const secret = newApiKeySecret();
    for (const bad of [
      '',
      'hxp_',
      `${keyId}_${secret}`,
      `hxp_${keyId}_${secret}x`,
      `hxp_${keyId}_${secret.slice(1)}`,
      `hxp_${keyId.toUpperCase()}_${secret}`,
      `hxp_usr_${keyId.slice(4)}_${secret}`,
      `hxp_${keyId}_${secret.slice(0, 42)}=`,
      ` hxp_${keyId}_${secret}`,
    ]) {
      expect(parseApiKeyToken(bad), bad).toBeNull();
    }
  });

  it('reads bearer credentials', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('secretOpensKey', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const later = (ms: number) => new Date(now.getTime() + ms);
  const current = sha256Hex('current');
  const previous = sha256Hex('previous');
  const key: KeySecrets = { status: 'active', expiresAt: null, secretHash: current, previousSecretHash: null, previousExpiresAt: null };

  it('opens with the current secret only', () => {
    expect(secretOpensKey(key, current, now)).toBe(true);
    expect(secretOpensKey(key, previous, now)).toBe(false);
    expect(secretOpensKey(key, '', now)).toBe(false);
  });

  it('opens with the previous secret until the overlap ends', () => {
    const rotated = { ...key, previousSecretHash: previous, previousExpiresAt: later(60_000) };
    expect(secretOpensKey(rotated, previous, now)).toBe(true);
    expect(secretOpensKey(rotated, current, now)).toBe(true);
    expect(secretOpensKey(rotated, previous, later(60_000))).toBe(false);
    expect(secretOpensKey(rotated, current, later(60_000))).toBe(true);
  });

  it('never opens a revoked or expired key', () => {
    expect(secretOpensKey({ ...key, status: 'revoked' }, current, now)).toBe(false);
    const expiring = { ...key, expiresAt: later(1000) };
    expect(secretOpensKey(expiring, current, now)).toBe(true);
    expect(secretOpensKey(expiring, current, later(1000))).toBe(false);
    expect(keyState(expiring, later(1000))).toBe('expired');
    expect(keyState({ ...expiring, status: 'revoked' }, later(1000))).toBe('revoked');
  });
});
