/**
 * MFA figures (ADR 0013), next to a baseline measured in the same run: scrypt password
 * verification (what every sign-in pays already) against TOTP verifications and WebAuthn
 * assertion verifications (@simplewebauthn/server, ES256, from a software authenticator
 * built here). Each measurement runs for a fixed time; the whole section takes about 10 s.
 */
import { randomBytes } from 'node:crypto';
import { generate, generateSecret } from 'otplib';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { hashPassword, verifyPassword } from '../src/kernel/crypto.ts';
import { acceptTotp } from '../src/modules/identity/mfa-totp.ts';
import { softAuthenticator } from '../test/support/soft-authenticator.ts';

/** Runs `work` back to back for `ms`; operations per second. */
async function perSecond(ms: number, work: (i: number) => Promise<unknown>): Promise<{ ops: number; perSecond: number }> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms) await work(ops++);
  return { ops, perSecond: Math.round((ops / (performance.now() - start)) * 1000) };
}

export async function measureMfa(ms = 3000) {
  const password = 'correct horse battery staple 42';
  const hash = await hashPassword(password);
  const scrypt = await perSecond(ms, () => verifyPassword(password, hash));

  const secret = generateSecret();
  const now = new Date();
  const code = await generate({ secret, epoch: Math.floor(now.getTime() / 1000) });
  const totp = await perSecond(ms, async () => {
    if ((await acceptTotp(secret, code, now, null)) === null) throw new Error('TOTP did not verify');
  });

  const rp = { id: 'localhost', origin: 'http://localhost:8080' };
  const authenticator = softAuthenticator(rp);
  const challenges = Array.from({ length: 256 }, () => isoBase64URL.fromBuffer(randomBytes(32)));
  const assertions = challenges.map((c) => authenticator.assert(c));
  const webauthn = await perSecond(ms, async (i) => {
    const k = i % assertions.length;
    const result = await verifyAuthenticationResponse({
      response: assertions[k]!,
      expectedChallenge: challenges[k]!,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { ...authenticator.credential, counter: 0 },
    });
    if (!result.verified) throw new Error('assertion did not verify');
  });

  return {
    baseline: { scryptPasswordVerificationsPerSecond: scrypt.perSecond, ops: scrypt.ops },
    totp: { verificationsPerSecond: totp.perSecond, ops: totp.ops, vsScrypt: Number((totp.perSecond / scrypt.perSecond).toFixed(1)) },
    webauthn: { assertionVerificationsPerSecond: webauthn.perSecond, ops: webauthn.ops, vsScrypt: Number((webauthn.perSecond / scrypt.perSecond).toFixed(1)) },
    note: 'a sign-in with MFA costs one scrypt verification plus one of these: the second factor adds little to the password check',
  };
}
