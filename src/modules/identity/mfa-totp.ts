/**
 * TOTP (RFC 6238) with otplib: 30-second steps, six digits, SHA-1 (what authenticator apps
 * implement), one step of clock drift accepted either way, and no code accepted twice: the
 * caller keeps the time step of the last accepted code and passes it back.
 */
import { generateSecret, generateURI, verify } from 'otplib';

export const TOTP_PERIOD_SECONDS = 30;
/** One step either side: phones drift, and people type a code as it changes. */
export const TOTP_TOLERANCE_SECONDS = 30;
export const TOTP_ISSUER = 'Hexaplane';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, accountName: string, issuer = TOTP_ISSUER): string {
  return generateURI({ issuer, label: accountName, secret });
}

const CODE = /^\d{6}$/;

/**
 * The time step the code belongs to, or null when it is wrong, too old or too new, or was
 * accepted before (its step is not after `lastTimeStep`).
 */
export async function acceptTotp(secret: string, code: string, now: Date, lastTimeStep: number | null): Promise<number | null> {
  const token = code.replace(/\s/g, '');
  if (!CODE.test(token)) return null;
  try {
    const result = await verify({
      secret,
      token,
      epoch: Math.floor(now.getTime() / 1000),
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(lastTimeStep !== null ? { afterTimeStep: lastTimeStep } : {}),
    });
    // A TOTP result carries its time step (the union type also covers HOTP results).
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    // otplib refuses an afterTimeStep beyond the window (a clock set back): not a valid code.
    return null;
  }
}
