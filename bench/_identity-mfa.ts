/**
 * MFA figures (ADR 0013), next to a baseline measured in the same run: scrypt password
 * verification (what every sign-in pays already) against TOTP verifications and WebAuthn
 * assertion verifications (@simplewebauthn/server, ES256, from a software authenticator
 * built here). Each measurement runs for a fixed time; the whole section takes about 10 s.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { generate, generateSecret } from 'otplib';
import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { hashPassword, verifyPassword } from '../src/kernel/crypto.ts';
import { acceptTotp } from '../src/modules/identity/mfa-totp.ts';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/**
 * A software WebAuthn authenticator (ES256, "none" attestation): enough of a passkey to
 * produce assertions @simplewebauthn/server verifies, without a browser.
 */
export function softAuthenticator(rp: { id: string; origin: string }) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(16);
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, isoBase64URL.toBuffer(jwk.x!)],
      [-3, isoBase64URL.toBuffer(jwk.y!)],
    ]),
  );
  let counter = 0;
  return {
    credential: { id: isoBase64URL.fromBuffer(credentialId), publicKey: cose, counter: 0 },
    assert(challenge: string): AuthenticationResponseJSON {
      counter += 1;
      const flags = 0x01 | 0x04; // user present, user verified
      const authData = Buffer.concat([sha256(rp.id), Buffer.from([flags]), Buffer.from(new Uint32Array([counter]).buffer).reverse()]);
      const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: rp.origin, crossOrigin: false }));
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey as KeyObject);
      return {
        id: isoBase64URL.fromBuffer(credentialId),
        rawId: isoBase64URL.fromBuffer(credentialId),
        type: 'public-key',
        response: {
          authenticatorData: isoBase64URL.fromBuffer(authData),
          clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
          signature: isoBase64URL.fromBuffer(signature),
        },
        clientExtensionResults: {},
      };
    },
  };
}

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
