import { useQuery } from '@tanstack/react-query';
import type { components } from '../../../src/sdk/index.ts';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

type Schemas = components['schemas'];
export type Webhook = Schemas['Webhook'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookDeliveryDetail = Schemas['WebhookDeliveryDetail'];
export type WebhookInput = BodyOf<'/api/v1/orgs/{orgId}/webhooks', 'post'>;

export function useWebhooks(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'webhooks', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/webhooks', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export function useWebhookEventTypes(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'webhook-event-types'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/webhook-event-types', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
    staleTime: Infinity,
  });
}

export function useCreateWebhook(orgId: string) {
  return useApiMutation((body: WebhookInput) => call(api.POST('/api/v1/orgs/{orgId}/webhooks', { params: { path: { orgId } }, body })), [orgKey(orgId, 'webhooks')]);
}

export function useUpdateWebhook(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BodyOf<'/api/v1/orgs/{orgId}/webhooks/{webhookId}', 'patch'> }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/webhooks/{webhookId}', { params: { path: { orgId, webhookId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'webhooks')],
  );
}

export function useDeleteWebhook(orgId: string) {
  return useApiMutation((webhookId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/webhooks/{webhookId}', { params: { path: { orgId, webhookId } } })), [
    orgKey(orgId, 'webhooks'),
  ]);
}

export function useRotateWebhookSecret(orgId: string) {
  return useApiMutation(
    ({ id, overlapMinutes }: { id: string; overlapMinutes: number }) =>
      call(api.POST('/api/v1/orgs/{orgId}/webhooks/{webhookId}/rotate-secret', { params: { path: { orgId, webhookId: id } }, body: { overlapMinutes } })),
    [orgKey(orgId, 'webhooks')],
  );
}

export function usePingWebhook(orgId: string) {
  return useApiMutation(
    (webhookId: string) => call(api.POST('/api/v1/orgs/{orgId}/webhooks/{webhookId}/ping', { params: { path: { orgId, webhookId } } })),
    [orgKey(orgId, 'webhooks')],
  );
}

export function useWebhookDeliveries(orgId: string, webhookId: string | null, status: WebhookDelivery['status'] | null) {
  return usePagedQuery(
    orgKey(orgId, 'webhooks', 'deliveries', webhookId, status),
    (cursor) =>
      call(
        api.GET('/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries', {
          params: { path: { orgId, webhookId: webhookId ?? '' }, query: { cursor, limit: 50, ...(status ? { status } : {}) } },
        }),
      ),
    webhookId !== null,
  );
}

export function useWebhookDelivery(orgId: string, webhookId: string, deliveryId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'webhooks', 'delivery', deliveryId),
    queryFn: () =>
      call(api.GET('/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}', { params: { path: { orgId, webhookId, deliveryId: deliveryId ?? '' } } })),
    enabled: deliveryId !== null,
  });
}

export function useRedeliver(orgId: string) {
  return useApiMutation(
    ({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) =>
      call(api.POST('/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', { params: { path: { orgId, webhookId, deliveryId } } })),
    [orgKey(orgId, 'webhooks')],
  );
}
