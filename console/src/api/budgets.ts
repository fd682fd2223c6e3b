import { useQuery } from '@tanstack/react-query';
import type { components } from '../../../src/sdk/index.ts';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

/** Budgets (issue 5, docs/cost.md): thresholds, forecast, burn-down and the admission decision. */

export type Budget = components['schemas']['Budget'];
export type BudgetStatus = components['schemas']['BudgetStatus'];
export type BudgetInput = BodyOf<'/api/v1/orgs/{orgId}/budgets', 'post'>;
export type BudgetChanges = BodyOf<'/api/v1/orgs/{orgId}/budgets/{budgetId}', 'patch'>;

export function useBudgets(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'budgets', 'list'), (cursor) => call(api.GET('/api/v1/orgs/{orgId}/budgets', { params: { path: { orgId }, query: { cursor, limit: 100 } } })));
}

export function useBudget(orgId: string, budgetId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'budgets', 'one', budgetId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId } } })),
  });
}

export function useBudgetStatus(orgId: string, budgetId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'budgets', 'status', budgetId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/budgets/{budgetId}/status', { params: { path: { orgId, budgetId } } })),
  });
}

export function useBudgetQuotaEstimate(orgId: string, budgetId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'budgets', 'quota', budgetId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/budgets/{budgetId}/quota-estimate', { params: { path: { orgId, budgetId } } })),
  });
}

export function useCreateBudget(orgId: string) {
  return useApiMutation((body: BudgetInput) => call(api.POST('/api/v1/orgs/{orgId}/budgets', { params: { path: { orgId } }, body })), [orgKey(orgId, 'budgets')]);
}

export function useUpdateBudget(orgId: string) {
  return useApiMutation(
    ({ id, version, changes }: { id: string; version: number; changes: BudgetChanges }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId: id } }, body: changes, ...ifMatch(version) })),
    [orgKey(orgId, 'budgets')],
  );
}

export function useDeleteBudget(orgId: string) {
  return useApiMutation((budgetId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId } } })), [orgKey(orgId, 'budgets')]);
}

export function useEvaluateBudget(orgId: string) {
  return useApiMutation((budgetId: string) => call(api.POST('/api/v1/orgs/{orgId}/budgets/{budgetId}/evaluate', { params: { path: { orgId, budgetId } } })), [orgKey(orgId, 'budgets')]);
}
