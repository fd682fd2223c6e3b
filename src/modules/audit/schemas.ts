import { z } from 'zod';

export const auditEventSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    workspaceId: z.string().nullable(),
    occurredAt: z.string(),
    actor: z.object({
      kind: z.string(),
      id: z.string(),
      name: z.string().nullable(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      sessionId: z.string().nullable(),
      apiKeyId: z.string().nullable(),
    }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
    outcome: z.enum(['success', 'denied', 'failed']),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .meta({ id: 'AuditEvent' });

export const auditQuery = z.object({
  actorId: z.string().max(64).optional().describe('Only events by this actor (user or API key id)'),
  action: z
    .string()
    .max(64)
    .regex(/^[a-z*:-]+$/, 'lower-case noun:verb, or a prefix like "workspace:"')
    .optional()
    .describe('An action, or a prefix of one ("workspace:" matches every workspace action)'),
  targetId: z.string().max(64).optional(),
  workspaceId: z.string().max(64).optional(),
  outcome: z.enum(['success', 'denied', 'failed']).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive start (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive end (ISO 8601)'),
  q: z.string().max(200).optional().describe('Free text over action, actor name, target name and reason'),
});

export const auditEventParams = z.object({
  orgId: z.string(),
  eventId: z.string().regex(/^evt_[0-9a-z]{26}$/, 'must be an audit event id (evt_...)'),
});

export type AuditEventView = z.infer<typeof auditEventSchema>;
export type AuditQuery = z.infer<typeof auditQuery>;
