import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

const days = (what: string, max: number) => z.number().int().min(1).max(max).describe(what);
const daysPair = z.object({ auditDays: z.number().int(), accessLogDays: z.number().int() });

export const workspaceRetentionSchema = z.object({
  workspaceId: z.string(),
  auditDays: z.number().int().nullable().describe('Null: the organization\'s value'),
  accessLogDays: z.number().int().nullable().describe('Null: the organization\'s value'),
});

export const retentionSettingsSchema = z
  .object({
    orgId: z.string(),
    auditDays: z.number().int().describe('Days an audit event is kept after it happened'),
    accessLogDays: z.number().int().describe('Days an access log entry is kept'),
    workspaces: z.array(workspaceRetentionSchema),
    defaults: daysPair.describe('What applies when nothing is set'),
    minimums: daysPair.describe('The least that may be set (compliance packs may raise it)'),
    version: z.number().int().describe('0 while the defaults apply'),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'RetentionSettings' });

export const putRetentionBody = z
  .object({
    auditDays: days('Days to keep audit events', 36_500),
    accessLogDays: days('Days to keep the access log', 3_650),
    workspaces: z
      .array(
        z
          .object({
            workspaceId: idSchema('ws'),
            auditDays: days('Days to keep this workspace\'s audit events', 36_500).nullable().optional(),
            accessLogDays: days('Days to keep this workspace\'s access log', 3_650).nullable().optional(),
          })
          .strict(),
      )
      .max(1000)
      .default([]),
  })
  .strict();

export const legalHoldScopeSchema = z
  .object({
    type: z.enum(['organization', 'workspace']),
    id: z.string().min(1).max(64).describe('The organization id or a workspace id'),
  })
  .strict();

export const legalHoldSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    reason: z.string(),
    scope: z.object({ type: z.enum(['organization', 'workspace']), id: z.string() }),
    until: z.string().nullable().describe('The hold ends by itself at this time; null: until released'),
    status: z.enum(['active', 'expired', 'released']),
    createdAt: z.string(),
    createdBy: z.string(),
    releasedAt: z.string().nullable(),
    releasedBy: z.string().nullable(),
    releaseReason: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'LegalHold' });

export const createLegalHoldBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    reason: z.string().trim().min(1).max(2000),
    scope: legalHoldScopeSchema,
    until: z.iso.datetime({ offset: true }).optional().describe('Optional end of the hold (ISO 8601)'),
  })
  .strict();

export const releaseLegalHoldBody = z.object({ reason: z.string().trim().min(1).max(2000) }).strict();

export const legalHoldParams = z.object({ orgId: z.string(), holdId: idSchema('hold') });

export const listLegalHoldsQuery = z.object({
  status: z.enum(['active', 'expired', 'released']).optional(),
});

export const retentionRunSchema = z
  .object({
    id: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    dryRun: z.boolean(),
    status: z.enum(['running', 'succeeded', 'failed']),
    auditPurged: z.number().int().describe('Audit events of this organization the run removed'),
    auditRanges: z.array(z.object({ fromSeq: z.number().int(), toSeq: z.number().int() })).describe('Their positions (seq) in the tree'),
    auditBefore: z.string().nullable().describe('Every removed event happened before this time'),
    accessLogDeleted: z.number().int(),
    heldBy: z.array(z.string()).describe('Legal holds that kept records'),
    eventId: z.string().nullable().describe('The retention:purge audit event that records the run'),
  })
  .meta({ id: 'RetentionRun' });

export type RetentionSettingsView = z.infer<typeof retentionSettingsSchema>;
export type PutRetentionInput = z.infer<typeof putRetentionBody>;
export type LegalHoldView = z.infer<typeof legalHoldSchema>;
export type CreateLegalHoldInput = z.infer<typeof createLegalHoldBody>;
export type RetentionRunView = z.infer<typeof retentionRunSchema>;
