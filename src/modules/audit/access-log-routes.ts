import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, orgParams, principalOf } from '../../kernel/http/routing.ts';
import { accessLogEntrySchema, accessLogQuery, accessLogSummaryQuery, accessLogSummarySchema } from './access-log-schemas.ts';
import type { AccessLogService } from './access-log-service.ts';

export function registerAccessLogRoutes(app: App, service: AccessLogService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/access-log', {
    schema: {
      tags: ['audit'], operationId: 'listAccessLog', summary: 'Search the access log (every API request), newest first', params: orgParams,
      querystring: pageQuery.extend(accessLogQuery.shape), response: { 200: pageOf(accessLogEntrySchema), ...errorResponses },
    },
  }, async (req) => service.list(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/access-log/summary', {
    schema: {
      tags: ['audit'], operationId: 'getAccessLogSummary', summary: 'Requests per hour or day by status class', params: orgParams,
      querystring: accessLogSummaryQuery, response: { 200: accessLogSummarySchema, ...errorResponses },
    },
  }, async (req) => service.summary(principalOf(req), req.params.orgId, req.query));
}
