import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  clusterParams,
  clusterSchema,
  createClusterBody,
  putPlacementBody,
  reconciliationSchema,
  updateClusterBody,
  workspaceParams,
} from './schemas.ts';
import type { IntegrationsService } from './service.ts';

export function registerIntegrationsRoutes(app: App, service: IntegrationsService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // ---- clusters ----
  r.post('/api/v1/orgs/:orgId/clusters', {
    schema: { tags: ['clusters'], operationId: 'createCluster', summary: 'Register a Kubernetes cluster', params: orgParams, body: createClusterBody, response: { 201: clusterSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.createCluster(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/clusters', {
    schema: { tags: ['clusters'], operationId: 'listClusters', summary: 'List registered clusters', params: orgParams, querystring: pageQuery, response: { 200: pageOf(clusterSchema), ...errorResponses } },
  }, async (req) => service.listClusters(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/clusters/:clusterId', {
    schema: { tags: ['clusters'], operationId: 'getCluster', summary: 'Get a cluster and its connection status', params: clusterParams, response: { 200: clusterSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getCluster(principalOf(req), req.params.orgId, req.params.clusterId)));

  r.patch('/api/v1/orgs/:orgId/clusters/:clusterId', {
    schema: { tags: ['clusters'], operationId: 'updateCluster', summary: 'Change a cluster (a new URL, CA or token is checked again)', params: clusterParams, body: updateClusterBody, response: { 200: clusterSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.updateCluster(principalOf(req), req.params.orgId, req.params.clusterId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/clusters/:clusterId', {
    schema: { tags: ['clusters'], operationId: 'deleteCluster', summary: 'Remove a cluster no workspace is placed on', params: clusterParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteCluster(principalOf(req), req.params.orgId, req.params.clusterId);
    return reply.code(204).send(null);
  });

  // ---- placement and reconciliation ----
  r.put('/api/v1/orgs/:orgId/workspaces/:workspaceId/placement', {
    schema: {
      tags: ['clusters'], operationId: 'placeWorkspace', summary: 'Place a workspace on a cluster (again: retry applying it now)',
      params: workspaceParams, body: putPlacementBody, response: { 200: reconciliationSchema, ...errorResponses },
    },
  }, async (req) => service.placeWorkspace(principalOf(req), req.params.orgId, req.params.workspaceId, req.body));

  r.delete('/api/v1/orgs/:orgId/workspaces/:workspaceId/placement', {
    schema: {
      tags: ['clusters'], operationId: 'unplaceWorkspace', summary: 'Take a workspace off its cluster (deletes its namespace there)',
      params: workspaceParams, response: { 200: reconciliationSchema, ...errorResponses },
    },
  }, async (req) => service.unplaceWorkspace(principalOf(req), req.params.orgId, req.params.workspaceId));

  r.get('/api/v1/orgs/:orgId/workspaces/:workspaceId/reconciliation', {
    schema: {
      tags: ['clusters'], operationId: 'getWorkspaceReconciliation', summary: 'Where a workspace is placed and whether its cluster matches it',
      params: workspaceParams, response: { 200: reconciliationSchema, ...errorResponses },
    },
  }, async (req) => service.getReconciliation(principalOf(req), req.params.orgId, req.params.workspaceId));

  r.get('/api/v1/orgs/:orgId/workspaces/:workspaceId/manifests', {
    schema: {
      tags: ['clusters'], operationId: 'getWorkspaceManifests', summary: 'The Kubernetes objects a workspace becomes, as multi-document YAML',
      produces: ['text/yaml'], params: workspaceParams,
      response: { 200: z.string().describe('Namespace, ResourceQuota, LimitRange and RoleBindings, as YAML documents'), ...errorResponses },
    },
  }, async (req, reply) => {
    const yaml = await service.workspaceManifests(principalOf(req), req.params.orgId, req.params.workspaceId);
    // The body is YAML text, not a JSON string.
    return reply.type('text/yaml; charset=utf-8').serializer((payload) => payload as string).send(yaml);
  });
}
