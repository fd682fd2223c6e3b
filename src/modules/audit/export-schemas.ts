import { z } from 'zod';
import { auditQuery, checkpointSchema } from './schemas.ts';

/** The search filters an export may apply (the audit search's, minus paging). */
export const exportFilters = auditQuery.strict();

export const createExportBody = z
  .object({
    format: z.enum(['jsonl', 'csv']).default('jsonl'),
    filters: exportFilters.default({}).describe('Without filters the export is complete: every event of the seq range, so verify also proves none is missing'),
    fromSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('First seq of a complete export (default 1)'),
    treeSize: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('The checkpoint to tie the export to; the latest when absent'),
    unmasked: z.boolean().default(false).describe('Stored values, without read-time PII masking: needs audit:read-unmasked (recorded)'),
  })
  .strict();

const exportCheckpointSchema = z.object({
  orgId: z.string(),
  treeSize: z.number().int(),
  rootHash: z.string(),
  signedAt: z.string(),
  keyId: z.string(),
  signature: z.string(),
});

export const exportManifestSchema = z
  .object({
    version: z.literal('hexaplane.audit.export/v1'),
    exportId: z.string(),
    orgId: z.string(),
    format: z.enum(['jsonl', 'csv']),
    filters: z.record(z.string(), z.string()),
    complete: z.boolean(),
    masked: z.boolean().describe('Read-time PII rules applied; a masked line carries its sealed leaf hash, and verify checks its position only'),
    maskedEvents: z.number().int(),
    range: z.object({ fromSeq: z.number().int(), toSeq: z.number().int() }),
    eventCount: z.number().int(),
    file: z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int() }),
    checkpoint: exportCheckpointSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    keyId: z.string(),
    signature: z.string().describe('Ed25519 over "hexaplane.audit.export/v1\\n" + the canonical JSON of the manifest without `signature`, base64'),
  })
  .meta({ id: 'AuditExportManifest' });

export const auditExportSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    format: z.enum(['jsonl', 'csv']),
    filters: z.record(z.string(), z.string()),
    complete: z.boolean(),
    fromSeq: z.number().int(),
    toSeq: z.number().int(),
    eventCount: z.number().int(),
    sha256: z.string(),
    bytes: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    manifest: exportManifestSchema,
  })
  .meta({ id: 'AuditExport' });

export const exportProofSchema = z
  .object({
    prefix: z.object({ size: z.number().int(), nodes: z.array(z.object({ level: z.number().int(), hash: z.string() })) }),
    leafHashes: z.array(z.string()),
    purged: z.array(z.object({ seq: z.number().int(), eventId: z.string(), runId: z.string() })),
    checkpoint: exportCheckpointSchema,
    publicKeys: z.array(z.object({ keyId: z.string(), publicKey: z.string() })),
  })
  .meta({ id: 'AuditExportProof' });

export const exportParams = z.object({
  orgId: z.string(),
  exportId: z.string().regex(/^aex_[0-9a-z]{26}$/, 'must be an audit export id (aex_...)'),
});

export { checkpointSchema };
export type CreateExportBody = z.infer<typeof createExportBody>;
export type AuditExportView = z.infer<typeof auditExportSchema>;
export type ExportProofView = z.infer<typeof exportProofSchema>;
