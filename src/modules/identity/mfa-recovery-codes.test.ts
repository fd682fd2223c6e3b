import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes } from './mfa-recovery-codes.ts';

describe('recovery codes', () => {
  it('gives ten distinct codes of 16 symbols', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9a-hjkmnp-z]{8}-[2-9a-hjkmnp-z]{8}$/);
  });

  it('hashes the code as typed in any case, with or without spaces and dashes', () => {
    const [code] = newRecoveryCodes(1);
    const hash = hashRecoveryCode(code!);
    expect(hashRecoveryCode(code!.toUpperCase().replace('-', ' '))).toBe(hash);
    expect(hashRecoveryCode(code!.replace('-', ''))).toBe(hash);
    expect(hashRecoveryCode(`${code!}x`)).not.toBe(hash);
    expect(hash).not.toContain(code!.replace('-', ''));
  });
});
