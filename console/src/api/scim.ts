import { api, call } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';
import type { Schemas } from './types.ts';

export type ScimToken = Schemas['ScimToken'];
export type CreatedScimToken = Schemas['CreatedScimToken'];

export function useScimTokens(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'scim-tokens', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/scim-tokens', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export function useCreateScimToken(orgId: string) {
  return useApiMutation(
    (body: { name: string }) => call(api.POST('/api/v1/orgs/{orgId}/scim-tokens', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'scim-tokens')],
  );
}

export function useRotateScimToken(orgId: string) {
  return useApiMutation(
    ({ id, overlapMinutes }: { id: string; overlapMinutes: number }) =>
      call(api.POST('/api/v1/orgs/{orgId}/scim-tokens/{tokenId}/rotate', { params: { path: { orgId, tokenId: id } }, body: { overlapMinutes } })),
    [orgKey(orgId, 'scim-tokens')],
  );
}

export function useRevokeScimToken(orgId: string) {
  return useApiMutation((tokenId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/scim-tokens/{tokenId}', { params: { path: { orgId, tokenId } } })), [
    orgKey(orgId, 'scim-tokens'),
  ]);
}
