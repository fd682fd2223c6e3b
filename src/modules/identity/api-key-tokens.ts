import { constantTimeEqual, randomToken } from '../../kernel/crypto.ts';

/**
 * API key tokens are `hxp_<keyId>_<secret>`: the key id (`key_` + 26 ULID characters) names
 * the row to look up, and the secret is 32 random bytes in base64url (43 characters).
 */
const TOKEN_PATTERN = /^hxp_(key_[0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;
const SECRET_BYTES = 32;

export interface ApiKeyToken {
  keyId: string;
  secret: string;
}

export function newApiKeySecret(): string {
  return randomToken(SECRET_BYTES);
}

export function formatApiKeyToken(keyId: string, secret: string): string {
  return `hxp_${keyId}_${secret}`;
}

export function parseApiKeyToken(token: string): ApiKeyToken | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

/** The credential of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match ? match[1]! : null;
}

/** The parts of a stored key that decide whether a presented secret opens it. */
export interface KeySecrets {
  status: 'active' | 'revoked' | 'suspended';
  expiresAt: Date | null;
  secretHash: string;
  previousSecretHash: string | null;
  previousExpiresAt: Date | null;
}

export type KeyState = 'active' | 'expired' | 'revoked' | 'suspended';

export function keyState(key: Pick<KeySecrets, 'status' | 'expiresAt'>, now: Date): KeyState {
  if (key.status !== 'active') return key.status;
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/**
 * True when the key is usable now and the presented secret's hash is its current secret,
 * or its previous one while a rotation's overlap lasts. Both comparisons always run, so the
 * time taken does not tell which secret matched.
 */
export function secretOpensKey(key: KeySecrets, presentedHash: string, now: Date): boolean {
  if (keyState(key, now) !== 'active') return false;
  const current = constantTimeEqual(presentedHash, key.secretHash);
  const previousValid =
    key.previousSecretHash !== null && key.previousExpiresAt !== null && key.previousExpiresAt.getTime() > now.getTime();
  const previous = constantTimeEqual(presentedHash, key.previousSecretHash ?? '');
  return current || (previousValid && previous);
}
