import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { Problem } from '../../kernel/http/problems.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, problemSchema, withEtag } from '../../kernel/http/routing.ts';
import type { App } from '../../kernel/http/server.ts';
import { SESSION_COOKIE } from './authenticator.ts';
import {
  apiKeyParams,
  apiKeySchema,
  changePasswordBody,
  createApiKeyBody,
  createdApiKeySchema,
  createGroupBody,
  groupMemberParams,
  groupMemberSchema,
  groupParams,
  groupSchema,
  meSchema,
  rotateApiKeyBody,
  sessionParams,
  sessionSchema,
  signInAnswerSchema,
  signInBody,
  updateGroupBody,
} from './schemas.ts';
import type { IdentityService } from './service.ts';
import type { RequestMeta } from './session-service.ts';

export interface IdentityRouteOptions {
  /** Session cookies carry `Secure` when the console is served over https. */
  secureCookies: boolean;
}

function metaOf(req: FastifyRequest): RequestMeta {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
}

/** A 423 tells clients when to retry in the standard header as well as in the problem body. */
async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Problem && typeof error.extensions.retryAfter === 'number') {
      reply.header('retry-after', String(error.extensions.retryAfter));
    }
    throw error;
  }
}

const withLocked = { ...errorResponses, 423: problemSchema };

