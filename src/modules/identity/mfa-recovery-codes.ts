/**
 * Recovery codes: ten single-use codes of about 79 random bits each, shown once and stored as
 * SHA-256 (their entropy makes a slow hash unnecessary). Written `xxxxxxxx-xxxxxxxx` in a
 * lower-case alphabet without look-alikes; typed with any case, spaces or dashes.
 */
import { randomInt } from 'node:crypto';
import { sha256Hex } from '../../kernel/crypto.ts';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz'; // 31 symbols, ~4.95 bits each
const SYMBOLS = 16; // 16 × 4.95 ≈ 79 bits

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: SYMBOLS }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 8)}-${chars.slice(8)}`;
  });
}

export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return sha256Hex(`hexaplane-recovery:${normalizeRecoveryCode(code)}`);
}
