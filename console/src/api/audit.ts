import { useQuery } from '@tanstack/react-query';
import { api, call, type QueryOf } from './client.ts';
import { orgKey, usePagedQuery } from './query.ts';

export type AuditFilters = Omit<QueryOf<'/api/v1/orgs/{orgId}/audit-events', 'get'>, 'cursor' | 'limit'>;

/** `unmasked` asks for the stored values (needs audit:read-unmasked; every such read is audited). */
const unmaskedQuery = (unmasked: boolean) => (unmasked ? { unmasked: 'true' as const } : {});

export function useAuditEvents(orgId: string, filters: AuditFilters, unmasked = false) {
  return usePagedQuery(orgKey(orgId, 'audit', filters, unmasked), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/audit-events', { params: { path: { orgId }, query: { ...filters, ...unmaskedQuery(unmasked), cursor, limit: 50 } } })),
  );
}

export function useAuditEvent(orgId: string, eventId: string | null, unmasked = false) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit', 'event', eventId, unmasked),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-events/{eventId}', { params: { path: { orgId, eventId: eventId ?? '' }, query: unmaskedQuery(unmasked) } })),
    enabled: eventId !== null,
  });
}

/** The event's inclusion proof against the latest checkpoint (409 while it is not sealed yet). */
export function useAuditProof(orgId: string, eventId: string, unmasked = false) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit', 'proof', eventId, unmasked),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-events/{eventId}/proof', { params: { path: { orgId, eventId }, query: unmaskedQuery(unmasked) } })),
    retry: false,
  });
}
