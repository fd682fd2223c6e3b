import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import { contractParams, contractSchema, createContractBody, statementQuery, statementSchema, updateContractBody } from './contract-schemas.ts';
import { statementCsv, type ContractService } from './contract-service.ts';

export function registerContractRoutes(app: App, service: ContractService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['contracts'];

  r.get('/api/v1/orgs/:orgId/contracts', {
    schema: { tags, operationId: 'listContracts', summary: 'The fixed-price contracts of the organization', params: orgParams, querystring: pageQuery, response: { 200: pageOf(contractSchema), ...errorResponses } },
  }, async (req) => service.list(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/contracts', {
    schema: { tags, operationId: 'createContract', summary: 'Create a fixed-price contract (a commitment per period, an overage rate)', params: orgParams, body: createContractBody, response: { 201: contractSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.create(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/contracts/:contractId', {
    schema: { tags, operationId: 'getContract', summary: 'Get a contract', params: contractParams, response: { 200: contractSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.get(principalOf(req), req.params.orgId, req.params.contractId)));

  r.patch('/api/v1/orgs/:orgId/contracts/:contractId', {
    schema: { tags, operationId: 'updateContract', summary: 'Change a contract (name, commitment, overage rate, end)', params: contractParams, body: updateContractBody, response: { 200: contractSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.update(principalOf(req), req.params.orgId, req.params.contractId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/contracts/:contractId', {
    schema: { tags, operationId: 'deleteContract', summary: 'Delete a contract', params: contractParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.remove(principalOf(req), req.params.orgId, req.params.contractId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  r.get('/api/v1/orgs/:orgId/contracts/:contractId/statement', {
    schema: {
      tags, operationId: 'getContractStatement',
      summary: 'The statement of a period: drawdown, overage, true-up, and showback and chargeback per business unit',
      params: contractParams, querystring: statementQuery, response: { 200: statementSchema, ...errorResponses },
    },
  }, async (req) => service.statement(principalOf(req), req.params.orgId, req.params.contractId, req.query.period));

  r.get('/api/v1/orgs/:orgId/contracts/:contractId/statement/export', {
    schema: {
      tags, operationId: 'exportContractStatement', summary: 'The statement of a period as CSV (one row per business unit, then the totals)',
      produces: ['text/csv'], params: contractParams, querystring: statementQuery, response: { 200: z.string().describe('CSV'), ...errorResponses },
    },
  }, async (req, reply) => {
    const statement = await service.statement(principalOf(req), req.params.orgId, req.params.contractId, req.query.period);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${req.params.contractId}-${statement.period.start}.csv"`)
      .send(statementCsv(statement));
  });
}
