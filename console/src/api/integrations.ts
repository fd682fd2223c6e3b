import { useQuery } from '@tanstack/react-query';
import { request, seg } from './client.ts';
import { orgKey } from './query.ts';
import type { Reconciliation } from './types.ts';

/** Placement and reconciliation of a workspace; 404 until it is placed on a cluster. */
export function useReconciliation(orgId: string, workspaceId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'workspaces', 'reconciliation', workspaceId),
    queryFn: () => request<Reconciliation>('GET', `/api/v1/orgs/${seg(orgId)}/workspaces/${seg(workspaceId)}/reconciliation`),
    refetchInterval: 15_000,
  });
}
