import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import {
  createWebhookBody,
  deliveryParams,
  deliveryQuery,
  rotateWebhookSecretBody,
  updateWebhookBody,
  webhookDeliveryDetailSchema,
  webhookDeliverySchema,
  webhookEventTypeSchema,
  webhookParams,
  webhookSchema,
  webhookWithSecretSchema,
} from './webhook-schemas.ts';
import type { WebhookService } from './webhook-service.ts';

const tags = ['webhooks'];

export function registerWebhookRoutes(app: App, service: WebhookService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/orgs/:orgId/webhook-event-types', {
    schema: { tags, operationId: 'listWebhookEventTypes', summary: 'The event types a webhook can subscribe to', params: orgParams, querystring: pageQuery, response: { 200: pageOf(webhookEventTypeSchema), ...errorResponses } },
  }, async (req) => service.listEventTypes(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/webhooks', {
    schema: {
      tags, operationId: 'createWebhook', summary: 'Subscribe an endpoint to event types (the signing secret is shown once)',
      params: orgParams, body: createWebhookBody, response: { 201: webhookWithSecretSchema, ...errorResponses },
    },
  }, async (req, reply) => {
    const created = await service.createWebhook(principalOf(req), req.params.orgId, req.body);
    withEtag(reply, created.webhook);
    return reply.code(201).send(created);
  });

  r.get('/api/v1/orgs/:orgId/webhooks', {
    schema: { tags, operationId: 'listWebhooks', summary: 'List webhook endpoints', params: orgParams, querystring: pageQuery, response: { 200: pageOf(webhookSchema), ...errorResponses } },
  }, async (req) => service.listWebhooks(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/webhooks/:webhookId', {
    schema: { tags, operationId: 'getWebhook', summary: 'Get a webhook endpoint', params: webhookParams, response: { 200: webhookSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getWebhook(principalOf(req), req.params.orgId, req.params.webhookId)));

  r.patch('/api/v1/orgs/:orgId/webhooks/:webhookId', {
    schema: {
      tags, operationId: 'updateWebhook', summary: 'Change a webhook endpoint (enable it again after it was disabled)',
      params: webhookParams, body: updateWebhookBody, response: { 200: webhookSchema, ...errorResponses },
    },
  }, async (req, reply) => withEtag(reply, await service.updateWebhook(principalOf(req), req.params.orgId, req.params.webhookId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/webhooks/:webhookId', {
    schema: { tags, operationId: 'deleteWebhook', summary: 'Delete a webhook endpoint and its delivery log', params: webhookParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteWebhook(principalOf(req), req.params.orgId, req.params.webhookId);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/webhooks/:webhookId/rotate-secret', {
    schema: {
      tags, operationId: 'rotateWebhookSecret', summary: 'Replace the signing secret; during the overlap deliveries are signed with both',
      params: webhookParams, body: rotateWebhookSecretBody, response: { 201: webhookWithSecretSchema, ...errorResponses },
    },
  }, async (req, reply) => {
    const rotated = await service.rotateSecret(principalOf(req), req.params.orgId, req.params.webhookId, req.body);
    withEtag(reply, rotated.webhook);
    return reply.code(201).send(rotated);
  });

  r.post('/api/v1/orgs/:orgId/webhooks/:webhookId/ping', {
    schema: {
      tags, operationId: 'pingWebhook', summary: 'Send a webhook.ping test delivery now and return it',
      params: webhookParams, response: { 201: webhookDeliverySchema, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await service.ping(principalOf(req), req.params.orgId, req.params.webhookId)));

  r.get('/api/v1/orgs/:orgId/webhooks/:webhookId/deliveries', {
    schema: {
      tags, operationId: 'listWebhookDeliveries', summary: 'The delivery log of an endpoint, newest first',
      params: webhookParams, querystring: pageQuery.extend(deliveryQuery.shape), response: { 200: pageOf(webhookDeliverySchema), ...errorResponses },
    },
  }, async (req) => service.listDeliveries(principalOf(req), req.params.orgId, req.params.webhookId, req.query));

  r.get('/api/v1/orgs/:orgId/webhooks/:webhookId/deliveries/:deliveryId', {
    schema: {
      tags, operationId: 'getWebhookDelivery', summary: 'One delivery with its payload and attempt log',
      params: deliveryParams, response: { 200: webhookDeliveryDetailSchema, ...errorResponses },
    },
  }, async (req) => service.getDelivery(principalOf(req), req.params.orgId, req.params.webhookId, req.params.deliveryId));

  r.post('/api/v1/orgs/:orgId/webhooks/:webhookId/deliveries/:deliveryId/redeliver', {
    schema: {
      tags, operationId: 'redeliverWebhookDelivery', summary: 'Send a delivery again (same webhook-id) with a fresh set of attempts',
      params: deliveryParams, response: { 202: webhookDeliverySchema, ...errorResponses },
    },
  }, async (req, reply) => reply.code(202).send(await service.redeliver(principalOf(req), req.params.orgId, req.params.webhookId, req.params.deliveryId)));
}
