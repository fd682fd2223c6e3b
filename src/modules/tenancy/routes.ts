import { z } from 'zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  acceptInvitationBody,
  acceptedInvitationSchema,
  createInvitationBody,
  createOrganizationBody,
  createProjectBody,
  createWorkspaceBody,
  createdInvitationSchema,
  invitationParams,
  invitationSchema,
  listProjectsQuery,
  listWorkspacesQuery,
  memberParams,
  memberSchema,
  organizationSchema,
  projectParams,
  projectSchema,
  quotaSchema,
  updateOrganizationBody,
  updateProjectBody,
  updateWorkspaceBody,
  workspaceParams,
  workspaceSchema,
} from './schemas.ts';
import type { TenancyService } from './service.ts';

export function registerTenancyRoutes(app: App, service: TenancyService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // ---- organizations ----
  r.post('/api/v1/orgs', {
    schema: { tags: ['organizations'], operationId: 'createOrganization', summary: 'Create an organization (platform administrators)', body: createOrganizationBody, response: { 201: organizationSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createOrganization(principalOf(req), req.body))));

  r.get('/api/v1/orgs', {
    schema: { tags: ['organizations'], operationId: 'listOrganizations', summary: 'Organizations you belong to', querystring: pageQuery, response: { 200: pageOf(organizationSchema), ...errorResponses } },
  }, async (req) => service.listOrganizations(principalOf(req), req.query));

  r.get('/api/v1/orgs/:orgId', {
    schema: { tags: ['organizations'], operationId: 'getOrganization', summary: 'Get an organization', params: orgParams, response: { 200: organizationSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getOrganization(principalOf(req), req.params.orgId)));

  r.patch('/api/v1/orgs/:orgId', {
    schema: { tags: ['organizations'], operationId: 'updateOrganization', summary: 'Change an organization', params: orgParams, body: updateOrganizationBody, response: { 200: organizationSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateOrganization(principalOf(req), req.params.orgId, ifMatchVersion(req), req.body)));

  // ---- workspaces ----
  r.post('/api/v1/orgs/:orgId/workspaces', {
    schema: { tags: ['workspaces'], operationId: 'createWorkspace', summary: 'Create a workspace', params: orgParams, body: createWorkspaceBody, response: { 201: workspaceSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createWorkspace(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/workspaces', {
    schema: { tags: ['workspaces'], operationId: 'listWorkspaces', summary: 'List the workspaces you may see', params: orgParams, querystring: pageQuery.extend(listWorkspacesQuery.shape), response: { 200: pageOf(workspaceSchema), ...errorResponses } },
  }, async (req) => service.listWorkspaces(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/workspaces/:workspaceId', {
    schema: { tags: ['workspaces'], operationId: 'getWorkspace', summary: 'Get a workspace', params: workspaceParams, response: { 200: workspaceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getWorkspace(principalOf(req), req.params.orgId, req.params.workspaceId)));

  r.patch('/api/v1/orgs/:orgId/workspaces/:workspaceId', {
    schema: { tags: ['workspaces'], operationId: 'updateWorkspace', summary: 'Change a workspace', params: workspaceParams, body: updateWorkspaceBody, response: { 200: workspaceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateWorkspace(principalOf(req), req.params.orgId, req.params.workspaceId, ifMatchVersion(req), req.body)));

  r.put('/api/v1/orgs/:orgId/workspaces/:workspaceId/quota', {
    schema: { tags: ['workspaces'], operationId: 'setWorkspaceQuota', summary: 'Set the resource quota of a workspace', params: workspaceParams, body: quotaSchema, response: { 200: workspaceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.setWorkspaceQuota(principalOf(req), req.params.orgId, req.params.workspaceId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/workspaces/:workspaceId', {
    schema: { tags: ['workspaces'], operationId: 'deleteWorkspace', summary: 'Delete an empty workspace', params: workspaceParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteWorkspace(principalOf(req), req.params.orgId, req.params.workspaceId);
    return reply.code(204).send(null);
  });

  // ---- projects ----
  r.post('/api/v1/orgs/:orgId/projects', {
    schema: { tags: ['projects'], operationId: 'createProject', summary: 'Create a project in a workspace', params: orgParams, body: createProjectBody, response: { 201: projectSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createProject(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/projects', {
    schema: { tags: ['projects'], operationId: 'listProjects', summary: 'List the projects you may see', params: orgParams, querystring: pageQuery.extend(listProjectsQuery.shape), response: { 200: pageOf(projectSchema), ...errorResponses } },
  }, async (req) => service.listProjects(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/projects/:projectId', {
    schema: { tags: ['projects'], operationId: 'getProject', summary: 'Get a project', params: projectParams, response: { 200: projectSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getProject(principalOf(req), req.params.orgId, req.params.projectId)));

  r.patch('/api/v1/orgs/:orgId/projects/:projectId', {
    schema: { tags: ['projects'], operationId: 'updateProject', summary: 'Change a project', params: projectParams, body: updateProjectBody, response: { 200: projectSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateProject(principalOf(req), req.params.orgId, req.params.projectId, ifMatchVersion(req), req.body)));

  r.put('/api/v1/orgs/:orgId/projects/:projectId/quota', {
    schema: { tags: ['projects'], operationId: 'setProjectQuota', summary: 'Set the resource quota of a project (must fit in its workspace)', params: projectParams, body: quotaSchema, response: { 200: projectSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.setProjectQuota(principalOf(req), req.params.orgId, req.params.projectId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/projects/:projectId', {
    schema: { tags: ['projects'], operationId: 'deleteProject', summary: 'Delete a project', params: projectParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteProject(principalOf(req), req.params.orgId, req.params.projectId);
    return reply.code(204).send(null);
  });

  // ---- members and invitations ----
  r.get('/api/v1/orgs/:orgId/members', {
    schema: { tags: ['members'], operationId: 'listMembers', summary: 'List members', params: orgParams, querystring: pageQuery, response: { 200: pageOf(memberSchema), ...errorResponses } },
  }, async (req) => service.listMembers(principalOf(req), req.params.orgId, req.query));

  r.delete('/api/v1/orgs/:orgId/members/:userId', {
    schema: { tags: ['members'], operationId: 'removeMember', summary: 'Remove a member, their role bindings, sessions and keys in this org', params: memberParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.removeMember(principalOf(req), req.params.orgId, req.params.userId);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/invitations', {
    schema: { tags: ['members'], operationId: 'createInvitation', summary: 'Invite someone by e-mail', params: orgParams, body: createInvitationBody, response: { 201: createdInvitationSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await service.createInvitation(principalOf(req), req.params.orgId, req.body)));

  r.get('/api/v1/orgs/:orgId/invitations', {
    schema: {
      tags: ['members'], operationId: 'listInvitations', summary: 'List invitations', params: orgParams,
      querystring: pageQuery.extend({ status: z.enum(['pending', 'accepted', 'revoked', 'expired']).optional() }),
      response: { 200: pageOf(invitationSchema), ...errorResponses },
    },
  }, async (req) => service.listInvitations(principalOf(req), req.params.orgId, req.query));

  r.delete('/api/v1/orgs/:orgId/invitations/:invitationId', {
    schema: { tags: ['members'], operationId: 'revokeInvitation', summary: 'Revoke a pending invitation', params: invitationParams, response: { 200: invitationSchema, ...errorResponses } },
  }, async (req) => service.revokeInvitation(principalOf(req), req.params.orgId, req.params.invitationId));

  r.post('/api/v1/invitations/accept', {
    config: { auth: 'public' },
    schema: { tags: ['members'], operationId: 'acceptInvitation', summary: 'Accept an invitation with the token from its link', security: [], body: acceptInvitationBody, response: { 200: acceptedInvitationSchema, ...errorResponses } },
  }, async (req) =>
    service.acceptInvitation(req.auth ? principalOf(req) : null, req.body, {
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? null,
      requestId: req.id,
    }),
  );
}
