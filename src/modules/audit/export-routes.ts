import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, orgParams, principalOf } from '../../kernel/http/routing.ts';
import { auditExportSchema, createExportBody, exportParams, exportProofSchema } from './export-schemas.ts';
import type { AuditExportService } from './export-service.ts';

export function registerAuditExportRoutes(app: App, service: AuditExportService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/orgs/:orgId/audit-exports', {
    schema: {
      tags: ['audit'], operationId: 'createAuditExport', summary: 'Export audit events (JSONL or CSV) with a manifest signed against a checkpoint',
      params: orgParams, body: createExportBody, response: { 201: auditExportSchema, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await service.createExport(principalOf(req), req.params.orgId, req.body)));

  r.get('/api/v1/orgs/:orgId/audit-exports', {
    schema: {
      tags: ['audit'], operationId: 'listAuditExports', summary: 'Audit exports, newest first', params: orgParams, querystring: pageQuery,
      response: { 200: pageOf(auditExportSchema), ...errorResponses },
    },
  }, async (req) => service.listExports(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/audit-exports/:exportId', {
    schema: { tags: ['audit'], operationId: 'getAuditExport', summary: 'An audit export and its signed manifest', params: exportParams, response: { 200: auditExportSchema, ...errorResponses } },
  }, async (req) => service.getExport(principalOf(req), req.params.orgId, req.params.exportId));

  r.get('/api/v1/orgs/:orgId/audit-exports/:exportId/file', {
    schema: {
      tags: ['audit'], operationId: 'downloadAuditExport', summary: 'The exported events file (JSONL or CSV), identical to the manifest\'s SHA-256',
      produces: ['application/x-ndjson', 'text/csv'], params: exportParams,
      response: { 200: z.string().describe('One event per line'), ...errorResponses },
    },
  }, async (req, reply) => {
    const file = await service.exportFile(principalOf(req), req.params.orgId, req.params.exportId);
    return reply
      .type(file.contentType)
      .header('content-disposition', `attachment; filename="${file.name}"`)
      .serializer((payload) => payload as string)
      .send(file.body as never); // a stream: the typed reply knows only the schema's string
  });

  r.get('/api/v1/orgs/:orgId/audit-exports/:exportId/proof', {
    schema: {
      tags: ['audit'], operationId: 'getAuditExportProof', summary: 'What `hexaplane audit verify` needs besides the file: prefix, sealed leaves, keys',
      params: exportParams, response: { 200: exportProofSchema, ...errorResponses },
    },
  }, async (req) => service.exportProof(principalOf(req), req.params.orgId, req.params.exportId));
}
