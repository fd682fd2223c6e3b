import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

/** SIEM streams (ADR 0007): the API contract. Secrets are write-only; views carry `has…` flags. */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const severitySchema = z.enum(SEVERITIES).describe('info < low < medium < high < critical (docs/audit.md: the mapping)');
export type Severity = z.infer<typeof severitySchema>;

export const STREAM_KINDS = ['splunk-hec', 'datadog', 'syslog', 'https', 'ocsf-file'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

const httpUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
  .max(2048)
  .describe('http(s) URL of the receiver');
const pem = z
  .string()
  .max(65_536)
  .regex(/-----BEGIN [A-Z0-9 ]+-----/, 'must be PEM text')
  .describe('PEM text');
const hostname = z.string().min(1).max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or IP address');
const label = (max = 128) => z.string().min(1).max(max).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const secret = (what: string) => z.string().min(8).max(4096).describe(`${what} (write-only: never returned)`);

const splunkHec = z
  .object({
    kind: z.literal('splunk-hec'),
    url: httpUrl.describe('HEC base URL, e.g. https://splunk.example.com:8088 (events go to /services/collector/event)'),
    token: secret('HEC token').optional(),
    index: label(80).optional(),
    source: label(200).optional(),
    sourcetype: label(200).optional(),
    caPem: pem.optional().describe('CA certificate(s) to verify the receiver; system CAs when absent'),
  })
  .strict();

const datadog = z
  .object({
    kind: z.literal('datadog'),
    url: httpUrl.describe('Logs intake site, e.g. https://http-intake.logs.datadoghq.eu (logs go to /api/v2/logs)'),
    apiKey: secret('Datadog API key').optional(),
    service: label(100).optional(),
    tags: z.array(z.string().min(1).max(200).regex(/^[^,\s]+$/, 'a tag without commas or spaces')).max(50).optional(),
    caPem: pem.optional(),
  })
  .strict();

const syslog = z
  .object({
    kind: z.literal('syslog'),
    host: hostname,
    port: z.number().int().min(1).max(65535).default(6514),
    format: z.enum(['json', 'cef']).default('json').describe('The MSG part: a JSON event or an ArcSight CEF line'),
    caPem: pem.optional().describe('CA certificate(s) to verify the server; system CAs when absent'),
    clientCertPem: pem.optional().describe('Client certificate for mutual TLS'),
    clientKeyPem: secret('Client private key (PEM)').optional(),
    appName: label(48).optional(),
  })
  .strict();

const https = z
  .object({
    kind: z.literal('https'),
    url: httpUrl.describe('Receives POSTs of NDJSON batches, signed with HMAC-SHA256'),
    hmacSecret: secret('HMAC-SHA256 key').optional(),
    caPem: pem.optional(),
  })
  .strict();

const ocsfFile = z
  .object({
    kind: z.literal('ocsf-file'),
    directory: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'a relative path of plain names, under the operator\'s SIEM file root')
      .describe('Sub-directory of the operator-configured root (HEXAPLANE_AUDIT_FILE_SINK_DIR) that receives NDJSON files'),
  })
  .strict();

export const destinationInput = z.discriminatedUnion('kind', [splunkHec, datadog, syslog, https, ocsfFile]);
export type DestinationInput = z.infer<typeof destinationInput>;

/** The stored destination: what the input holds without its secrets. */
export type DestinationConfig =
  | Omit<z.infer<typeof splunkHec>, 'token'>
  | Omit<z.infer<typeof datadog>, 'apiKey'>
  | Omit<z.infer<typeof syslog>, 'clientKeyPem'>
  | Omit<z.infer<typeof https>, 'hmacSecret'>
  | z.infer<typeof ocsfFile>;

/** The secrets of a stream, sealed together as one JSON document. */
export interface StreamSecrets {
  token?: string;
  apiKey?: string;
  hmacSecret?: string;
  clientKeyPem?: string;
}

