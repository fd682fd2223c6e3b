import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import type { App } from '../../kernel/http/server.ts';
import { createStreamBody, replayBody, streamParams, streamSchema, streamTestResultSchema, updateStreamBody } from './stream-schemas.ts';
import type { StreamService } from './stream-service.ts';

export function registerStreamRoutes(app: App, service: StreamService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['audit-streams'];

  r.post('/api/v1/orgs/:orgId/audit-streams', {
    schema: { tags, operationId: 'createAuditStream', summary: 'Stream the audit log to a SIEM (from now on)', params: orgParams, body: createStreamBody, response: { 201: streamSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createStream(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/audit-streams', {
    schema: { tags, operationId: 'listAuditStreams', summary: 'SIEM streams with their health', params: orgParams, querystring: pageQuery, response: { 200: pageOf(streamSchema), ...errorResponses } },
  }, async (req) => service.listStreams(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/audit-streams/:streamId', {
    schema: { tags, operationId: 'getAuditStream', summary: 'Get a SIEM stream and its health', params: streamParams, response: { 200: streamSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getStream(principalOf(req), req.params.orgId, req.params.streamId)));

  r.patch('/api/v1/orgs/:orgId/audit-streams/:streamId', {
    schema: { tags, operationId: 'updateAuditStream', summary: 'Change, pause or restart a SIEM stream', params: streamParams, body: updateStreamBody, response: { 200: streamSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateStream(principalOf(req), req.params.orgId, req.params.streamId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/audit-streams/:streamId', {
    schema: { tags, operationId: 'deleteAuditStream', summary: 'Delete a SIEM stream', params: streamParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteStream(principalOf(req), req.params.orgId, req.params.streamId);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/audit-streams/:streamId/replay', {
    schema: { tags, operationId: 'replayAuditStream', summary: 'Deliver again from a sequence number', params: streamParams, body: replayBody, response: { 200: streamSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.replayStream(principalOf(req), req.params.orgId, req.params.streamId, req.body.fromSeq)));

  r.post('/api/v1/orgs/:orgId/audit-streams/:streamId/resume', {
    schema: { tags, operationId: 'resumeAuditStream', summary: 'Restart a stream in dead_letter (or paused) at its cursor', params: streamParams, response: { 200: streamSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.resumeStream(principalOf(req), req.params.orgId, req.params.streamId)));

  r.post('/api/v1/orgs/:orgId/audit-streams/:streamId/test', {
    schema: {
      tags, operationId: 'testAuditStream', summary: 'Send one test message now and report the outcome (the cursor does not move)', params: streamParams,
      response: { 200: streamTestResultSchema, ...errorResponses },
    },
  }, async (req) => service.testStream(principalOf(req), req.params.orgId, req.params.streamId));
}
