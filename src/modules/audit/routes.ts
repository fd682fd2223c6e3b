import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { z } from 'zod';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  createSavedSearchBody,
  savedSearchParams,
  savedSearchSchema,
  timelineQuery,
  timelineSchema,
  updateSavedSearchBody,
  auditEventParams,
  auditEventSchema,
  auditQuery,
  checkpointSchema,
  consistencyProofSchema,
  consistencyQuery,
  inclusionProofSchema,
  proofQuery,
  publicKeySchema,
  unmaskedQuery,
} from './schemas.ts';
import type { AuditService } from './service.ts';

export function registerAuditRoutes(app: App, service: AuditService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/audit-events', {
    schema: {
      tags: ['audit'], operationId: 'listAuditEvents', summary: 'Search the audit log, newest first', params: orgParams,
      querystring: pageQuery.extend(auditQuery.shape).extend(unmaskedQuery.shape), response: { 200: pageOf(auditEventSchema), ...errorResponses },
    },
  }, async (req) => service.listEvents(principalOf(req), req.params.orgId, req.query, req.query.unmasked === 'true'));

  r.get('/api/v1/orgs/:orgId/audit-events/:eventId', {
    schema: { tags: ['audit'], operationId: 'getAuditEvent', summary: 'Get one audit event', params: auditEventParams, querystring: unmaskedQuery, response: { 200: auditEventSchema, ...errorResponses } },
  }, async (req) => service.getEvent(principalOf(req), req.params.orgId, req.params.eventId, req.query.unmasked === 'true'));

  r.get('/api/v1/orgs/:orgId/audit-timeline', {
    schema: {
      tags: ['audit'], operationId: 'getAuditTimeline', summary: 'Event counts by outcome per hour or day, for the search filters',
      params: orgParams, querystring: timelineQuery, response: { 200: timelineSchema, ...errorResponses },
    },
  }, async (req) => service.timeline(principalOf(req), req.params.orgId, req.query));

  // ---- saved searches ----

  r.post('/api/v1/orgs/:orgId/audit-searches', {
    schema: {
      tags: ['audit'], operationId: 'createAuditSearch', summary: 'Save a set of audit search filters under a name',
      params: orgParams, body: createSavedSearchBody, response: { 201: savedSearchSchema, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createSavedSearch(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/audit-searches', {
    schema: {
      tags: ['audit'], operationId: 'listAuditSearches', summary: 'The caller\'s saved audit searches and the shared ones',
      params: orgParams, querystring: pageQuery, response: { 200: pageOf(savedSearchSchema), ...errorResponses },
    },
  }, async (req) => service.listSavedSearches(principalOf(req), req.params.orgId, req.query));

  r.patch('/api/v1/orgs/:orgId/audit-searches/:searchId', {
    schema: {
      tags: ['audit'], operationId: 'updateAuditSearch', summary: 'Rename, re-filter or share a saved audit search (If-Match)',
      params: savedSearchParams, body: updateSavedSearchBody, response: { 200: savedSearchSchema, ...errorResponses },
    },
  }, async (req, reply) =>
    withEtag(reply, await service.updateSavedSearch(principalOf(req), req.params.orgId, req.params.searchId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/audit-searches/:searchId', {
    schema: {
      tags: ['audit'], operationId: 'deleteAuditSearch', summary: 'Delete a saved audit search',
      params: savedSearchParams, response: { 204: z.null(), ...errorResponses },
    },
  }, async (req, reply) => {
    await service.deleteSavedSearch(principalOf(req), req.params.orgId, req.params.searchId);
    return reply.code(204).send(null);
  });

  // ---- sealing: checkpoints and proofs (ADR 0006) ----

  r.get('/api/v1/orgs/:orgId/audit/checkpoints', {
    schema: {
      tags: ['audit'], operationId: 'listAuditCheckpoints', summary: 'Signed checkpoints of the audit log, newest first', params: orgParams,
      querystring: pageQuery, response: { 200: pageOf(checkpointSchema), ...errorResponses },
    },
  }, async (req) => service.listCheckpoints(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/audit/checkpoints/latest', {
    schema: {
      tags: ['audit'], operationId: 'getLatestAuditCheckpoint', summary: 'The newest signed checkpoint', params: orgParams,
      response: { 200: checkpointSchema, ...errorResponses },
    },
  }, async (req) => service.latestCheckpoint(principalOf(req), req.params.orgId));

  r.get('/api/v1/orgs/:orgId/audit-events/:eventId/proof', {
    schema: {
      tags: ['audit'], operationId: 'getAuditEventProof', summary: 'An inclusion proof of one event against a checkpoint', params: auditEventParams,
      querystring: proofQuery, response: { 200: inclusionProofSchema, ...errorResponses },
    },
  }, async (req) => service.inclusionProof(principalOf(req), req.params.orgId, req.params.eventId, req.query.treeSize, req.query.unmasked === 'true'));

  r.get('/api/v1/orgs/:orgId/audit/consistency', {
    schema: {
      tags: ['audit'], operationId: 'getAuditConsistencyProof', summary: 'A consistency proof between two checkpoints', params: orgParams,
      querystring: consistencyQuery, response: { 200: consistencyProofSchema, ...errorResponses },
    },
  }, async (req) => service.consistencyProof(principalOf(req), req.params.orgId, req.query.from, req.query.to));

  r.get('/api/v1/audit/public-keys', {
    config: { auth: 'public' },
    schema: {
      tags: ['audit'], operationId: 'listAuditPublicKeys', summary: 'Every key that signs audit checkpoints, retired ones included (public)', security: [],
      querystring: pageQuery, response: { 200: pageOf(publicKeySchema), ...errorResponses },
    },
  }, async (req) => service.listPublicKeys(req.query));
}
