import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, problemSchema, withEtag } from '../../kernel/http/routing.ts';
import type { App } from '../../kernel/http/server.ts';
import { SESSION_COOKIE } from './authenticator.ts';
import type { RequestMeta } from './session-service.ts';
import {
  callbackQuery,
  connectionParams,
  connectionSchema,
  createConnectionBody,
  encryptionKeyParams,
  createDomainBody,
  discoverBody,
  discoverSchema,
  domainParams,
  domainSchema,
  previewMappingsBody,
  samlAcsBody,
  previewSchema,
  putMappingsBody,
  startParams,
  startQuery,
  testResultSchema,
  tracesSchema,
  updateConnectionBody,
  updateDomainBody,
} from './sso-schemas.ts';
import { SSO_STATE_COOKIE, type SsoService } from './sso-service.ts';

function metaOf(req: FastifyRequest): RequestMeta {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
}

const redirectResponses = { 302: z.null().describe('Redirect'), 303: z.null().describe('Redirect'), ...errorResponses, 502: problemSchema };

export function registerSsoRoutes(app: App, service: SsoService, options: { secureCookies: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookieOptions = { httpOnly: true, sameSite: 'lax', path: '/', secure: options.secureCookies } as const;
  // The state cookie must reach the callback, a top-level GET from the IdP: SameSite=Lax does.
  const stateCookie = { ...cookieOptions, path: '/api/v1/sso', maxAge: 600 } as const;
  const tags = ['sso'];

  // ---- connections ----
  r.post('/api/v1/orgs/:orgId/sso-connections', {
    schema: { tags, operationId: 'createSsoConnection', summary: 'Create an SSO connection (disabled until enabled)', params: orgParams, body: createConnectionBody, response: { 201: connectionSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createConnection(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/sso-connections', {
    schema: { tags, operationId: 'listSsoConnections', summary: 'List SSO connections', params: orgParams, querystring: pageQuery, response: { 200: pageOf(connectionSchema), ...errorResponses } },
  }, async (req) => service.listConnections(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/sso-connections/:connectionId', {
    schema: { tags, operationId: 'getSsoConnection', summary: 'Get an SSO connection', params: connectionParams, response: { 200: connectionSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getConnection(principalOf(req), req.params.orgId, req.params.connectionId)));

  r.patch('/api/v1/orgs/:orgId/sso-connections/:connectionId', {
    schema: { tags, operationId: 'updateSsoConnection', summary: 'Change, enable or disable an SSO connection', params: connectionParams, body: updateConnectionBody, response: { 200: connectionSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateConnection(principalOf(req), req.params.orgId, req.params.connectionId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/sso-connections/:connectionId', {
    schema: { tags, operationId: 'deleteSsoConnection', summary: 'Delete an SSO connection and the bindings its mappings made', params: connectionParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteConnection(principalOf(req), req.params.orgId, req.params.connectionId);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/sso-connections/:connectionId/test', {
    schema: { tags, operationId: 'testSsoConnection', summary: 'Start a test sign-in (records a trace, creates no session)', params: connectionParams, response: { 201: testResultSchema, ...errorResponses } },
  }, async (req, reply) => {
    const started = await service.testConnection(principalOf(req), req.params.orgId, req.params.connectionId, metaOf(req));
    if (started.cookie) reply.setCookie(SSO_STATE_COOKIE, started.cookie, stateCookie);
    return reply.code(201).send({ authorizationUrl: started.authorizationUrl, expiresAt: started.expiresAt });
  });

  // ---- SAML encryption keys (ADR 0014 amendment) ----
  r.post('/api/v1/orgs/:orgId/sso-connections/:connectionId/encryption-keys', {
    schema: { tags, operationId: 'createSsoEncryptionKey', summary: 'Start an SP encryption key rotation (SAML): a new current key; the previous one still decrypts', params: connectionParams, response: { 201: connectionSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createEncryptionKey(principalOf(req), req.params.orgId, req.params.connectionId, ifMatchVersion(req)))));

  r.delete('/api/v1/orgs/:orgId/sso-connections/:connectionId/encryption-keys/:keyId', {
    schema: { tags, operationId: 'retireSsoEncryptionKey', summary: 'Retire a previous SP encryption key (ends a rotation)', params: encryptionKeyParams, response: { 200: connectionSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.retireEncryptionKey(principalOf(req), req.params.orgId, req.params.connectionId, req.params.keyId, ifMatchVersion(req))));

  r.put('/api/v1/orgs/:orgId/sso-connections/:connectionId/mappings', {
    schema: { tags, operationId: 'putSsoMappings', summary: 'Replace the group and attribute to role mappings', params: connectionParams, body: putMappingsBody, response: { 200: connectionSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.putMappings(principalOf(req), req.params.orgId, req.params.connectionId, ifMatchVersion(req), req.body.mappings)));

  r.post('/api/v1/orgs/:orgId/sso-connections/:connectionId/mappings/preview', {
    schema: { tags, operationId: 'previewSsoMappings', summary: 'Who would get which role bindings (changes nothing)', params: connectionParams, body: previewMappingsBody, response: { 200: previewSchema, ...errorResponses } },
  }, async (req) => service.previewMappings(principalOf(req), req.params.orgId, req.params.connectionId, req.body));

  r.get('/api/v1/orgs/:orgId/sso-connections/:connectionId/traces', {
    schema: { tags, operationId: 'listSsoTraces', summary: 'The last 100 sign-in failures and test results of a connection', params: connectionParams, response: { 200: tracesSchema, ...errorResponses } },
  }, async (req) => service.listTraces(principalOf(req), req.params.orgId, req.params.connectionId));

  // ---- domains ----
  r.post('/api/v1/orgs/:orgId/domains', {
    schema: { tags, operationId: 'createDomain', summary: 'Claim a domain (publish its TXT record, then verify)', params: orgParams, body: createDomainBody, response: { 201: domainSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createDomain(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/domains', {
    schema: { tags, operationId: 'listDomains', summary: 'List claimed and verified domains', params: orgParams, querystring: pageQuery, response: { 200: pageOf(domainSchema), ...errorResponses } },
  }, async (req) => service.listDomains(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/domains/:domainId', {
    schema: { tags, operationId: 'getDomain', summary: 'Get a claimed or verified domain', params: domainParams, response: { 200: domainSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getDomain(principalOf(req), req.params.orgId, req.params.domainId)));

  r.delete('/api/v1/orgs/:orgId/domains/:domainId', {
    schema: { tags, operationId: 'deleteDomain', summary: 'Give up a domain: its addresses stop routing to single sign-on', params: domainParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteDomain(principalOf(req), req.params.orgId, req.params.domainId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/domains/:domainId/verify', {
    schema: { tags, operationId: 'verifyDomain', summary: 'Check the domain\'s DNS TXT record now', params: domainParams, response: { 200: domainSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.verifyDomain(principalOf(req), req.params.orgId, req.params.domainId)));

  r.patch('/api/v1/orgs/:orgId/domains/:domainId', {
    schema: { tags, operationId: 'updateDomain', summary: 'Enforce single sign-on for a domain; name break-glass users', params: domainParams, body: updateDomainBody, response: { 200: domainSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateDomain(principalOf(req), req.params.orgId, req.params.domainId, ifMatchVersion(req), req.body)));

  // ---- public sign-in ----
  r.post('/api/v1/sso/discover', {
    config: { auth: 'public', rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: { tags, operationId: 'discoverSso', summary: 'E-mail-first sign-in: does this address sign in through an identity provider?', security: [], body: discoverBody, response: { 200: discoverSchema, ...errorResponses } },
  }, async (req) => service.discover(req.body.email));

  r.get('/api/v1/sso/oidc/:connectionId/start', {
    config: { auth: 'public', rateLimit: { max: 300, timeWindow: 60_000 } },
    schema: { tags, operationId: 'startSsoSignIn', summary: 'Start signing in through an OIDC connection (redirects to the IdP)', security: [], params: startParams, querystring: startQuery, response: redirectResponses },
  }, async (req, reply) => {
    const started = await service.startSignIn(req.params.connectionId, req.query.returnTo ?? null, metaOf(req));
    reply.setCookie(SSO_STATE_COOKIE, started.cookie, stateCookie);
    return reply.redirect(started.url, 302);
  });

  r.get('/api/v1/sso/oidc/callback', {
    config: { auth: 'public', rateLimit: { max: 300, timeWindow: 60_000 } },
    schema: { tags, operationId: 'completeSsoSignIn', summary: 'The IdP redirects here; signs in and redirects to the console', security: [], querystring: callbackQuery, response: redirectResponses },
  }, async (req, reply) => {
    const search = new URL(req.url, 'http://callback.invalid').search;
    const outcome = await service.completeSignIn(search, req.cookies?.[SSO_STATE_COOKIE], metaOf(req));
    reply.clearCookie(SSO_STATE_COOKIE, { path: stateCookie.path });
    if (outcome.session) reply.setCookie(SESSION_COOKIE, outcome.session.token, { ...cookieOptions, expires: outcome.session.expiresAt });
    return reply.redirect(outcome.redirectTo, 302);
  });

  // ---- SAML service provider ----
  r.get('/api/v1/sso/saml/:connectionId/metadata', {
    config: { auth: 'public' },
    schema: { tags, operationId: 'getSamlSpMetadata', summary: "This service provider's SAML metadata (import it into the IdP)", security: [], params: startParams, response: { 200: z.string(), ...errorResponses } },
  }, async (req, reply) => reply.type('application/samlmetadata+xml').send(await service.samlMetadata(req.params.connectionId)));

  r.get('/api/v1/sso/saml/:connectionId/start', {
    config: { auth: 'public', rateLimit: { max: 300, timeWindow: 60_000 } },
    schema: { tags, operationId: 'startSamlSignIn', summary: 'Start signing in through a SAML connection (redirects to the IdP)', security: [], params: startParams, querystring: startQuery, response: redirectResponses },
  }, async (req, reply) => reply.redirect(await service.startSamlSignIn(req.params.connectionId, req.query.returnTo ?? null), 302));

  // The IdP POSTs a form: the parser is scoped to this route's own plugin, nothing else accepts forms.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1_500_000 }, (_req, body, done) => {
      const form = new URLSearchParams(body as string);
      // A form that is not a SAML response is a wrong body, not a missing field of one.
      if (!form.has('SAMLResponse')) done(problems.badRequest('malformed-body', 'The form carries no SAMLResponse.', 'body'), undefined);
      else done(null, Object.fromEntries(form));
    });
    scope.withTypeProvider<ZodTypeProvider>().post('/api/v1/sso/saml/:connectionId/acs', {
      config: { auth: 'public', rateLimit: { max: 300, timeWindow: 60_000 } },
      schema: { tags, operationId: 'completeSamlSignIn', summary: 'The assertion consumer service: the IdP posts the SAML response here', security: [], params: startParams, body: samlAcsBody, response: redirectResponses },
    }, async (req, reply) => {
      const outcome = await service.completeSamlSignIn(req.params.connectionId, req.body, metaOf(req));
      if (outcome.session) reply.setCookie(SESSION_COOKIE, outcome.session.token, { ...cookieOptions, expires: outcome.session.expiresAt });
      // 303: the browser follows with a GET, not a re-POST of the response.
      return reply.redirect(outcome.redirectTo, 303);
    });
  });
}
