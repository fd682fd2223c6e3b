import { useQuery } from '@tanstack/react-query';
import type { components } from '../../../src/sdk/index.ts';
import { api, call, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

/** Fixed-price contracts and their statements (docs/cost.md#contracts). */

export type Contract = components['schemas']['Contract'];
export type ContractStatement = components['schemas']['ContractStatement'];
export type ContractInput = BodyOf<'/api/v1/orgs/{orgId}/contracts', 'post'>;

export function useContracts(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'contracts', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/contracts', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export function useCreateContract(orgId: string) {
  return useApiMutation((body: ContractInput) => call(api.POST('/api/v1/orgs/{orgId}/contracts', { params: { path: { orgId } }, body })), [orgKey(orgId, 'contracts')]);
}

export function useDeleteContract(orgId: string) {
  return useApiMutation(
    (contractId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/contracts/{contractId}', { params: { path: { orgId, contractId } } })),
    [orgKey(orgId, 'contracts')],
  );
}

export function useContractStatement(orgId: string, contractId: string | null, period: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'contracts', contractId, 'statement', period),
    enabled: contractId !== null,
    queryFn: () =>
      call(api.GET('/api/v1/orgs/{orgId}/contracts/{contractId}/statement', { params: { path: { orgId, contractId: contractId! }, query: period ? { period } : {} } })),
  });
}

/** The statement's CSV, downloaded by the browser with the session cookie. */
export function statementCsvUrl(orgId: string, contractId: string, period: string): string {
  const query = period ? `?period=${encodeURIComponent(period)}` : '';
  return `/api/v1/orgs/${encodeURIComponent(orgId)}/contracts/${encodeURIComponent(contractId)}/statement/export${query}`;
}
