import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

export const scimTokenSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    status: z.enum(['active', 'revoked']),
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().describe('Recorded at most once a minute'),
    rotatedAt: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable().describe('Until then the token before the last rotation still works'),
    version: z.number().int(),
  })
  .meta({ id: 'ScimToken' });

export const createdScimTokenSchema = z
  .object({
    scimToken: scimTokenSchema,
    token: z.string().describe('The bearer token to paste into the identity provider (hxs_…); shown only once'),
    baseUrl: z.string().describe('The SCIM base URL to paste into the identity provider'),
  })
  .meta({ id: 'CreatedScimToken' });

export const createScimTokenBody = z.object({ name: z.string().trim().min(1).max(100) }).strict();

export const rotateScimTokenBody = z
  .object({
    overlapMinutes: z.number().int().min(0).max(10080).default(60).describe('How long the old token keeps working, so the IdP can be switched without a gap'),
  })
  .strict();

export const scimTokenParams = z.object({ orgId: z.string(), tokenId: idSchema('stk') });

export type ScimTokenView = z.infer<typeof scimTokenSchema>;