export function registerIdentityRoutes(app: App, service: IdentityService, options: IdentityRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookieOptions = { httpOnly: true, sameSite: 'lax', path: '/', secure: options.secureCookies } as const;

  // ---- session ----
  r.post('/api/v1/session', {
    config: { auth: 'public', rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: { tags: ['session'], operationId: 'signIn', summary: 'Sign in with e-mail and password (sets the session cookie, or asks for a second factor)', security: [], body: signInBody, response: { 200: signInAnswerSchema, ...withLocked } },
  }, async (req, reply) => {
    const result = await withRetryAfter(reply, () => service.signIn(req.body, metaOf(req)));
    if ('mfaRequired' in result) return result;
    reply.setCookie(SESSION_COOKIE, result.token, { ...cookieOptions, expires: result.expiresAt });
    return { user: result.user, csrfToken: result.csrfToken, expiresAt: result.expiresAt.toISOString() };
  });

  r.delete('/api/v1/session', {
    schema: { tags: ['session'], operationId: 'signOut', summary: 'Sign out (ends this session)', response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.signOut(principalOf(req));
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.code(204).send(null);
  });

  r.get('/api/v1/me', {
    schema: { tags: ['session'], operationId: 'getMe', summary: 'Who you are signed in as', response: { 200: meSchema, ...errorResponses } },
  }, async (req) => service.me({ ...req.auth!, principal: principalOf(req) }));

  r.get('/api/v1/me/sessions', {
    schema: { tags: ['session'], operationId: 'listMySessions', summary: 'Your live sessions', querystring: pageQuery, response: { 200: pageOf(sessionSchema), ...errorResponses } },
  }, async (req) => service.listMySessions(principalOf(req), req.query));

  r.delete('/api/v1/me/sessions/:sessionId', {
    schema: { tags: ['session'], operationId: 'revokeMySession', summary: 'End one of your sessions', params: sessionParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.revokeMySession(principalOf(req), req.params.sessionId);
    return reply.code(204).send(null);
  });

  r.put('/api/v1/me/password', {
    schema: { tags: ['session'], operationId: 'changeMyPassword', summary: 'Change your password (ends your other sessions)', body: changePasswordBody, response: { 204: z.null(), ...withLocked } },
  }, async (req, reply) => {
    await withRetryAfter(reply, () => service.changePassword(principalOf(req), req.body, metaOf(req)));
    return reply.code(204).send(null);
  });

  // ---- API keys ----
  r.post('/api/v1/orgs/:orgId/api-keys', {
    schema: { tags: ['api-keys'], operationId: 'createApiKey', summary: 'Create an API key (its secret is shown only in this response)', params: orgParams, body: createApiKeyBody, response: { 201: createdApiKeySchema, ...errorResponses } },
  }, async (req, reply) => {
    const created = await service.createApiKey(principalOf(req), req.params.orgId, req.body);
    withEtag(reply, created.apiKey);
    return reply.code(201).send(created);
  });

  r.get('/api/v1/orgs/:orgId/api-keys', {
    schema: { tags: ['api-keys'], operationId: 'listApiKeys', summary: 'List API keys', params: orgParams, querystring: pageQuery, response: { 200: pageOf(apiKeySchema), ...errorResponses } },
  }, async (req) => service.listApiKeys(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/api-keys/:keyId', {
    schema: { tags: ['api-keys'], operationId: 'getApiKey', summary: 'Get an API key', params: apiKeyParams, response: { 200: apiKeySchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getApiKey(principalOf(req), req.params.orgId, req.params.keyId)));

  r.post('/api/v1/orgs/:orgId/api-keys/:keyId/rotate', {
    schema: { tags: ['api-keys'], operationId: 'rotateApiKey', summary: 'Issue a new secret; the old one works until the overlap ends', params: apiKeyParams, body: rotateApiKeyBody, response: { 201: createdApiKeySchema, ...errorResponses } },
  }, async (req, reply) => {
    const rotated = await service.rotateApiKey(principalOf(req), req.params.orgId, req.params.keyId, ifMatchVersion(req), req.body);
    withEtag(reply, rotated.apiKey);
    return reply.code(201).send(rotated);
  });

  r.delete('/api/v1/orgs/:orgId/api-keys/:keyId', {
    schema: { tags: ['api-keys'], operationId: 'revokeApiKey', summary: 'Revoke an API key (it stops working at once)', params: apiKeyParams, response: { 200: apiKeySchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.revokeApiKey(principalOf(req), req.params.orgId, req.params.keyId, ifMatchVersion(req))));

  // ---- groups ----
  r.post('/api/v1/orgs/:orgId/groups', {
    schema: { tags: ['groups'], operationId: 'createGroup', summary: 'Create a group', params: orgParams, body: createGroupBody, response: { 201: groupSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createGroup(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/groups', {
    schema: { tags: ['groups'], operationId: 'listGroups', summary: 'List groups', params: orgParams, querystring: pageQuery, response: { 200: pageOf(groupSchema), ...errorResponses } },
  }, async (req) => service.listGroups(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/groups/:groupId', {
    schema: { tags: ['groups'], operationId: 'getGroup', summary: 'Get a group', params: groupParams, response: { 200: groupSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getGroup(principalOf(req), req.params.orgId, req.params.groupId)));

  r.patch('/api/v1/orgs/:orgId/groups/:groupId', {
    schema: { tags: ['groups'], operationId: 'updateGroup', summary: 'Rename a group or change its description', params: groupParams, body: updateGroupBody, response: { 200: groupSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateGroup(principalOf(req), req.params.orgId, req.params.groupId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/groups/:groupId', {
    schema: { tags: ['groups'], operationId: 'deleteGroup', summary: 'Delete a group and its role bindings', params: groupParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteGroup(principalOf(req), req.params.orgId, req.params.groupId);
    return reply.code(204).send(null);
  });

  r.get('/api/v1/orgs/:orgId/groups/:groupId/members', {
    schema: { tags: ['groups'], operationId: 'listGroupMembers', summary: 'List the members of a group', params: groupParams, querystring: pageQuery, response: { 200: pageOf(groupMemberSchema), ...errorResponses } },
  }, async (req) => service.listGroupMembers(principalOf(req), req.params.orgId, req.params.groupId, req.query));

  r.put('/api/v1/orgs/:orgId/groups/:groupId/members/:userId', {
    schema: { tags: ['groups'], operationId: 'addGroupMember', summary: 'Add a member of the organization to a group', params: groupMemberParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.addGroupMember(principalOf(req), req.params.orgId, req.params.groupId, req.params.userId);
    return reply.code(204).send(null);
  });

  r.delete('/api/v1/orgs/:orgId/groups/:groupId/members/:userId', {
    schema: { tags: ['groups'], operationId: 'removeGroupMember', summary: 'Remove a member from a group', params: groupMemberParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.removeGroupMember(principalOf(req), req.params.orgId, req.params.groupId, req.params.userId);
    return reply.code(204).send(null);
  });
}
