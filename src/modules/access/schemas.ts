import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

const scopeTypeSchema = z.enum(['organization', 'workspace', 'project']);
const nameSchema = z.string().trim().min(1).max(100);
const descriptionSchema = z.string().max(2000);
const actionNameSchema = z.string().min(3).max(100).describe('An action, `noun:verb`');
const patternSchema = z.string().min(1).max(100).describe('An action (`workspace:read`), a pattern (`workspace:*`, `*:read`) or an exclusion (`!workspace:delete`)');

export const roleIdSchema = z
  .string()
  .regex(/^(?:[a-z]+(?:-[a-z]+)+|role_[0-9a-z]{26})$/, 'must be a built-in role id like workspace-viewer or a custom role id role_...')
  .describe('A built-in role id (org-owner, workspace-viewer, ...) or a custom role id (role_...)');

export const actionSchema = z
  .object({
    name: z.string(),
    scope: z.enum(['platform', 'organization', 'workspace', 'project']).describe('The narrowest scope a binding can grant it at'),
    description: z.string(),
  })
  .meta({ id: 'Action' });

export const roleSchema = z
  .object({
    id: z.string(),
    orgId: z.string().nullable().describe('null for built-in roles'),
    name: z.string(),
    description: z.string(),
    scope: scopeTypeSchema,
    actions: z.array(z.string()).describe('Action patterns as written'),
    effectiveActions: z.array(z.string()).describe('The catalog actions the patterns grant today'),
    builtIn: z.boolean(),
    version: z.number().int(),
  })
  .meta({ id: 'Role' });

export const createRoleBody = z
  .object({
    name: nameSchema,
    description: descriptionSchema.default(''),
    scope: scopeTypeSchema.describe('Where the role can be bound: at this scope or above it'),
    actions: z.array(patternSchema).min(1).max(100),
  })
  .strict();

export const updateRoleBody = z
  .object({ name: nameSchema, description: descriptionSchema, actions: z.array(patternSchema).min(1).max(100) })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const roleParams = z.object({ orgId: z.string(), roleId: roleIdSchema });
export const listRolesQuery = z.object({ scope: scopeTypeSchema.optional().describe('Only roles of this scope') });

export const subjectSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), id: idSchema('usr') }).strict(),
  z.object({ type: z.literal('group'), id: idSchema('grp') }).strict(),
]);

export const scopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('organization'), id: z.string().min(1).max(64) }).strict(),
  z.object({ type: z.literal('workspace'), id: idSchema('ws') }).strict(),
  z.object({ type: z.literal('project'), id: idSchema('prj') }).strict(),
]);

export const bindingSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    roleId: z.string(),
    roleName: z.string(),
    subject: z.object({ type: z.enum(['user', 'group']), id: z.string() }),
    scope: z.object({ type: scopeTypeSchema, id: z.string() }),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'RoleBinding' });

export const createBindingBody = z.object({ roleId: roleIdSchema, subject: subjectSchema, scope: scopeSchema }).strict();

export const listBindingsQuery = z.object({
  subjectId: z.string().max(64).optional().describe('Only bindings of this user or group'),
  scopeId: z.string().max(64).optional().describe('Only bindings at this organization, workspace or project'),
  roleId: z.string().max(64).optional().describe('Only bindings of this role'),
});

export const bindingParams = z.object({ orgId: z.string(), bindingId: idSchema('rb') });

const policyTextSchema = z.string().min(1).max(65_536).describe('Cedar policy text: one or more static policies');

export const policySchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    description: z.string(),
    text: z.string(),
    enabled: z.boolean(),
    version: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Policy' });

export const createPolicyBody = z
  .object({ name: nameSchema, description: descriptionSchema.default(''), text: policyTextSchema, enabled: z.boolean().default(true) })
  .strict();

export const updatePolicyBody = z
  .object({ name: nameSchema, description: descriptionSchema, text: policyTextSchema, enabled: z.boolean() })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const policyParams = z.object({ orgId: z.string(), policyId: idSchema('pol') });
export const listPoliciesQuery = z.object({ enabled: z.enum(['true', 'false']).optional().describe('Only enabled (true) or disabled (false) policies') });

export const validatePolicyBody = z.object({ text: policyTextSchema }).strict();

const policyErrorSchema = z.object({ message: z.string(), line: z.number().int().optional(), column: z.number().int().optional() });

export const policyValidationSchema = z
  .object({ valid: z.boolean(), errors: z.array(policyErrorSchema) })
  .meta({ id: 'PolicyValidation' });

export const cedarSchemaSchema = z
  .object({
    cedarSchema: z.string().describe('The Cedar schema, in Cedar schema syntax'),
    entityTypes: z.array(z.string()),
    actions: z.array(z.string()),
  })
  .meta({ id: 'PolicySchema' });

const resourceRefSchema = z
  .object({ type: scopeTypeSchema, id: z.string().min(1).max(64) })
  .strict()
  .describe('The organization, a workspace or a project');

export const checkBody = z
  .object({
    action: actionNameSchema,
    resource: resourceRefSchema,
    principal: z
      .object({ type: z.enum(['user', 'apiKey']), id: z.string().min(1).max(64) })
      .strict()
      .optional()
      .describe('Ask for someone else (needs access:simulate); yourself when absent'),
  })
  .strict();

export const decisionSchema = z.object({ allowed: z.boolean(), reason: z.string() }).meta({ id: 'Decision' });

export const whoCanBody = z.object({ action: actionNameSchema, resource: resourceRefSchema }).strict();

export const whoCanSchema = z
  .object({
    subjects: z.array(
      z.object({ type: z.enum(['user', 'apiKey']), id: z.string(), name: z.string(), via: z.string().describe('The role binding or policy that allows it') }),
    ),
  })
  .meta({ id: 'WhoCan' });

export const whatIfChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('addBinding'), roleId: roleIdSchema, subject: subjectSchema, scope: scopeSchema }).strict(),
  z.object({ kind: z.literal('removeBinding'), bindingId: idSchema('rb') }).strict(),
  z.object({ kind: z.literal('updateRole'), roleId: roleIdSchema, actions: z.array(patternSchema).min(1).max(100) }).strict(),
  z.object({ kind: z.literal('deleteRole'), roleId: roleIdSchema }).strict(),
  z.object({ kind: z.literal('putPolicy'), policyId: idSchema('pol').optional(), text: policyTextSchema }).strict(),
  z.object({ kind: z.literal('deletePolicy'), policyId: idSchema('pol') }).strict(),
]);

export const whatIfBody = z.object({ change: whatIfChangeSchema }).strict();

const namedRef = z.object({ type: z.string(), id: z.string(), name: z.string() });
const accessChangeSchema = z.object({ subject: namedRef, action: z.string(), resource: namedRef, reason: z.string() });

export const whatIfSchema = z
  .object({
    gained: z.array(accessChangeSchema),
    lost: z.array(accessChangeSchema),
    evaluations: z.number().int().describe('Decisions compared (members × actions × resources)'),
    truncated: z.boolean().describe('True when more than 1,000 differences of one kind were found and the list was cut'),
  })
  .meta({ id: 'WhatIf' });

export type RoleView = z.infer<typeof roleSchema>;
export type BindingView = z.infer<typeof bindingSchema>;
export type PolicyView = z.infer<typeof policySchema>;
export type WhatIfChange = z.infer<typeof whatIfChangeSchema>;
export type WhatIfResult = z.infer<typeof whatIfSchema>;
export type AccessChange = z.infer<typeof accessChangeSchema>;
export type SubjectInput = z.infer<typeof subjectSchema>;
export type ScopeInput = z.infer<typeof scopeSchema>;
