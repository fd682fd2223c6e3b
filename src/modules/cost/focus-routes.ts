import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import { createFocusImportBody, createFocusRuleBody, focusExportQuery, focusImportParams, focusImportSchema, focusRuleParams, focusRuleSchema, updateFocusRuleBody } from './focus-schemas.ts';
import type { FocusService } from './focus-service.ts';

export function registerFocusRoutes(app: App, service: FocusService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['cost'];

  // ---- tag mapping rules ----
  r.get('/api/v1/orgs/:orgId/cost/focus-rules', {
    schema: { tags, operationId: 'listCostFocusRules', summary: 'FOCUS tag mapping rules, in the order they are tried', params: orgParams, response: { 200: z.object({ items: z.array(focusRuleSchema) }), ...errorResponses } },
  }, async (req) => service.listRules(principalOf(req), req.params.orgId));

  r.post('/api/v1/orgs/:orgId/cost/focus-rules', {
    schema: { tags, operationId: 'createCostFocusRule', summary: 'Add a rule mapping a bill tag to a workspace (and project)', params: orgParams, body: createFocusRuleBody, response: { 201: focusRuleSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createRule(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/cost/focus-rules/:ruleId', {
    schema: { tags, operationId: 'getCostFocusRule', summary: 'A FOCUS tag mapping rule', params: focusRuleParams, response: { 200: focusRuleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getRule(principalOf(req), req.params.orgId, req.params.ruleId)));

  r.patch('/api/v1/orgs/:orgId/cost/focus-rules/:ruleId', {
    schema: { tags, operationId: 'updateCostFocusRule', summary: 'Change a FOCUS tag mapping rule (imports keep their allocation until reallocated)', params: focusRuleParams, body: updateFocusRuleBody, response: { 200: focusRuleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateRule(principalOf(req), req.params.orgId, req.params.ruleId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/cost/focus-rules/:ruleId', {
    schema: { tags, operationId: 'deleteCostFocusRule', summary: 'Remove a FOCUS tag mapping rule', params: focusRuleParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteRule(principalOf(req), req.params.orgId, req.params.ruleId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  // ---- bill imports ----
  r.get('/api/v1/orgs/:orgId/cost/focus-imports', {
    schema: { tags, operationId: 'listCostFocusImports', summary: 'Imported FOCUS bills', params: orgParams, querystring: pageQuery, response: { 200: pageOf(focusImportSchema), ...errorResponses } },
  }, async (req) => service.listImports(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/cost/focus-imports', {
    schema: { tags, operationId: 'importCostFocusBill', summary: 'Import a FOCUS 1.x CSV bill (all lines or none) and allocate it by the tag rules; the same file twice is 409', params: orgParams, body: createFocusImportBody, response: { 201: focusImportSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await service.importBill(principalOf(req), req.params.orgId, req.body)));

  r.get('/api/v1/orgs/:orgId/cost/focus-imports/:importId', {
    schema: { tags, operationId: 'getCostFocusImport', summary: 'An imported bill with its allocation per workspace and project, and the unallocated rest', params: focusImportParams, response: { 200: focusImportSchema, ...errorResponses } },
  }, async (req) => service.getImport(principalOf(req), req.params.orgId, req.params.importId));

  r.post('/api/v1/orgs/:orgId/cost/focus-imports/:importId/reallocate', {
    schema: { tags, operationId: 'reallocateCostFocusImport', summary: 'Apply the current tag rules to an imported bill again', params: focusImportParams, response: { 200: focusImportSchema, ...errorResponses } },
  }, async (req) => service.reallocate(principalOf(req), req.params.orgId, req.params.importId));

  // ---- export ----
  r.get('/api/v1/orgs/:orgId/cost/focus-export', {
    schema: { tags, operationId: 'exportCostFocus', summary: 'Hexaplane\'s allocation of a window as a FOCUS 1.x CSV (per day and workspace)', produces: ['text/csv'], params: orgParams, querystring: focusExportQuery, response: { 200: z.string().describe('FOCUS CSV'), ...errorResponses } },
  }, async (req, reply) => {
    const csv = await service.exportFocus(principalOf(req), req.params.orgId, req.query);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="hexaplane-focus.csv"').send(csv);
  });
}
