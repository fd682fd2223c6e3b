import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, orgParams, principalOf } from '../../kernel/http/routing.ts';
import { auditEventParams, auditEventSchema, auditQuery } from './schemas.ts';
import type { AuditService } from './service.ts';

export function registerAuditRoutes(app: App, service: AuditService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/audit-events', {
    schema: {
      tags: ['audit'], operationId: 'listAuditEvents', summary: 'Search the audit log, newest first', params: orgParams,
      querystring: pageQuery.extend(auditQuery.shape), response: { 200: pageOf(auditEventSchema), ...errorResponses },
    },
  }, async (req) => service.listEvents(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/audit-events/:eventId', {
    schema: { tags: ['audit'], operationId: 'getAuditEvent', summary: 'Get one audit event', params: auditEventParams, response: { 200: auditEventSchema, ...errorResponses } },
  }, async (req) => service.getEvent(principalOf(req), req.params.orgId, req.params.eventId));
}
