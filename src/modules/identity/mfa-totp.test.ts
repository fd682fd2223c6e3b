import { generate, generateSecret } from 'otplib';
import { describe, expect, it } from 'vitest';
import { acceptTotp, totpUri } from './mfa-totp.ts';

const secret = generateSecret();
const start = new Date('2026-11-23T12:00:05Z'); // 5 s into a 30 s step
const codeAt = (d: Date) => generate({ secret, epoch: Math.floor(d.getTime() / 1000) });
const plus = (seconds: number) => new Date(start.getTime() + seconds * 1000);

describe('acceptTotp', () => {
  it('accepts the current code and one step either side, nothing further', async () => {
    expect(await acceptTotp(secret, await codeAt(start), start, null)).toBe(Math.floor(start.getTime() / 30_000));
    expect(await acceptTotp(secret, await codeAt(plus(-30)), start, null)).not.toBeNull();
    expect(await acceptTotp(secret, await codeAt(plus(30)), start, null)).not.toBeNull();
    expect(await acceptTotp(secret, await codeAt(plus(-90)), start, null)).toBeNull();
    expect(await acceptTotp(secret, await codeAt(plus(90)), start, null)).toBeNull();
  });

  it('refuses a code whose step was accepted already (replay), and accepts the next step', async () => {
    const step = await acceptTotp(secret, await codeAt(start), start, null);
    expect(await acceptTotp(secret, await codeAt(start), plus(10), step)).toBeNull();
    expect(await acceptTotp(secret, await codeAt(plus(-30)), plus(10), step)).toBeNull();
    expect(await acceptTotp(secret, await codeAt(plus(30)), plus(30), step)).toBe(step! + 1);
  });

  it('refuses malformed codes and tolerates spaces', async () => {
    const code = await codeAt(start);
    expect(await acceptTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, start, null)).not.toBeNull();
    expect(await acceptTotp(secret, 'abcdef', start, null)).toBeNull();
    expect(await acceptTotp(secret, '1234567', start, null)).toBeNull();
  });

  it('refuses everything when the last step lies beyond the window (a clock set back)', async () => {
    expect(await acceptTotp(secret, await codeAt(start), start, Math.floor(start.getTime() / 30_000) + 100)).toBeNull();
  });

  it('writes an otpauth URI with issuer and account', () => {
    expect(totpUri('JBSWY3DPEHPK3PXP', 'ada@example.com')).toBe('otpauth://totp/Hexaplane:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Hexaplane');
  });
});
