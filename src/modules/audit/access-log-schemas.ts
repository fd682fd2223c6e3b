import { z } from 'zod';

export const accessLogEntrySchema = z
  .object({
    id: z.string().describe('Unique within the access log'),
    at: z.string().describe('When the request arrived (ISO 8601)'),
    orgId: z.string().nullable(),
    workspaceId: z.string().nullable(),
    method: z.string(),
    route: z.string().nullable().describe('The route template, e.g. /api/v1/orgs/:orgId/workspaces; null when no route matched'),
    status: z.number().int(),
    latencyMs: z.number(),
    principal: z
      .object({ kind: z.string(), id: z.string(), apiKeyId: z.string().nullable(), sessionId: z.string().nullable() })
      .nullable()
      .describe('Who made the request; null when unauthenticated'),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    bytesIn: z.number().int(),
    bytesOut: z.number().int(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AccessLogEntry' });

const statusFilter = z
  .string()
  .regex(/^[1-5]([0-9]{2}|xx)$/, 'a status (404) or a class (4xx)')
  .describe('A status (404) or a class (4xx)');

const timeRange = {
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive start (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive end (ISO 8601)'),
};

export const accessLogQuery = z.object({
  principalId: z.string().max(64).optional().describe('Only requests by this user or API key'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  route: z.string().max(200).regex(/^\/[A-Za-z0-9/:_.{}*-]*$/, 'a route template or its prefix, e.g. /api/v1/orgs/:orgId/workspaces').optional()
    .describe('A route template or a prefix of one'),
  status: statusFilter.optional(),
  ip: z.string().max(64).regex(/^[0-9A-Fa-f:.]+$/, 'an IPv4 or IPv6 address').optional(),
  ...timeRange,
});

export const accessLogSummaryQuery = z.object({
  ...timeRange,
  bucket: z.enum(['hour', 'day']).default('hour').describe('Bucket width'),
});

export const accessLogBucketSchema = z
  .object({
    start: z.string().describe('Bucket start (ISO 8601, UTC)'),
    total: z.number().int(),
    s2xx: z.number().int(),
    s3xx: z.number().int(),
    s4xx: z.number().int(),
    s5xx: z.number().int(),
  })
  .meta({ id: 'AccessLogBucket' });

export const accessLogSummarySchema = z
  .object({
    from: z.string(),
    to: z.string(),
    bucket: z.enum(['hour', 'day']),
    buckets: z.array(accessLogBucketSchema).describe('Only buckets with requests, oldest first'),
  })
  .meta({ id: 'AccessLogSummary' });

export type AccessLogEntryView = z.infer<typeof accessLogEntrySchema>;
export type AccessLogQuery = z.infer<typeof accessLogQuery>;
export type AccessLogSummaryQuery = z.infer<typeof accessLogSummaryQuery>;
export type AccessLogSummaryView = z.infer<typeof accessLogSummarySchema>;
