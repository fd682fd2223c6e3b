import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import { createPiiRuleBody, piiPreviewSchema, piiRuleParams, piiRuleSchema, previewPiiBody, updatePiiRuleBody } from './schemas.ts';
import type { ComplianceService } from './service.ts';

export function registerComplianceRoutes(app: App, service: ComplianceService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/pii-rules', {
    schema: { tags: ['pii'], operationId: 'listPiiRules', summary: 'The PII masking rules of the organization', params: orgParams, querystring: pageQuery, response: { 200: pageOf(piiRuleSchema), ...errorResponses } },
  }, async (req) => service.listRules(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/pii-rules', {
    schema: { tags: ['pii'], operationId: 'createPiiRule', summary: 'Add a PII masking rule', params: orgParams, body: createPiiRuleBody, response: { 201: piiRuleSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createRule(principalOf(req), req.params.orgId, req.body))));

  // Registered before /:ruleId so "preview" is never read as a rule id.
  r.post('/api/v1/orgs/:orgId/pii-rules/preview', {
    schema: {
      tags: ['pii'], operationId: 'previewPiiMasking', summary: 'What the current (or a proposed) rule set would store and show for a text or a sample event; changes nothing',
      params: orgParams, body: previewPiiBody, response: { 200: piiPreviewSchema, ...errorResponses },
    },
  }, async (req) => service.preview(principalOf(req), req.params.orgId, req.body));

  r.get('/api/v1/orgs/:orgId/pii-rules/:ruleId', {
    schema: { tags: ['pii'], operationId: 'getPiiRule', summary: 'Get a PII masking rule', params: piiRuleParams, response: { 200: piiRuleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getRule(principalOf(req), req.params.orgId, req.params.ruleId)));

  r.patch('/api/v1/orgs/:orgId/pii-rules/:ruleId', {
    schema: { tags: ['pii'], operationId: 'updatePiiRule', summary: 'Change a PII masking rule', params: piiRuleParams, body: updatePiiRuleBody, response: { 200: piiRuleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateRule(principalOf(req), req.params.orgId, req.params.ruleId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/pii-rules/:ruleId', {
    schema: { tags: ['pii'], operationId: 'deletePiiRule', summary: 'Remove a PII masking rule', params: piiRuleParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteRule(principalOf(req), req.params.orgId, req.params.ruleId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });
}
