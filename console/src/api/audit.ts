import { useQuery } from '@tanstack/react-query';
import { request, seg } from './client.ts';
import { orgKey, usePagedQuery } from './query.ts';
import type { AuditEvent, AuditOutcome, Page } from './types.ts';

export interface AuditFilters {
  actorId?: string;
  action?: string;
  targetId?: string;
  workspaceId?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
  q?: string;
}

export function useAuditEvents(orgId: string, filters: AuditFilters) {
  return usePagedQuery(orgKey(orgId, 'audit', filters), (cursor) =>
    request<Page<AuditEvent>>('GET', `/api/v1/orgs/${seg(orgId)}/audit-events`, { query: { ...filters, cursor, limit: 50 } }),
  );
}

export function useAuditEvent(orgId: string, eventId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit', 'event', eventId),
    queryFn: () => request<AuditEvent>('GET', `/api/v1/orgs/${seg(orgId)}/audit-events/${seg(eventId ?? '')}`),
    enabled: eventId !== null,
  });
}
