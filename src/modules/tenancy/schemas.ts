import { z } from 'zod';
import { idSchema, labelsSchema, slugSchema } from '../../kernel/http/routing.ts';
import { parseBytes, parseCpuMillis } from './quantity.ts';

const timeZones = new Set(Intl.supportedValuesOf('timeZone').concat(['UTC']));

export const timeZoneSchema = z.string().refine((tz) => timeZones.has(tz), 'must be an IANA time zone, like Asia/Tokyo');
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code, like USD');

const nameSchema = z.string().trim().min(1).max(100);
const descriptionSchema = z.string().max(2000);

export const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    timeZone: z.string(),
    currency: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Organization' });

export const createOrganizationBody = z
  .object({
    name: nameSchema,
    slug: slugSchema,
    timeZone: timeZoneSchema.default('UTC'),
    currency: currencySchema.default('USD'),
  })
  .strict();

export const updateOrganizationBody = z
  .object({ name: nameSchema, timeZone: timeZoneSchema, currency: currencySchema })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

const cpuQuantity = z
  .string()
  .max(32)
  .refine((v) => parseCpuMillis(v) !== null, 'must be a CPU quantity like "8" or "500m"');
const byteQuantity = z
  .string()
  .max(32)
  .refine((v) => parseBytes(v) !== null, 'must be a byte quantity like "32Gi" or "500Mi"');

/** Quotas as Kubernetes quantities; null (or absent) means no limit at this level. */
export const quotaSchema = z
  .object({
    cpu: cpuQuantity.nullable().optional(),
    memory: byteQuantity.nullable().optional(),
    storage: byteQuantity.nullable().optional(),
    pods: z.number().int().min(0).max(1_000_000).nullable().optional(),
  })
  .strict()
  .meta({ id: 'Quota' });

export const quotaView = z.object({
  cpu: z.string().nullable(),
  memory: z.string().nullable(),
  storage: z.string().nullable(),
  pods: z.number().int().nullable(),
});

/** What workspaces and projects share: both are named, labelled, quota-holding scopes. */
const scopeFields = {
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  labels: z.record(z.string(), z.string()),
  quota: quotaView,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

const createScopeFields = {
  name: nameSchema,
  slug: slugSchema,
  description: descriptionSchema.default(''),
  labels: labelsSchema.default({}),
  quota: quotaSchema.optional(),
};

export const workspaceSchema = z.object(scopeFields).meta({ id: 'Workspace' });

export const createWorkspaceBody = z.object(createScopeFields).strict();

export const updateWorkspaceBody = z
  .object({ name: nameSchema, description: descriptionSchema, labels: labelsSchema })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const workspaceParams = z.object({ orgId: z.string(), workspaceId: idSchema('ws') });

export const listWorkspacesQuery = z.object({
  label: z
    .string()
    .max(200)
    .regex(/^[^=]+=[^=]*$/, 'must be key=value')
    .optional()
    .describe('Only workspaces with this label, as key=value'),
  q: z.string().max(100).optional().describe('Only workspaces whose name or slug contains this text'),
});

export const projectSchema = z.object({ ...scopeFields, workspaceId: z.string() }).meta({ id: 'Project' });

export const createProjectBody = z.object({ workspaceId: idSchema('ws'), ...createScopeFields }).strict();

export const updateProjectBody = updateWorkspaceBody;

export const projectParams = z.object({ orgId: z.string(), projectId: idSchema('prj') });

export const listProjectsQuery = z.object({
  workspaceId: idSchema('ws').optional().describe('Only projects in this workspace'),
});

export const memberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    displayName: z.string(),
    joinedAt: z.string(),
  })
  .meta({ id: 'Member' });

export const memberParams = z.object({ orgId: z.string(), userId: idSchema('usr') });

export const invitationSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    email: z.string(),
    roleId: z.string(),
    workspaceId: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invitedBy: z.string(),
    expiresAt: z.string(),
    createdAt: z.string(),
    acceptedAt: z.string().nullable(),
  })
  .meta({ id: 'Invitation' });

export const createInvitationBody = z
  .object({
    email: z.email().max(254),
    roleId: z.string().min(1).max(64).describe('The role granted on acceptance: a built-in role name or a custom role id'),
    workspaceId: idSchema('ws').optional().describe('Grant the role in this workspace instead of the organization'),
    expiresInHours: z.number().int().min(1).max(24 * 30).default(72),
  })
  .strict();

export const createdInvitationSchema = invitationSchema
  .extend({ acceptUrl: z.string().describe('The link the invitee opens; shown only once') })
  .meta({ id: 'CreatedInvitation' });

export const invitationParams = z.object({ orgId: z.string(), invitationId: idSchema('inv') });

export const acceptInvitationBody = z
  .object({
    token: z.string().min(20).max(200),
    displayName: z.string().trim().min(1).max(100).optional(),
    password: z.string().min(1).max(1000).optional().describe('Required when the invitee has no account yet'),
  })
  .strict();

export const acceptedInvitationSchema = z.object({ orgId: z.string(), userId: z.string(), email: z.string() });

export type OrganizationView = z.infer<typeof organizationSchema>;
export type WorkspaceView = z.infer<typeof workspaceSchema>;
export type ProjectView = z.infer<typeof projectSchema>;
export type MemberView = z.infer<typeof memberSchema>;
export type InvitationView = z.infer<typeof invitationSchema>;
export type QuotaInput = z.infer<typeof quotaSchema>;
