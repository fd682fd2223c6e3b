import { useQuery } from '@tanstack/react-query';
import { api, call, ifMatch, type BodyOf, type QueryOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

/** The access log, retention settings, legal holds and retention runs (ADR 0009). */

export type AccessLogFilters = Omit<QueryOf<'/api/v1/orgs/{orgId}/access-log', 'get'>, 'cursor' | 'limit'>;
export type RetentionInput = BodyOf<'/api/v1/orgs/{orgId}/retention', 'put'>;
export type LegalHoldInput = BodyOf<'/api/v1/orgs/{orgId}/legal-holds', 'post'>;

export function useAccessLog(orgId: string, filters: AccessLogFilters) {
  return usePagedQuery(orgKey(orgId, 'access-log', filters), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/access-log', { params: { path: { orgId }, query: { ...filters, cursor, limit: 50 } } })),
  );
}

export function useAccessLogSummary(orgId: string, bucket: 'hour' | 'day') {
  return useQuery({
    queryKey: orgKey(orgId, 'access-log', 'summary', bucket),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/access-log/summary', { params: { path: { orgId }, query: { bucket } } })),
  });
}

export function useRetention(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'retention'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/retention', { params: { path: { orgId } } })),
  });
}

export function useSetRetention(orgId: string) {
  return useApiMutation(
    ({ version, body }: { version: number; body: RetentionInput }) =>
      call(api.PUT('/api/v1/orgs/{orgId}/retention', { params: { path: { orgId } }, body, ...ifMatch(version) })),
    [orgKey(orgId, 'retention')],
  );
}

export function useRetentionRuns(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'retention', 'runs'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/retention/runs', { params: { path: { orgId }, query: { cursor, limit: 20 } } })),
  );
}

export function useLegalHolds(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'legal-holds'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/legal-holds', { params: { path: { orgId }, query: { cursor, limit: 50 } } })),
  );
}

export function useCreateLegalHold(orgId: string) {
  return useApiMutation(
    (body: LegalHoldInput) => call(api.POST('/api/v1/orgs/{orgId}/legal-holds', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'legal-holds')],
  );
}

export function useReleaseLegalHold(orgId: string) {
  return useApiMutation(
    ({ holdId, reason }: { holdId: string; reason: string }) =>
      call(api.POST('/api/v1/orgs/{orgId}/legal-holds/{holdId}/release', { params: { path: { orgId, holdId } }, body: { reason } })),
    [orgKey(orgId, 'legal-holds')],
  );
}
