import { useQuery } from '@tanstack/react-query';
import { api, call, type BodyOf } from './client.ts';
import { orgKey, useApiMutation } from './query.ts';
import type { components } from '../../../src/sdk/index.ts';

export type AuditStream = components['schemas']['AuditStream'];
export type AuditStreamInput = BodyOf<'/api/v1/orgs/{orgId}/audit-streams', 'post'>;
const path = '/api/v1/orgs/{orgId}/audit-streams/{streamId}' as const;

/** The streams with their health, refreshed every few seconds while the page is open. */
export function useAuditStreams(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit-streams', 'list'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-streams', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
    refetchInterval: 5000,
  });
}

export function useCreateAuditStream(orgId: string) {
  return useApiMutation((body: AuditStreamInput) => call(api.POST('/api/v1/orgs/{orgId}/audit-streams', { params: { path: { orgId } }, body })), [
    orgKey(orgId, 'audit-streams'),
  ]);
}

export function useSetAuditStreamStatus(orgId: string) {
  return useApiMutation(
    ({ id, status }: { id: string; status: 'active' | 'paused' }) => call(api.PATCH(path, { params: { path: { orgId, streamId: id } }, body: { status } })),
    [orgKey(orgId, 'audit-streams')],
  );
}

export function useReplayAuditStream(orgId: string) {
  return useApiMutation(
    ({ id, fromSeq }: { id: string; fromSeq: number }) => call(api.POST(`${path}/replay`, { params: { path: { orgId, streamId: id } }, body: { fromSeq } })),
    [orgKey(orgId, 'audit-streams')],
  );
}

export function useResumeAuditStream(orgId: string) {
  return useApiMutation((id: string) => call(api.POST(`${path}/resume`, { params: { path: { orgId, streamId: id } } })), [orgKey(orgId, 'audit-streams')]);
}

export function useTestAuditStream(orgId: string) {
  return useApiMutation((id: string) => call(api.POST(`${path}/test`, { params: { path: { orgId, streamId: id } } })), []);
}

export function useDeleteAuditStream(orgId: string) {
  return useApiMutation((id: string) => call(api.DELETE(path, { params: { path: { orgId, streamId: id } } })), [orgKey(orgId, 'audit-streams')]);
}
