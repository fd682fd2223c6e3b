import type { components } from '../../../src/sdk/index.ts';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

export type NotificationChannel = components['schemas']['NotificationChannel'];
export type NotificationChannelInput = BodyOf<'/api/v1/orgs/{orgId}/notification-channels', 'post'>;

export function useNotificationChannels(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'notification-channels', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/notification-channels', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export function useCreateNotificationChannel(orgId: string) {
  return useApiMutation(
    (body: NotificationChannelInput) => call(api.POST('/api/v1/orgs/{orgId}/notification-channels', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'notification-channels')],
  );
}

export function useUpdateNotificationChannel(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BodyOf<'/api/v1/orgs/{orgId}/notification-channels/{channelId}', 'patch'> }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/notification-channels/{channelId}', { params: { path: { orgId, channelId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'notification-channels')],
  );
}

export function useDeleteNotificationChannel(orgId: string) {
  return useApiMutation(
    (channelId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/notification-channels/{channelId}', { params: { path: { orgId, channelId } } })),
    [orgKey(orgId, 'notification-channels')],
  );
}

export function useTestNotificationChannel(orgId: string) {
  return useApiMutation(
    (channelId: string) => call(api.POST('/api/v1/orgs/{orgId}/notification-channels/{channelId}/test', { params: { path: { orgId, channelId } } })),
    [orgKey(orgId, 'notification-channels')],
  );
}
