import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { Problem } from '../../kernel/http/problems.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import type { App } from '../../kernel/http/server.ts';
import { ScimError, type ScimType } from './scim-errors.ts';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from './scim-resources.ts';
import { createdScimTokenSchema, createScimTokenBody, rotateScimTokenBody, scimTokenParams, scimTokenSchema } from './scim-schemas.ts';
import { SCIM_MAX_RESULTS, versionOfEtag, type ListQuery } from './scim-service.ts';
import { SCIM_BASE_PATH } from './scim-token-service.ts';
import type { IdentityService } from './service.ts';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

// ---- /api/v1: SCIM tokens (problem+json like the rest of the API) ----

function registerScimTokenRoutes(app: App, service: IdentityService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['scim'];

  r.post('/api/v1/orgs/:orgId/scim-tokens', {
    schema: { tags, operationId: 'createScimToken', summary: 'Create a SCIM token (shown only in this response, with the SCIM base URL)', params: orgParams, body: createScimTokenBody, response: { 201: createdScimTokenSchema, ...errorResponses } },
  }, async (req, reply) => {
    const created = await service.createScimToken(principalOf(req), req.params.orgId, req.body);
    withEtag(reply, created.scimToken);
    return reply.code(201).send(created);
  });

  r.get('/api/v1/orgs/:orgId/scim-tokens', {
    schema: { tags, operationId: 'listScimTokens', summary: 'List SCIM tokens', params: orgParams, querystring: pageQuery, response: { 200: pageOf(scimTokenSchema), ...errorResponses } },
  }, async (req) => service.listScimTokens(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/scim-tokens/:tokenId/rotate', {
    schema: { tags, operationId: 'rotateScimToken', summary: 'Issue a new SCIM token; the old one works until the overlap ends', params: scimTokenParams, body: rotateScimTokenBody, response: { 201: createdScimTokenSchema, ...errorResponses } },
  }, async (req, reply) => {
    const rotated = await service.rotateScimToken(principalOf(req), req.params.orgId, req.params.tokenId, ifMatchVersion(req), req.body);
    withEtag(reply, rotated.scimToken);
    return reply.code(201).send(rotated);
  });

  r.delete('/api/v1/orgs/:orgId/scim-tokens/:tokenId', {
    schema: { tags, operationId: 'revokeScimToken', summary: 'Revoke a SCIM token (it stops working at once)', params: scimTokenParams, response: { 200: scimTokenSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.revokeScimToken(principalOf(req), req.params.orgId, req.params.tokenId, ifMatchVersion(req))));
}

// ---- /scim/v2: RFC 7644, with SCIM's own media type and error shape (ADR 0012) ----

const listQuery = z.object({
  filter: z.string().max(4000).optional(),
  startIndex: z.coerce.number().int().catch(1).default(1),
  count: z.coerce.number().int().catch(100).default(100),
  excludedAttributes: z.string().max(1000).optional(),
  attributes: z.string().max(1000).optional(),
});

function listQueryOf(req: FastifyRequest): ListQuery {
  const parsed = listQuery.safeParse(req.query);
  if (!parsed.success) throw new ScimError(400, 'invalidValue', 'The query parameters are not valid.');
  const q = parsed.data;
  return { filter: q.filter, startIndex: q.startIndex, count: q.count, excludeMembers: excludesMembers(q.excludedAttributes) };
}

const excludesMembers = (excluded: string | undefined) => (excluded ?? '').toLowerCase().split(',').some((a) => a.trim() === 'members');

const idParam = z.object({ id: z.string().min(1).max(64) });
function idOf(req: FastifyRequest): string {
  const parsed = idParam.safeParse(req.params);
  if (!parsed.success) throw new ScimError(404, null, 'Not found.');
  return parsed.data.id;
}

const ifMatch = (req: FastifyRequest) => versionOfEtag(typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined);

function send(reply: FastifyReply, status: number, resource: object | null) {
  const version = (resource as { meta?: { version?: string } } | null)?.meta?.version;
  if (version) reply.header('etag', version);
  if (resource === null) return reply.code(204).send();
  return reply.code(status).type(SCIM_JSON).send(JSON.stringify(resource));
}

/** Errors from the kernel (401, 429, validation) and services, in SCIM's shape. */
function scimErrorOf(error: unknown, request: FastifyRequest): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof Problem) {
    const scimType: ScimType | null = error.status === 409 ? 'uniqueness' : error.status === 400 ? 'invalidValue' : null;
    return new ScimError(error.status, scimType, error.detail);
  }
  const e = error as FastifyError;
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON.');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ScimError(415, null, 'Send application/scim+json or application/json.');
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ScimError(413, null, 'The request body is larger than 1 MiB.');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new ScimError(e.statusCode, null, e.message);
  request.log.error({ err: error, reqId: request.id }, 'SCIM request failed');
  return new ScimError(500, null, `The server could not complete the request (${request.id}).`);
}

