import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

// ---- users and sessions ----

export const currentUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    platformAdmin: z.boolean(),
  })
  .meta({ id: 'CurrentUser' });

export const signInBody = z
  .object({
    email: z.string().trim().min(1).max(254),
    // Sign-in checks a password, it does not judge one: only a bound on the work it costs.
    password: z.string().min(1).max(1024),
  })
  .strict();

export const signInResultSchema = z
  .object({
    user: currentUserSchema,
    csrfToken: z.string().describe('Send it as x-csrf-token on every state-changing request made with the session cookie'),
    expiresAt: z.string().describe('When the session ends at the latest (it ends earlier when idle)'),
  })
  .meta({ id: 'SignInResult' });

/** With a second factor enrolled, the password alone yields an MFA challenge, not a session (ADR 0013). */
export const signInAnswerSchema = z.union([
  signInResultSchema,
  z
    .object({
      mfaRequired: z.literal(true),
      mfaToken: z.string().describe('Send it to POST /api/v1/session/mfa with one factor; valid for 5 minutes'),
      methods: z.array(z.enum(['totp', 'webauthn', 'recovery-code'])),
      webauthnOptions: z.record(z.string(), z.unknown()).nullable().describe('PublicKeyCredentialRequestOptionsJSON, when you have a passkey'),
      expiresAt: z.string(),
    })
    .meta({ id: 'MfaChallenge' }),
]);

export const meSchema = z
  .object({
    user: currentUserSchema.nullable().describe('Null when the caller is an API key'),
    apiKey: z.object({ id: z.string(), orgId: z.string(), name: z.string() }).nullable().describe('The calling API key, if any'),
    sessionId: z.string().nullable(),
    csrfToken: z.string().nullable(),
    authenticatedVia: z.enum(['session', 'apiKey', 'scim', 'oidc']),
  })
  .meta({ id: 'Me' });

export const sessionSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    idleExpiresAt: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean().describe('True for the session making this request'),
  })
  .meta({ id: 'Session' });

export const sessionParams = z.object({ sessionId: idSchema('ses') });

export const changePasswordBody = z
  .object({
    currentPassword: z.string().min(1).max(1024),
    newPassword: z.string().min(1).max(1024),
  })
  .strict();

// ---- API keys ----

const actionName = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z-]*:([a-z][a-z-]*|\*)$/, 'must be an action like workspace:read');

export const apiKeySchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    workspaceId: z.string().nullable(),
    roleId: z.string().nullable(),
    actions: z.array(z.string()).nullable(),
    status: z.enum(['active', 'expired', 'revoked', 'suspended']).describe('suspended: its creator was deactivated by SCIM provisioning'),
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    lastUsedIp: z.string().nullable(),
    rotatedAt: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable().describe('Until then the secret before the last rotation still works'),
    rateLimitPerMinute: z.number().int(),
    version: z.number().int(),
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = z
  .object({
    apiKey: apiKeySchema,
    secret: z.string().describe('The token to send as `Authorization: Bearer <secret>`; shown only once'),
  })
  .meta({ id: 'CreatedApiKey' });

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    workspaceId: idSchema('ws').optional().describe('Confine the key to this workspace'),
    roleId: z.string().min(1).max(64).optional().describe('The role the key acts with; send this or actions'),
    actions: z.array(actionName).min(1).max(200).optional().describe('The actions the key may do; send this or roleId'),
    expiresInDays: z.number().int().min(1).max(3650).optional().describe('Without it the key does not expire'),
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const rotateApiKeyBody = z
  .object({
    overlapMinutes: z
      .number()
      .int()
      .min(0)
      .max(10080)
      .default(60)
      .describe('How long the old secret keeps working, so clients can switch without downtime'),
  })
  .strict();

export const apiKeyParams = z.object({ orgId: z.string(), keyId: idSchema('key') });

// ---- groups ----

const groupName = z.string().trim().min(1).max(100);
const groupDescription = z.string().max(2000);

export const groupSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    description: z.string(),
    memberCount: z.number().int(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Group' });

export const createGroupBody = z.object({ name: groupName, description: groupDescription.default('') }).strict();

export const updateGroupBody = z
  .object({ name: groupName, description: groupDescription })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const groupParams = z.object({ orgId: z.string(), groupId: idSchema('grp') });
export const groupMemberParams = groupParams.extend({ userId: idSchema('usr') });

export const groupMemberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    displayName: z.string(),
    addedAt: z.string(),
  })
  .meta({ id: 'GroupMember' });

export type CurrentUser = z.infer<typeof currentUserSchema>;
export type SessionView = z.infer<typeof sessionSchema>;
export type MeView = z.infer<typeof meSchema>;
export type ApiKeyView = z.infer<typeof apiKeySchema>;
export type CreateApiKeyInput = z.infer<typeof createApiKeyBody>;
export type GroupView = z.infer<typeof groupSchema>;
export type GroupMemberView = z.infer<typeof groupMemberSchema>;