export const destinationView = z
  .object({
    kind: z.enum(STREAM_KINDS),
    url: z.string().optional(),
    host: z.string().optional(),
    port: z.number().int().optional(),
    format: z.enum(['json', 'cef']).optional(),
    index: z.string().optional(),
    source: z.string().optional(),
    sourcetype: z.string().optional(),
    service: z.string().optional(),
    tags: z.array(z.string()).optional(),
    appName: z.string().optional(),
    directory: z.string().optional(),
    caPem: z.string().optional(),
    clientCertPem: z.string().optional(),
    hasToken: z.boolean().optional(),
    hasApiKey: z.boolean().optional(),
    hasHmacSecret: z.boolean().optional(),
    hasClientKey: z.boolean().optional(),
  })
  .meta({ id: 'AuditStreamDestination' });

export const filtersSchema = z
  .object({
    minSeverity: severitySchema.default('info'),
    actionPrefixes: z.array(z.string().min(1).max(64).regex(/^[a-z*:-]+$/, 'an action or a prefix like "workspace:"')).max(50).default([]).describe('Only these actions (prefixes); all when empty'),
    workspaceIds: z.array(idSchema('ws')).max(100).default([]).describe('Only events in these workspaces; all when empty'),
  })
  .strict()
  .meta({ id: 'AuditStreamFilters' });
export type StreamFilters = z.infer<typeof filtersSchema>;

export const batchSchema = z
  .object({
    maxEvents: z.number().int().min(1).max(10_000).default(500),
    maxWaitMs: z.number().int().min(0).max(60_000).default(200).describe('How long a partial batch may wait for more events'),
  })
  .strict()
  .meta({ id: 'AuditStreamBatch' });

export const createStreamBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    destination: destinationInput,
    filters: filtersSchema.default({ minSeverity: 'info', actionPrefixes: [], workspaceIds: [] }),
    batch: batchSchema.default({ maxEvents: 500, maxWaitMs: 200 }),
    maxAttempts: z.number().int().min(1).max(1000).default(10).describe('Consecutive failures before the stream goes to dead_letter'),
  })
  .strict();
export type CreateStreamInput = z.infer<typeof createStreamBody>;

export const updateStreamBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    // Replaces the destination (same kind); omitted secrets are kept.
    destination: destinationInput.optional(),
    filters: filtersSchema.optional(),
    batch: batchSchema.optional(),
    maxAttempts: z.number().int().min(1).max(1000).optional(),
    status: z.enum(['active', 'paused']).optional().describe('Pause or restart delivery (use resume to leave dead_letter)'),
  })
  .strict();
export type UpdateStreamInput = z.infer<typeof updateStreamBody>;

export const replayBody = z
  .object({ fromSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('Deliver again from this seq on (the cursor becomes fromSeq - 1)') })
  .strict();

export const streamHealthSchema = z
  .object({
    cursor: z.number().int().describe('The last seq delivered (or skipped by the filters)'),
    sealedCount: z.number().int().describe('Sealed events of the organization (latest seq)'),
    lag: z.number().int().describe('sealedCount - cursor'),
    deliveredCount: z.number().int(),
    lastDeliveredAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    nextAttemptAt: z.string().nullable(),
  })
  .meta({ id: 'AuditStreamHealth' });

export const streamSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    kind: z.enum(STREAM_KINDS),
    destination: destinationView,
    filters: z.object({ minSeverity: severitySchema, actionPrefixes: z.array(z.string()), workspaceIds: z.array(z.string()) }),
    batch: z.object({ maxEvents: z.number().int(), maxWaitMs: z.number().int() }),
    maxAttempts: z.number().int(),
    status: z.enum(['active', 'paused', 'dead_letter']),
    health: streamHealthSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'AuditStream' });
export type StreamView = z.infer<typeof streamSchema>;

export const streamTestResultSchema = z
  .object({
    ok: z.boolean(),
    durationMs: z.number(),
    error: z.string().nullable(),
  })
  .meta({ id: 'AuditStreamTestResult' });

export const streamParams = z.object({ orgId: z.string(), streamId: idSchema('ast') });
