import { useQuery } from '@tanstack/react-query';
import { api, call, type QueryOf } from './client.ts';
import { orgKey } from './query.ts';

/** Cost allocation (ADR 0015, docs/cost.md). */

export type AllocationQuery = QueryOf<'/api/v1/orgs/{orgId}/cost/allocation', 'get'>;

export function useCostAllocation(orgId: string, query: AllocationQuery) {
  return useQuery({
    queryKey: orgKey(orgId, 'cost', 'allocation', query),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/cost/allocation', { params: { path: { orgId }, query } })),
  });
}
