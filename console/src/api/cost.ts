import { useQuery } from '@tanstack/react-query';
import { api, call, ifMatch, type BodyOf, type QueryOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

/** Cost allocation (ADR 0015, docs/cost.md). */

export type AllocationQuery = QueryOf<'/api/v1/orgs/{orgId}/cost/allocation', 'get'>;

export function useCostAllocation(orgId: string, query: AllocationQuery) {
  return useQuery({
    queryKey: orgKey(orgId, 'cost', 'allocation', query),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/cost/allocation', { params: { path: { orgId }, query } })),
  });
}

/** FOCUS cloud bills: tag mapping rules, imports with their allocation (docs/cost.md "FOCUS cloud bills"). */

export type FocusRuleInput = BodyOf<'/api/v1/orgs/{orgId}/cost/focus-rules', 'post'>;

export function useFocusRules(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'cost', 'focus-rules'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/cost/focus-rules', { params: { path: { orgId } } })),
    select: (r) => r.items,
  });
}

export function useCreateFocusRule(orgId: string) {
  return useApiMutation((body: FocusRuleInput) => call(api.POST('/api/v1/orgs/{orgId}/cost/focus-rules', { params: { path: { orgId } }, body })), [orgKey(orgId, 'cost', 'focus-rules')]);
}

export function useDeleteFocusRule(orgId: string) {
  return useApiMutation(
    ({ ruleId, version }: { ruleId: string; version: number }) => call(api.DELETE('/api/v1/orgs/{orgId}/cost/focus-rules/{ruleId}', { params: { path: { orgId, ruleId } }, ...ifMatch(version) })),
    [orgKey(orgId, 'cost', 'focus-rules')],
  );
}

export function useFocusImports(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'cost', 'focus-imports'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/cost/focus-imports', { params: { path: { orgId }, query: { cursor, limit: 50 } } })),
  );
}

export function useFocusImport(orgId: string, importId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'cost', 'focus-imports', importId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/cost/focus-imports/{importId}', { params: { path: { orgId, importId: importId! } } })),
    enabled: importId !== null,
  });
}

export function useImportFocusBill(orgId: string) {
  return useApiMutation(
    (body: { csv: string; costColumn: 'EffectiveCost' | 'BilledCost' }) => call(api.POST('/api/v1/orgs/{orgId}/cost/focus-imports', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'cost')],
  );
}

export function useReallocateFocusImport(orgId: string) {
  return useApiMutation(
    (importId: string) => call(api.POST('/api/v1/orgs/{orgId}/cost/focus-imports/{importId}/reallocate', { params: { path: { orgId, importId } } })),
    [orgKey(orgId, 'cost')],
  );
}
