import { useQuery } from '@tanstack/react-query';
import { api, call, type QueryOf } from './client.ts';
import { orgKey } from './query.ts';

/** Cost allocation reports (docs/cost.md "Reports"). */

export type CostReportQuery = QueryOf<'/api/v1/orgs/{orgId}/cost/reports/allocation', 'get'>;

export function useCostReport(orgId: string, query: CostReportQuery) {
  return useQuery({
    queryKey: orgKey(orgId, 'cost', 'report', query),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/cost/reports/allocation', { params: { path: { orgId }, query } })),
  });
}

/** The download link of the report as CSV or PDF (the session cookie authenticates the GET). */
export function costReportDownload(orgId: string, format: 'csv' | 'pdf', query: CostReportQuery): string {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  return `/api/v1/orgs/${encodeURIComponent(orgId)}/cost/reports/allocation.${format}?${params.toString()}`;
}
