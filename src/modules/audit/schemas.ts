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

/** PII masking at read (ADR 0010): the stored values need audit:read-unmasked, and each such read is audited. */
export const unmaskedQuery = z.object({
  unmasked: z.enum(['true', 'false']).optional().describe('true: the stored values, without read-time PII masking (needs audit:read-unmasked; audited)'),
});

export const auditEventParams = z.object({
  orgId: z.string(),
  eventId: z.string().regex(/^evt_[0-9a-z]{26}$/, 'must be an audit event id (evt_...)'),
});

export const timelineQuery = auditQuery.extend({
  bucket: z.enum(['hour', 'day']).default('hour').describe('Bucket width; the window defaults to the last 24 hours (hour) or 30 days (day)'),
});

export const timelineSchema = z
  .object({
    bucket: z.enum(['hour', 'day']),
    from: z.string(),
    to: z.string(),
    buckets: z.array(z.object({ start: z.string(), success: z.number().int(), denied: z.number().int(), failed: z.number().int() })),
  })
  .meta({ id: 'AuditTimeline' });

const savedFilters = auditQuery.strict();

export const savedSearchSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    filters: savedFilters,
    shared: z.boolean().describe('Visible to everyone who may read the audit log; otherwise to its owner only'),
    ownerId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'AuditSavedSearch' });

export const createSavedSearchBody = z
  .object({ name: z.string().trim().min(1).max(100), filters: savedFilters, shared: z.boolean().default(false) })
  .strict();

export const updateSavedSearchBody = z
  .object({ name: z.string().trim().min(1).max(100).optional(), filters: savedFilters.optional(), shared: z.boolean().optional() })
  .strict();

export const savedSearchParams = z.object({
  orgId: z.string(),
  searchId: z.string().regex(/^asr_[0-9a-z]{26}$/, 'must be a saved search id (asr_...)'),
});

export type AuditEventView = z.infer<typeof auditEventSchema>;
export type TimelineQuery = z.infer<typeof timelineQuery>;
export type TimelineView = z.infer<typeof timelineSchema>;
export type SavedSearchView = z.infer<typeof savedSearchSchema>;
export type AuditQuery = z.infer<typeof auditQuery>;

// ---- sealing ----

const base64Hash = z.string().describe('A SHA-256 hash, base64');
const treeSize = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const checkpointSchema = z
  .object({
    orgId: z.string(),
    treeSize: z.number().int(),
    rootHash: base64Hash,
    signedAt: z.string(),
    keyId: z.string(),
    signature: z.string().describe('Ed25519 signature of `signedText`, base64'),
    signedText: z.string().describe('The exact text the signature covers'),
  })
  .meta({ id: 'AuditCheckpoint' });

export const inclusionProofSchema = z
  .object({
    eventId: z.string(),
    leafIndex: z.number().int().describe('seq - 1'),
    treeSize: z.number().int(),
    leafData: z
      .string()
      .nullable()
      .describe('The canonical JSON the leaf hashes (RFC 6962 leaf: SHA-256(0x00 || leafData)); null when it holds values masked for you at read (ask with unmasked=true)'),
    leafHash: base64Hash,
    auditPath: z.array(base64Hash).describe('RFC 6962 PATH, leaf to root'),
    checkpoint: checkpointSchema,
  })
  .meta({ id: 'AuditInclusionProof' });

export const consistencyProofSchema = z
  .object({
    fromSize: z.number().int(),
    toSize: z.number().int(),
    proof: z.array(base64Hash).describe('RFC 6962 PROOF(fromSize, toSize)'),
    from: checkpointSchema,
    to: checkpointSchema,
  })
  .meta({ id: 'AuditConsistencyProof' });

export const publicKeySchema = z
  .object({
    keyId: z.string(),
    algorithm: z.literal('Ed25519'),
    publicKey: z.string().describe('SubjectPublicKeyInfo, PEM'),
    createdAt: z.string(),
    retiredAt: z.string().nullable(),
  })
  .meta({ id: 'AuditPublicKey' });

export const proofQuery = unmaskedQuery.extend({
  treeSize: treeSize.optional().describe('The checkpoint to prove against; the latest when absent'),
});

export const consistencyQuery = z.object({
  from: treeSize.describe('Tree size of the older checkpoint'),
  to: treeSize.describe('Tree size of the newer checkpoint'),
});

export type CheckpointView = z.infer<typeof checkpointSchema>;
export type InclusionProofView = z.infer<typeof inclusionProofSchema>;
export type ConsistencyProofView = z.infer<typeof consistencyProofSchema>;
export type PublicKeyView = z.infer<typeof publicKeySchema>;
