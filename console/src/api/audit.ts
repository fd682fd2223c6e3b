import { useQuery } from '@tanstack/react-query';
import { api, call, type QueryOf } from './client.ts';
import { orgKey, usePagedQuery } from './query.ts';

export type AuditFilters = Omit<QueryOf<'/api/v1/orgs/{orgId}/audit-events', 'get'>, 'cursor' | 'limit'>;

export function useAuditEvents(orgId: string, filters: AuditFilters) {
  return usePagedQuery(orgKey(orgId, 'audit', filters), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/audit-events', { params: { path: { orgId }, query: { ...filters, cursor, limit: 50 } } })),
  );
}

export function useAuditEvent(orgId: string, eventId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit', 'event', eventId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-events/{eventId}', { params: { path: { orgId, eventId: eventId ?? '' } } })),
    enabled: eventId !== null,
  });
}

/** The event's inclusion proof against the latest checkpoint (409 while it is not sealed yet). */
export function useAuditProof(orgId: string, eventId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit', 'proof', eventId),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-events/{eventId}/proof', { params: { path: { orgId, eventId }, query: {} } })),
    retry: false,
  });
}
