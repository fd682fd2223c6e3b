import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  allocationQuery,
  allocationSchema,
  collectBody,
  collectResultSchema,
  costSettingsSchema,
  costSettingsView,
  createPriceBody,
  createSourceBody,
  importPricesBody,
  importResultSchema,
  listPricesQuery,
  priceParams,
  priceSchema,
  pushUsageBody,
  pushUsageResultSchema,
  sourceParams,
  sourceSchema,
  updatePriceBody,
  updateSourceBody,
} from './schemas.ts';
import type { CostService } from './service.ts';

export function registerCostRoutes(app: App, service: CostService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['cost'];

  // ---- prices ----
  r.get('/api/v1/orgs/:orgId/cost/prices', {
    schema: { tags, operationId: 'listCostPrices', summary: 'Price versions (per provider, region and effective time)', params: orgParams, querystring: pageQuery.extend(listPricesQuery.shape), response: { 200: pageOf(priceSchema), ...errorResponses } },
  }, async (req) => service.listPrices(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/cost/prices', {
    schema: { tags, operationId: 'createCostPrice', summary: 'Add a price version (list, or on-premises amortised)', params: orgParams, body: createPriceBody, response: { 201: priceSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createPrice(principalOf(req), req.params.orgId, req.body))));

  // Registered before /:priceId so "export" and "import" are never read as ids.
  r.get('/api/v1/orgs/:orgId/cost/prices/export', {
    schema: { tags, operationId: 'exportCostPrices', summary: 'Every price version as CSV (decimal amounts in the currency)', produces: ['text/csv'], params: orgParams, response: { 200: z.string().describe('CSV'), ...errorResponses } },
  }, async (req, reply) => {
    const csv = await service.exportPrices(principalOf(req), req.params.orgId);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="prices.csv"').send(csv);
  });

  r.post('/api/v1/orgs/:orgId/cost/prices/import', {
    schema: { tags, operationId: 'importCostPrices', summary: 'Create or update price versions from CSV, all rows or none', params: orgParams, body: importPricesBody, response: { 200: importResultSchema, ...errorResponses } },
  }, async (req) => service.importPrices(principalOf(req), req.params.orgId, req.body.csv));

  r.get('/api/v1/orgs/:orgId/cost/prices/:priceId', {
    schema: { tags, operationId: 'getCostPrice', summary: 'A price version', params: priceParams, response: { 200: priceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getPrice(principalOf(req), req.params.orgId, req.params.priceId)));

  r.patch('/api/v1/orgs/:orgId/cost/prices/:priceId', {
    schema: { tags, operationId: 'updateCostPrice', summary: 'Change a price version\'s rates, discount or note', params: priceParams, body: updatePriceBody, response: { 200: priceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updatePrice(principalOf(req), req.params.orgId, req.params.priceId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/cost/prices/:priceId', {
    schema: { tags, operationId: 'deleteCostPrice', summary: 'Remove a price version', params: priceParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deletePrice(principalOf(req), req.params.orgId, req.params.priceId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  // ---- settings ----
  r.get('/api/v1/orgs/:orgId/cost/settings', {
    schema: { tags, operationId: 'getCostSettings', summary: 'How costs are allocated: cost model, idle, shared namespaces, mappings', params: orgParams, response: { 200: costSettingsView, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getSettings(principalOf(req), req.params.orgId)));

  r.put('/api/v1/orgs/:orgId/cost/settings', {
    schema: { tags, operationId: 'putCostSettings', summary: 'Replace the allocation settings', params: orgParams, body: costSettingsSchema, response: { 200: costSettingsView, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.putSettings(principalOf(req), req.params.orgId, ifMatchVersion(req), req.body)));

  // ---- sources ----
  r.get('/api/v1/orgs/:orgId/cost/sources', {
    schema: { tags, operationId: 'listCostSources', summary: 'Prometheus sources usage is collected from', params: orgParams, querystring: pageQuery, response: { 200: pageOf(sourceSchema), ...errorResponses } },
  }, async (req) => service.listSources(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/cost/sources', {
    schema: { tags, operationId: 'createCostSource', summary: 'Add a cluster\'s Prometheus as a usage source', params: orgParams, body: createSourceBody, response: { 201: sourceSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createSource(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/cost/sources/:sourceId', {
    schema: { tags, operationId: 'getCostSource', summary: 'A usage source and its last collection run', params: sourceParams, response: { 200: sourceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getSource(principalOf(req), req.params.orgId, req.params.sourceId)));

  r.patch('/api/v1/orgs/:orgId/cost/sources/:sourceId', {
    schema: { tags, operationId: 'updateCostSource', summary: 'Change a usage source', params: sourceParams, body: updateSourceBody, response: { 200: sourceSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateSource(principalOf(req), req.params.orgId, req.params.sourceId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/cost/sources/:sourceId', {
    schema: { tags, operationId: 'deleteCostSource', summary: 'Remove a usage source (collected usage stays)', params: sourceParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteSource(principalOf(req), req.params.orgId, req.params.sourceId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/cost/sources/:sourceId/collect', {
    schema: { tags, operationId: 'collectCostUsage', summary: 'Collect usage now, or backfill a window; re-runs replace the same hours', params: sourceParams, body: collectBody, response: { 200: collectResultSchema, ...errorResponses } },
  }, async (req) => service.collect(principalOf(req), req.params.orgId, req.params.sourceId, req.body));

  // ---- usage ----
  r.post('/api/v1/orgs/:orgId/cost/usage', {
    schema: { tags, operationId: 'pushCostUsage', summary: 'Push hourly usage samples; a sample replaces any earlier one for the same cluster, namespace, pod and hour', params: orgParams, body: pushUsageBody, response: { 200: pushUsageResultSchema, ...errorResponses } },
  }, async (req) => service.pushUsage(principalOf(req), req.params.orgId, req.body));

  // ---- allocation ----
  r.get('/api/v1/orgs/:orgId/cost/allocation', {
    schema: { tags, operationId: 'getCostAllocation', summary: 'Cost per workspace, project, team, namespace or label for a window; the groups sum to the total', params: orgParams, querystring: allocationQuery, response: { 200: allocationSchema, ...errorResponses } },
  }, async (req) => service.allocation(principalOf(req), req.params.orgId, req.query));
}
