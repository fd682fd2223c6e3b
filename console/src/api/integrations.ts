import { useQuery } from '@tanstack/react-query';
import { api, call } from './client.ts';
import { orgKey, useApiMutation } from './query.ts';

/** Where a workspace is placed and whether its cluster matches it (status `unplaced` when on none). */
export function useReconciliation(orgId: string, workspaceId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'reconciliation', workspaceId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/workspaces/{workspaceId}/reconciliation', { params: { path: { orgId, workspaceId } } })),
    // Pending work finishes in the background; look again until it settles.
    refetchInterval: (query) => (query.state.data?.status === 'pending' || query.state.data?.status === 'deleting' ? 3_000 : 30_000),
  });
}

export function useClusters(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'clusters'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/clusters', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
  });
}

export function usePlaceWorkspace(orgId: string, workspaceId: string) {
  return useApiMutation(
    (clusterId: string) =>
      call(api.PUT('/api/v1/orgs/{orgId}/workspaces/{workspaceId}/placement', { params: { path: { orgId, workspaceId } }, body: { clusterId } })),
    [orgKey(orgId, 'workspaces', 'reconciliation', workspaceId)],
  );
}

/** The Kubernetes objects the workspace becomes, as YAML text. */
export function useManifests(orgId: string, workspaceId: string, enabled: boolean) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'manifests', workspaceId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/workspaces/{workspaceId}/manifests', { params: { path: { orgId, workspaceId } }, parseAs: 'text' })),
    enabled,
  });
}