function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'Bearer token', description: 'A SCIM token (hxs_…) created in the organization’s settings', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function resourceTypes(baseUrl: string) {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }], meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` } },
  ];
}

const attr = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...extra,
});

function schemas(baseUrl: string) {
  const schema = (id: string, name: string, attributes: unknown[]) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], id, name, attributes, meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` } });
  return [
    schema(USER_SCHEMA, 'User', [
      attr('userName', 'string', { required: true, uniqueness: 'server' }),
      attr('externalId', 'string', { caseExact: true }),
      attr('displayName', 'string'),
      attr('name', 'complex', { subAttributes: [attr('givenName', 'string'), attr('familyName', 'string'), attr('formatted', 'string')] }),
      attr('emails', 'complex', { multiValued: true, subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')] }),
      attr('active', 'boolean'),
    ]),
    schema(ENTERPRISE_SCHEMA, 'EnterpriseUser', [
      attr('department', 'string'),
      attr('costCenter', 'string'),
      attr('employeeNumber', 'string'),
      attr('manager', 'complex', { subAttributes: [attr('value', 'string')] }),
    ]),
    schema(GROUP_SCHEMA, 'Group', [
      attr('displayName', 'string', { required: true, uniqueness: 'server' }),
      attr('externalId', 'string', { caseExact: true }),
      attr('members', 'complex', { multiValued: true, subAttributes: [attr('value', 'string', { mutability: 'immutable' }), attr('display', 'string', { mutability: 'readOnly' })] }),
    ]),
  ];
}

function registerScimApi(scope: FastifyInstance, service: IdentityService): void {
  scope.addContentTypeParser(/^application\/scim\+json/, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('invalid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
    }
  });
  scope.setErrorHandler((error, request, reply) => {
    const e = scimErrorOf(error, request);
    if (e.status === 429) reply.header('retry-after', '60');
    return reply.code(e.status).type(SCIM_JSON).send(JSON.stringify(e.body()));
  });
  scope.setNotFoundHandler((request, reply) =>
    reply.code(404).type(SCIM_JSON).send(JSON.stringify(new ScimError(404, null, `${request.method} ${request.url.split('?')[0]} is not part of this SCIM API (no Bulk, no /Me).`).body())),
  );
  // API keys and console sessions authenticate, but the SCIM API is for SCIM tokens only.
  scope.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.auth === 'public') return;
    if (request.auth?.principal.kind !== 'scim') throw new ScimError(401, null, 'The SCIM API needs a SCIM bearer token (hxs_…).');
  });

  const hide = { schema: { hide: true } };
  const p = principalOf;
  const base = () => service.scimBaseUrl();
  const json = (reply: FastifyReply, body: unknown) => reply.type(SCIM_JSON).send(JSON.stringify(body));

  scope.get('/ServiceProviderConfig', hide, async (_req, reply) => json(reply, serviceProviderConfig(base())));
  scope.get('/ResourceTypes', hide, async (_req, reply) => {
    const items = resourceTypes(base());
    return json(reply, { schemas: [LIST_SCHEMA], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items });
  });
  scope.get('/Schemas', hide, async (_req, reply) => {
    const items = schemas(base());
    return json(reply, { schemas: [LIST_SCHEMA], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items });
  });

  scope.get('/Users', hide, async (req, reply) => json(reply, await service.scim.listUsers(p(req), listQueryOf(req))));
  scope.post('/Users', hide, async (req, reply) => send(reply, 201, await service.scim.createUser(p(req), req.body)));
  scope.get('/Users/:id', hide, async (req, reply) => send(reply, 200, await service.scim.getUser(p(req), idOf(req))));
  scope.put('/Users/:id', hide, async (req, reply) => send(reply, 200, await service.scim.replaceUser(p(req), idOf(req), ifMatch(req), req.body)));
  scope.patch('/Users/:id', hide, async (req, reply) => send(reply, 200, await service.scim.patchUser(p(req), idOf(req), ifMatch(req), req.body)));
  scope.delete('/Users/:id', hide, async (req, reply) => {
    await service.scim.deleteUser(p(req), idOf(req));
    return reply.code(204).send();
  });

  scope.get('/Groups', hide, async (req, reply) => json(reply, await service.scim.listGroups(p(req), listQueryOf(req))));
  scope.post('/Groups', hide, async (req, reply) => send(reply, 201, await service.scim.createGroup(p(req), req.body)));
  scope.get('/Groups/:id', hide, async (req, reply) => {
    const excluded = (req.query as { excludedAttributes?: unknown }).excludedAttributes;
    return send(reply, 200, await service.scim.getGroup(p(req), idOf(req), excludesMembers(typeof excluded === 'string' ? excluded : undefined)));
  });
  scope.put('/Groups/:id', hide, async (req, reply) => send(reply, 200, await service.scim.replaceGroup(p(req), idOf(req), ifMatch(req), req.body)));
  scope.patch('/Groups/:id', hide, async (req, reply) => send(reply, 204, await service.scim.patchGroup(p(req), idOf(req), ifMatch(req), req.body)));
  scope.delete('/Groups/:id', hide, async (req, reply) => {
    await service.scim.deleteGroup(p(req), idOf(req));
    return reply.code(204).send();
  });
}

export function registerScimRoutes(app: App, service: IdentityService): void {
  registerScimTokenRoutes(app, service);
  void app.register(async (scope) => registerScimApi(scope, service), { prefix: SCIM_BASE_PATH });
}

