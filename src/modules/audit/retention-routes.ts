import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  createLegalHoldBody,
  legalHoldParams,
  legalHoldSchema,
  listLegalHoldsQuery,
  putRetentionBody,
  releaseLegalHoldBody,
  retentionRunSchema,
  retentionSettingsSchema,
} from './retention-schemas.ts';
import type { RetentionService } from './retention-service.ts';

export function registerRetentionRoutes(app: App, service: RetentionService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/retention', {
    schema: {
      tags: ['audit'], operationId: 'getRetention', summary: 'How long audit events and the access log are kept', params: orgParams,
      response: { 200: retentionSettingsSchema, ...errorResponses },
    },
  }, async (req, reply) => withEtag(reply, await service.getSettings(principalOf(req), req.params.orgId)));

  r.put('/api/v1/orgs/:orgId/retention', {
    schema: {
      tags: ['audit'], operationId: 'setRetention', summary: 'Set retention for the organization and its workspaces', params: orgParams,
      body: putRetentionBody, response: { 200: retentionSettingsSchema, ...errorResponses },
    },
  }, async (req, reply) => withEtag(reply, await service.putSettings(principalOf(req), req.params.orgId, ifMatchVersion(req), req.body)));

  r.get('/api/v1/orgs/:orgId/retention/runs', {
    schema: {
      tags: ['audit'], operationId: 'listRetentionRuns', summary: 'What recent retention runs removed in this organization, newest first', params: orgParams,
      querystring: pageQuery, response: { 200: pageOf(retentionRunSchema), ...errorResponses },
    },
  }, async (req) => service.listRuns(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/legal-holds', {
    schema: {
      tags: ['audit'], operationId: 'createLegalHold', summary: 'Place a legal hold: nothing in its scope is deleted while it is active', params: orgParams,
      body: createLegalHoldBody, response: { 201: legalHoldSchema, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createHold(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/legal-holds', {
    schema: {
      tags: ['audit'], operationId: 'listLegalHolds', summary: 'Legal holds, newest first (released ones included)', params: orgParams,
      querystring: pageQuery.extend(listLegalHoldsQuery.shape), response: { 200: pageOf(legalHoldSchema), ...errorResponses },
    },
  }, async (req) => service.listHolds(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/legal-holds/:holdId', {
    schema: {
      tags: ['audit'], operationId: 'getLegalHold', summary: 'Get a legal hold', params: legalHoldParams,
      response: { 200: legalHoldSchema, ...errorResponses },
    },
  }, async (req, reply) => withEtag(reply, await service.getHold(principalOf(req), req.params.orgId, req.params.holdId)));

  r.post('/api/v1/orgs/:orgId/legal-holds/:holdId/release', {
    schema: {
      tags: ['audit'], operationId: 'releaseLegalHold', summary: 'Release a legal hold (it stays listed)', params: legalHoldParams,
      body: releaseLegalHoldBody, response: { 200: legalHoldSchema, ...errorResponses },
    },
  }, async (req, reply) => withEtag(reply, await service.releaseHold(principalOf(req), req.params.orgId, req.params.holdId, req.body.reason)));
}
