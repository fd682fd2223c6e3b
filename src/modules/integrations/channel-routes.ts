import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import { channelParams, channelTestResultSchema, createChannelBody, notificationChannelSchema, updateChannelBody } from './channel-schemas.ts';
import type { ChannelService } from './channel-service.ts';

const tags = ['notification-channels'];

export function registerChannelRoutes(app: App, service: ChannelService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/orgs/:orgId/notification-channels', {
    schema: {
      tags, operationId: 'createNotificationChannel', summary: 'Add an e-mail or Slack-compatible notification channel',
      params: orgParams, body: createChannelBody, response: { 201: notificationChannelSchema, ...errorResponses },
    },
  }, async (req, reply) => {
    const created = await service.createChannel(principalOf(req), req.params.orgId, req.body);
    withEtag(reply, created);
    return reply.code(201).send(created);
  });

  r.get('/api/v1/orgs/:orgId/notification-channels', {
    schema: { tags, operationId: 'listNotificationChannels', summary: 'List notification channels', params: orgParams, querystring: pageQuery, response: { 200: pageOf(notificationChannelSchema), ...errorResponses } },
  }, async (req) => service.listChannels(principalOf(req), req.params.orgId, req.query));

  r.get('/api/v1/orgs/:orgId/notification-channels/:channelId', {
    schema: { tags, operationId: 'getNotificationChannel', summary: 'Get a notification channel', params: channelParams, response: { 200: notificationChannelSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getChannel(principalOf(req), req.params.orgId, req.params.channelId)));

  r.patch('/api/v1/orgs/:orgId/notification-channels/:channelId', {
    schema: {
      tags, operationId: 'updateNotificationChannel', summary: 'Change a notification channel (name, recipients, webhook URL, enabled)',
      params: channelParams, body: updateChannelBody, response: { 200: notificationChannelSchema, ...errorResponses },
    },
  }, async (req, reply) =>
    withEtag(reply, await service.updateChannel(principalOf(req), req.params.orgId, req.params.channelId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/notification-channels/:channelId', {
    schema: { tags, operationId: 'deleteNotificationChannel', summary: 'Delete a notification channel and its pending messages', params: channelParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteChannel(principalOf(req), req.params.orgId, req.params.channelId);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/notification-channels/:channelId/test', {
    schema: {
      tags, operationId: 'testNotificationChannel', summary: 'Send a test message now and report whether it was delivered',
      params: channelParams, response: { 200: channelTestResultSchema, ...errorResponses },
    },
  }, async (req) => service.testChannel(principalOf(req), req.params.orgId, req.params.channelId));
}
