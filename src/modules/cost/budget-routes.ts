import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  budgetDecisionQuery,
  budgetDecisionSchema,
  budgetListQuery,
  budgetParams,
  budgetSchema,
  budgetStatusSchema,
  createBudgetBody,
  quotaEstimateSchema,
  updateBudgetBody,
} from './budget-schemas.ts';
import type { BudgetService } from './budget-service.ts';

export function registerBudgetRoutes(app: App, service: BudgetService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['budgets'];

  r.get('/api/v1/orgs/:orgId/budgets', {
    schema: { tags, operationId: 'listBudgets', summary: 'The budgets of the organization (optionally of one workspace)', params: orgParams, querystring: budgetListQuery, response: { 200: pageOf(budgetSchema), ...errorResponses } },
  }, async (req) => service.list(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/budgets', {
    schema: { tags, operationId: 'createBudget', summary: 'Create a budget for a workspace (optionally a project or a label)', params: orgParams, body: createBudgetBody, response: { 201: budgetSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.create(principalOf(req), req.params.orgId, req.body))));

  // Registered before /:budgetId so "decision" is never read as a budget id.
  r.get('/api/v1/orgs/:orgId/budgets/decision', {
    schema: {
      tags, operationId: 'getBudgetDecision',
      summary: 'What new workloads in a workspace may do under its budgets: allow, require approval for scale-ups, or block (the strictest budget wins)',
      params: orgParams, querystring: budgetDecisionQuery, response: { 200: budgetDecisionSchema, ...errorResponses },
    },
  }, async (req) => service.decision(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/budgets/:budgetId', {
    schema: { tags, operationId: 'getBudget', summary: 'Get a budget', params: budgetParams, response: { 200: budgetSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.get(principalOf(req), req.params.orgId, req.params.budgetId)));

  r.patch('/api/v1/orgs/:orgId/budgets/:budgetId', {
    schema: { tags, operationId: 'updateBudget', summary: 'Change a budget', params: budgetParams, body: updateBudgetBody, response: { 200: budgetSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.update(principalOf(req), req.params.orgId, req.params.budgetId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/budgets/:budgetId', {
    schema: { tags, operationId: 'deleteBudget', summary: 'Delete a budget', params: budgetParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.remove(principalOf(req), req.params.orgId, req.params.budgetId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  r.get('/api/v1/orgs/:orgId/budgets/:budgetId/status', {
    schema: { tags, operationId: 'getBudgetStatus', summary: 'Spend so far, the period-end forecast with its interval, thresholds, burn-down and the decision', params: budgetParams, response: { 200: budgetStatusSchema, ...errorResponses } },
  }, async (req) => service.status(principalOf(req), req.params.orgId, req.params.budgetId));

  r.post('/api/v1/orgs/:orgId/budgets/:budgetId/evaluate', {
    schema: { tags, operationId: 'evaluateBudget', summary: 'Evaluate the budget now and send the alerts of thresholds crossed for the first time this period', params: budgetParams, response: { 200: budgetStatusSchema, ...errorResponses } },
  }, async (req) => service.evaluate(principalOf(req), req.params.orgId, req.params.budgetId));

  r.get('/api/v1/orgs/:orgId/budgets/:budgetId/quota-estimate', {
    schema: {
      tags, operationId: 'estimateBudgetQuota', summary: 'What quota the rest of the budget buys at current prices until the period ends',
      params: budgetParams, querystring: z.object({ memoryGibPerCore: z.coerce.number().min(0.25).max(64).default(4) }).strict(),
      response: { 200: quotaEstimateSchema, ...errorResponses },
    },
  }, async (req) => service.quotaEstimate(principalOf(req), req.params.orgId, req.params.budgetId, req.query.memoryGibPerCore));
}
