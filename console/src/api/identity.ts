import { useQuery } from '@tanstack/react-query';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

// ---- API keys ----

export function useApiKeys(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'api-keys', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/api-keys', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export type ApiKeyInput = BodyOf<'/api/v1/orgs/{orgId}/api-keys', 'post'>;

export function useCreateApiKey(orgId: string) {
  return useApiMutation(
    (body: ApiKeyInput) => call(api.POST('/api/v1/orgs/{orgId}/api-keys', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'api-keys')],
  );
}

export function useRotateApiKey(orgId: string) {
  return useApiMutation(
    ({ id, overlapMinutes }: { id: string; overlapMinutes: number }) =>
      call(api.POST('/api/v1/orgs/{orgId}/api-keys/{keyId}/rotate', { params: { path: { orgId, keyId: id } }, body: { overlapMinutes } })),
    [orgKey(orgId, 'api-keys')],
  );
}

export function useRevokeApiKey(orgId: string) {
  return useApiMutation((keyId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/api-keys/{keyId}', { params: { path: { orgId, keyId } } })), [
    orgKey(orgId, 'api-keys'),
  ]);
}

// ---- groups ----

export function useGroups(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'groups', 'all'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/groups', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
  });
}

export type GroupInput = BodyOf<'/api/v1/orgs/{orgId}/groups', 'post'>;

export function useCreateGroup(orgId: string) {
  return useApiMutation((body: GroupInput) => call(api.POST('/api/v1/orgs/{orgId}/groups', { params: { path: { orgId } }, body })), [orgKey(orgId, 'groups')]);
}

export function useUpdateGroup(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BodyOf<'/api/v1/orgs/{orgId}/groups/{groupId}', 'patch'> }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/groups/{groupId}', { params: { path: { orgId, groupId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'groups')],
  );
}

export function useDeleteGroup(orgId: string) {
  return useApiMutation((groupId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/groups/{groupId}', { params: { path: { orgId, groupId } } })), [
    orgKey(orgId, 'groups'),
    orgKey(orgId, 'role-bindings'),
  ]);
}

export function useGroupMembers(orgId: string, groupId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'groups', 'members', groupId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/groups/{groupId}/members', { params: { path: { orgId, groupId: groupId ?? '' }, query: { limit: 200 } } })),
    select: (page) => page.items,
    enabled: groupId !== null,
  });
}

export function useAddGroupMember(orgId: string) {
  return useApiMutation(
    ({ groupId, userId }: { groupId: string; userId: string }) =>
      call(api.PUT('/api/v1/orgs/{orgId}/groups/{groupId}/members/{userId}', { params: { path: { orgId, groupId, userId } } })),
    [orgKey(orgId, 'groups')],
  );
}

export function useRemoveGroupMember(orgId: string) {
  return useApiMutation(
    ({ groupId, userId }: { groupId: string; userId: string }) =>
      call(api.DELETE('/api/v1/orgs/{orgId}/groups/{groupId}/members/{userId}', { params: { path: { orgId, groupId, userId } } })),
    [orgKey(orgId, 'groups')],
  );
}
