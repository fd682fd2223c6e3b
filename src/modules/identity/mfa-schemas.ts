import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

// ---- sign-in with a second factor ----

export const mfaMethodSchema = z.enum(['totp', 'webauthn', 'recovery-code']);

/** What the browser gets back from navigator.credentials (@simplewebauthn/browser's JSON); checked by the verifier. */
const webauthnResponse = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(64).optional(),
  })
  .describe('The PublicKeyCredential as JSON (what @simplewebauthn/browser returns)');

const factorFields = {
  totp: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code of your authenticator app').optional(),
  recoveryCode: z.string().trim().min(8).max(40).optional(),
  webauthn: webauthnResponse.optional(),
};

const exactlyOneFactor = (b: { totp?: unknown; recoveryCode?: unknown; webauthn?: unknown }) =>
  [b.totp, b.recoveryCode, b.webauthn].filter((v) => v !== undefined).length === 1;
const oneFactorMessage = { message: 'send exactly one of totp, recoveryCode, webauthn', path: ['totp'] };

export const completeMfaBody = z
  .object({ mfaToken: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the mfaToken from the sign-in answer'), ...factorFields })
  .strict()
  .refine(exactlyOneFactor, oneFactorMessage);

export const stepUpBody = z.object(factorFields).strict().refine(exactlyOneFactor, oneFactorMessage);

export const stepUpResultSchema = z.object({ mfaAt: z.string() }).meta({ id: 'StepUpResult' });

// ---- your factors ----

export const webauthnCredentialSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), backedUp: z.boolean() })
  .meta({ id: 'WebauthnCredential' });

export const mfaStatusSchema = z
  .object({
    totp: z.object({ enrolled: z.boolean(), confirmedAt: z.string().nullable() }),
    webauthn: z.array(webauthnCredentialSchema),
    recoveryCodes: z.object({ remaining: z.number().int(), total: z.number().int() }),
    mfaAt: z.string().nullable().describe('When this session last proved a second factor'),
    requiredBy: z.array(z.string()).describe('Your organizations whose policy requires you to use MFA'),
  })
  .meta({ id: 'MfaStatus' });

export const totpEnrolmentSchema = z
  .object({
    secret: z.string().describe('Base32, for typing into an app that cannot scan'),
    otpauthUri: z.string(),
    qrCodeDataUrl: z.string().describe('The otpauth URI as a PNG QR code (data: URL)'),
  })
  .meta({ id: 'TotpEnrolment' });

export const confirmTotpBody = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code') }).strict();

export const recoveryCodesSchema = z
  .object({ recoveryCodes: z.array(z.string()).nullable().describe('Shown once: store them somewhere safe. Null when you already had codes') })
  .meta({ id: 'RecoveryCodes' });

export const webauthnRegistrationBody = z
  .object({ name: z.string().trim().min(1).max(100).default('Passkey'), response: webauthnResponse })
  .strict();

export const registeredCredentialSchema = z
  .object({ credential: webauthnCredentialSchema, recoveryCodes: z.array(z.string()).nullable() })
  .meta({ id: 'RegisteredWebauthnCredential' });

export const webauthnOptionsSchema = z.record(z.string(), z.unknown()).meta({ id: 'WebauthnOptions' });

export const credentialParams = z.object({ credentialId: z.string().regex(/^[A-Za-z0-9_-]{16,1024}$/, 'must be a credential id (base64url)') });

// ---- organization security policy ----

const cidr = z.string().trim().max(64).refine((c) => ipaddr.isValidCIDR(c), 'must be a CIDR like 10.20.0.0/16 or fd00::/8');
const cidrs = z.array(cidr).max(200);

export const securityPolicyBody = z
  .object({
    mfa: z
      .object({
        required: z.enum(['off', 'admins', 'everyone']).describe('admins: those who may change this policy'),
        stepUpMinutes: z.number().int().min(1).max(1440).describe('How recent a second factor must be for sensitive actions'),
      })
      .strict(),
    password: z.object({ minLength: z.number().int().min(12).max(128) }).strict(),
    sessions: z
      .object({
        idleMinutes: z.number().int().min(1).nullable().describe('Null: the platform limit; never more than it'),
        absoluteHours: z.number().int().min(1).nullable(),
        maxConcurrent: z.number().int().min(1).max(1000).nullable().describe('The oldest sessions end at sign-in beyond it'),
      })
      .strict(),
    ipAllowList: z
      .object({
        console: cidrs.describe('Ranges console sessions may come from; empty: anywhere'),
        api: cidrs.describe('Ranges API keys may come from; empty: anywhere'),
        breakGlassUserIds: z.array(idSchema('usr')).max(20).describe('Users never refused by the allow-lists'),
      })
      .strict(),
    lockout: z
      .object({ threshold: z.number().int().min(3).max(20), baseSeconds: z.number().int().min(1).max(3600) })
      .strict()
      .describe('Failures before the account locks, and the first lock (it doubles with each further failure)'),
  })
  .strict();

export const securityPolicySchema = securityPolicyBody
  .extend({ orgId: z.string(), version: z.number().int(), updatedAt: z.string().nullable(), updatedBy: z.string().nullable() })
  .meta({ id: 'SecurityPolicy' });

export type SecurityPolicyView = z.infer<typeof securityPolicySchema>;
export type MfaStatusView = z.infer<typeof mfaStatusSchema>;
export type WebauthnCredentialView = z.infer<typeof webauthnCredentialSchema>;
export type FactorInput = { totp?: string; recoveryCode?: string; webauthn?: z.infer<typeof webauthnResponse> };
