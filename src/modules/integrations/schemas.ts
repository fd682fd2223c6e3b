import { z } from 'zod';
import { idSchema, labelsSchema } from '../../kernel/http/routing.ts';
import { apiUrlProblem, caBundleProblem } from './endpoints.ts';

const nameSchema = z.string().trim().min(1).max(100);

const apiUrlSchema = z
  .string()
  .max(2000)
  .superRefine((value, ctx) => {
    const problem = apiUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('The API server URL: https://, or http:// for a loopback address only');

const caDataSchema = z
  .string()
  .max(64 * 1024)
  .superRefine((value, ctx) => {
    const problem = caBundleProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('PEM CA certificate(s) that signed the API server certificate; null trusts the system store');

const tokenSchema = z
  .string()
  .min(1)
  .max(16 * 1024)
  .regex(/^[\x21-\x7e]+$/, 'must be a bearer token: printable characters, no spaces')
  .describe('A service account bearer token; stored sealed and never returned');

export const clusterStatusSchema = z.enum(['unknown', 'ready', 'unreachable']);

export const clusterSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    apiUrl: z.string(),
    caData: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    status: clusterStatusSchema.describe('From the last connection check: ready, unreachable, or unknown (not checked yet)'),
    statusMessage: z.string().nullable().describe('Why the last check failed'),
    kubernetesVersion: z.string().nullable().describe('The API server version found by the last successful check'),
    checkedAt: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Cluster' });

export const createClusterBody = z
  .object({
    name: nameSchema,
    apiUrl: apiUrlSchema,
    caData: caDataSchema.nullable().default(null),
    token: tokenSchema,
    labels: labelsSchema.default({}),
  })
  .strict();

export const updateClusterBody = z
  .object({ name: nameSchema, apiUrl: apiUrlSchema, caData: caDataSchema.nullable(), token: tokenSchema, labels: labelsSchema })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const clusterParams = z.object({ orgId: z.string(), clusterId: idSchema('cls') });

export const workspaceParams = z.object({ orgId: z.string(), workspaceId: idSchema('ws') });

export const putPlacementBody = z.object({ clusterId: idSchema('cls').describe('The cluster to place the workspace on') }).strict();

export const reconciliationStatusSchema = z.enum(['unplaced', 'pending', 'applied', 'failed', 'deleting']);

export const reconciliationSchema = z
  .object({
    workspaceId: z.string(),
    orgId: z.string(),
    cluster: z.object({ id: z.string(), name: z.string() }).nullable(),
    namespace: z.string().nullable(),
    status: reconciliationStatusSchema.describe(
      'unplaced: on no cluster; pending: the cluster does not show the latest workspace yet; applied: it does; failed: the last attempt failed and will be retried; deleting: the namespace is being removed',
    ),
    generation: z.number().int().nullable().describe('The workspace version Hexaplane wants on the cluster (null once the workspace is deleted)'),
    observedGeneration: z.number().int().nullable().describe('The workspace version last applied'),
    attempts: z.number().int().describe('Failed attempts since the last success'),
    lastError: z.string().nullable(),
    lastAppliedAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'WorkspaceReconciliation' });

export type ClusterView = z.infer<typeof clusterSchema>;
export type ClusterStatus = z.infer<typeof clusterStatusSchema>;
export type ReconciliationView = z.infer<typeof reconciliationSchema>;
export type CreateClusterInput = z.infer<typeof createClusterBody>;
export type UpdateClusterInput = z.infer<typeof updateClusterBody>;

/** What the tenancy module puts on the `workspace.reconcile` outbox topic. */
export const reconcileMessage = z.object({
  orgId: z.string().min(1),
  workspaceId: z.string().min(1),
  deleted: z.boolean().optional(),
  slug: z.string().optional(),
});

export const clusterCheckMessage = z.object({ orgId: z.string().min(1), clusterId: z.string().min(1) });

/** What any module puts on the `notification.email` outbox topic. */
export const emailMessage = z.object({
  to: z.email(),
  subject: z.string().min(1).max(998),
  text: z.string().max(1024 * 1024),
});
