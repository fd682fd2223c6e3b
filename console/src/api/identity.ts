import { useQuery } from '@tanstack/react-query';
import { request, seg } from './client.ts';
import { itemsOf, orgKey, useApiMutation, usePagedQuery } from './query.ts';
import type { ApiKey, ApiKeyWithSecret, Group, GroupMember, Page } from './types.ts';

const orgs = (orgId: string) => `/api/v1/orgs/${seg(orgId)}`;

// ---- API keys ----

export function useApiKeys(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'api-keys', 'list'), (cursor) =>
    request<Page<ApiKey>>('GET', `${orgs(orgId)}/api-keys`, { query: { cursor, limit: 100 } }),
  );
}

export interface ApiKeyInput {
  name: string;
  workspaceId?: string;
  roleId?: string;
  actions?: string[];
  expiresInDays?: number;
  rateLimitPerMinute?: number;
}

export function useCreateApiKey(orgId: string) {
  return useApiMutation(
    (body: ApiKeyInput) => request<ApiKeyWithSecret>('POST', `${orgs(orgId)}/api-keys`, { body }),
    [orgKey(orgId, 'api-keys')],
  );
}

export function useRotateApiKey(orgId: string) {
  return useApiMutation(
    ({ id, overlapMinutes }: { id: string; overlapMinutes: number }) =>
      request<ApiKeyWithSecret>('POST', `${orgs(orgId)}/api-keys/${seg(id)}/rotate`, { body: { overlapMinutes } }),
    [orgKey(orgId, 'api-keys')],
  );
}

export function useRevokeApiKey(orgId: string) {
  return useApiMutation((id: string) => request<ApiKey>('DELETE', `${orgs(orgId)}/api-keys/${seg(id)}`), [orgKey(orgId, 'api-keys')]);
}

// ---- groups ----

export function useGroups(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'groups', 'all'),
    queryFn: () => request<Page<Group>>('GET', `${orgs(orgId)}/groups`, { query: { limit: 200 } }),
    select: (page) => page.items,
  });
}

export interface GroupInput {
  name: string;
  description: string;
}

export function useCreateGroup(orgId: string) {
  return useApiMutation((body: GroupInput) => request<Group>('POST', `${orgs(orgId)}/groups`, { body }), [orgKey(orgId, 'groups')]);
}

export function useUpdateGroup(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: Partial<GroupInput> }) =>
      request<Group>('PATCH', `${orgs(orgId)}/groups/${seg(id)}`, { body: changes, ifMatch: version }),
    [orgKey(orgId, 'groups')],
  );
}

export function useDeleteGroup(orgId: string) {
  return useApiMutation((id: string) => request<void>('DELETE', `${orgs(orgId)}/groups/${seg(id)}`), [
    orgKey(orgId, 'groups'),
    orgKey(orgId, 'role-bindings'),
  ]);
}

export function useGroupMembers(orgId: string, groupId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'groups', 'members', groupId),
    queryFn: async () =>
      itemsOf(await request<GroupMember[] | Page<GroupMember>>('GET', `${orgs(orgId)}/groups/${seg(groupId ?? '')}/members`, { query: { limit: 200 } })),
    enabled: groupId !== null,
  });
}

export function useAddGroupMember(orgId: string) {
  return useApiMutation(
    ({ groupId, userId }: { groupId: string; userId: string }) => request<void>('PUT', `${orgs(orgId)}/groups/${seg(groupId)}/members/${seg(userId)}`),
    [orgKey(orgId, 'groups')],
  );
}

export function useRemoveGroupMember(orgId: string) {
  return useApiMutation(
    ({ groupId, userId }: { groupId: string; userId: string }) =>
      request<void>('DELETE', `${orgs(orgId)}/groups/${seg(groupId)}/members/${seg(userId)}`),
    [orgKey(orgId, 'groups')],
  );
}
