import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  actionSchema,
  bindingParams,
  bindingSchema,
  cedarSchemaSchema,
  checkBody,
  createBindingBody,
  createPolicyBody,
  createRoleBody,
  decisionSchema,
  listBindingsQuery,
  listPoliciesQuery,
  listRolesQuery,
  policyParams,
  policySchema,
  policyValidationSchema,
  roleParams,
  roleSchema,
  updatePolicyBody,
  updateRoleBody,
  validatePolicyBody,
  whatIfBody,
  whatIfSchema,
  whoCanBody,
  whoCanSchema,
} from './schemas.ts';
import type { AccessService } from './service.ts';

export function registerAccessRoutes(app: App, service: AccessService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/actions', {
    schema: { tags: ['access'], operationId: 'listActions', summary: 'The action catalog: every action a role or policy can name', params: orgParams, querystring: pageQuery, response: { 200: pageOf(actionSchema), ...errorResponses } },
  }, async (req) => service.listActions(principalOf(req), req.params.orgId, req.query));

  // ---- roles ----
  r.get('/api/v1/orgs/:orgId/roles', {
    schema: { tags: ['access'], operationId: 'listRoles', summary: 'List built-in and custom roles', params: orgParams, querystring: pageQuery.extend(listRolesQuery.shape), response: { 200: pageOf(roleSchema), ...errorResponses } },
  }, async (req) => service.listRoles(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/roles', {
    schema: { tags: ['access'], operationId: 'createRole', summary: 'Create a custom role', params: orgParams, body: createRoleBody, response: { 201: roleSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createRole(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/roles/:roleId', {
    schema: { tags: ['access'], operationId: 'getRole', summary: 'Get a role', params: roleParams, response: { 200: roleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getRole(principalOf(req), req.params.orgId, req.params.roleId)));

  r.patch('/api/v1/orgs/:orgId/roles/:roleId', {
    schema: { tags: ['access'], operationId: 'updateRole', summary: 'Change a custom role (you can add only actions you hold org-wide)', params: roleParams, body: updateRoleBody, response: { 200: roleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateRole(principalOf(req), req.params.orgId, req.params.roleId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/roles/:roleId', {
    schema: { tags: ['access'], operationId: 'deleteRole', summary: 'Delete a custom role that has no bindings', params: roleParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteRole(principalOf(req), req.params.orgId, req.params.roleId);
    return reply.code(204).send(null);
  });

  // ---- bindings ----
  r.get('/api/v1/orgs/:orgId/role-bindings', {
    schema: { tags: ['access'], operationId: 'listRoleBindings', summary: 'List the role bindings you may see', params: orgParams, querystring: pageQuery.extend(listBindingsQuery.shape), response: { 200: pageOf(bindingSchema), ...errorResponses } },
  }, async (req) => service.listBindings(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/role-bindings', {
    schema: { tags: ['access'], operationId: 'createRoleBinding', summary: 'Grant a role to a user or group at a scope (only actions you hold there yourself)', params: orgParams, body: createBindingBody, response: { 201: bindingSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await service.createBinding(principalOf(req), req.params.orgId, req.body)));

  r.delete('/api/v1/orgs/:orgId/role-bindings/:bindingId', {
    schema: { tags: ['access'], operationId: 'deleteRoleBinding', summary: 'Remove a role binding', params: bindingParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteBinding(principalOf(req), req.params.orgId, req.params.bindingId);
    return reply.code(204).send(null);
  });

  // ---- policies ----
  r.get('/api/v1/orgs/:orgId/policies', {
    schema: { tags: ['access'], operationId: 'listPolicies', summary: 'List Cedar policies', params: orgParams, querystring: pageQuery.extend(listPoliciesQuery.shape), response: { 200: pageOf(policySchema), ...errorResponses } },
  }, async (req) => service.listPolicies(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/policies', {
    schema: { tags: ['access'], operationId: 'createPolicy', summary: 'Create a Cedar policy (validated against the schema)', params: orgParams, body: createPolicyBody, response: { 201: policySchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createPolicy(principalOf(req), req.params.orgId, req.body))));

  r.post('/api/v1/orgs/:orgId/policies/validate', {
    schema: { tags: ['access'], operationId: 'validatePolicy', summary: 'Check Cedar policy text against the schema without saving it', params: orgParams, body: validatePolicyBody, response: { 200: policyValidationSchema, ...errorResponses } },
  }, async (req) => service.validatePolicy(principalOf(req), req.params.orgId, req.body.text));

  r.get('/api/v1/orgs/:orgId/policies/schema', {
    schema: { tags: ['access'], operationId: 'getPolicySchema', summary: 'The Cedar schema policies are validated against', params: orgParams, response: { 200: cedarSchemaSchema, ...errorResponses } },
  }, async (req) => service.policySchema(principalOf(req), req.params.orgId));

  r.get('/api/v1/orgs/:orgId/policies/:policyId', {
    schema: { tags: ['access'], operationId: 'getPolicy', summary: 'Get a Cedar policy', params: policyParams, response: { 200: policySchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getPolicy(principalOf(req), req.params.orgId, req.params.policyId)));

  r.patch('/api/v1/orgs/:orgId/policies/:policyId', {
    schema: { tags: ['access'], operationId: 'updatePolicy', summary: 'Change, enable or disable a Cedar policy', params: policyParams, body: updatePolicyBody, response: { 200: policySchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updatePolicy(principalOf(req), req.params.orgId, req.params.policyId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/policies/:policyId', {
    schema: { tags: ['access'], operationId: 'deletePolicy', summary: 'Delete a Cedar policy', params: policyParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deletePolicy(principalOf(req), req.params.orgId, req.params.policyId);
    return reply.code(204).send(null);
  });

  // ---- questions ----
  r.post('/api/v1/orgs/:orgId/authz/check', {
    schema: { tags: ['access'], operationId: 'checkAccess', summary: 'May you (or someone else: access:simulate) do an action on a resource?', params: orgParams, body: checkBody, response: { 200: decisionSchema, ...errorResponses } },
  }, async (req) => service.check(principalOf(req), req.params.orgId, req.body));

  r.post('/api/v1/orgs/:orgId/authz/who-can', {
    schema: { tags: ['access'], operationId: 'whoCan', summary: 'The members and API keys that may do an action on a resource', params: orgParams, body: whoCanBody, response: { 200: whoCanSchema, ...errorResponses } },
  }, async (req) => service.whoCan(principalOf(req), req.params.orgId, req.body));

  r.post('/api/v1/orgs/:orgId/authz/what-if', {
    schema: { tags: ['access'], operationId: 'whatIf', summary: 'Who would gain or lose access if a role, binding or policy changed', params: orgParams, body: whatIfBody, response: { 200: whatIfSchema, ...errorResponses } },
  }, async (req) => service.whatIf(principalOf(req), req.params.orgId, req.body.change));
}
