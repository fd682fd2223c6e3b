/**
 * WebAuthn ceremonies with @simplewebauthn/server. The relying party is the console's own
 * origin (config publicUrl): its host name is the RP ID, so passkeys registered there work
 * for every path of the console and nowhere else.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';

export const WEBAUTHN_TIMEOUT_MS = 120_000;

export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, name: 'Hexaplane', origin: url.origin };
}

export interface StoredCredential {
  id: string;
  publicKey: string;
  counter: number;
  transports: string[];
}

export async function registrationOptions(rp: RelyingParty, user: { id: string; email: string; displayName: string }, existing: StoredCredential[]) {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(user.id),
    timeout: WEBAUTHN_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransport[] })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

/** The new credential, or null when the response does not prove one for this challenge and origin. */
export async function verifyRegistration(rp: RelyingParty, response: unknown, challengeIsOurs: (challenge: string) => Promise<boolean>) {
  try {
    const result = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challengeIsOurs,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!result.verified) return null;
    const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
    return {
      id: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  } catch {
    return null;
  }
}

export async function authenticationOptions(rp: RelyingParty, credentials: StoredCredential[]) {
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: WEBAUTHN_TIMEOUT_MS,
    userVerification: 'preferred',
    allowCredentials: credentials.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransport[] })),
  });
}

/** The credential's new signature counter, or null when the assertion does not verify. */
export async function verifyAssertion(rp: RelyingParty, response: AuthenticationResponseJSON, expectedChallenge: string | ((c: string) => Promise<boolean>), credential: StoredCredential): Promise<number | null> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: credential.id,
        publicKey: isoBase64URL.toBuffer(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports as AuthenticatorTransport[],
      },
      requireUserVerification: false,
    });
    return result.verified ? result.authenticationInfo.newCounter : null;
  } catch {
    return null;
  }
}
