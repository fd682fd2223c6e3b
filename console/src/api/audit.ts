import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, call, type BodyOf, type QueryOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

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

export type AuditBucket = 'hour' | 'day';

export function useAuditTimeline(orgId: string, filters: AuditFilters, bucket: AuditBucket) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit', 'timeline', bucket, filters),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-timeline', { params: { path: { orgId }, query: { ...filters, bucket } } })),
    placeholderData: keepPreviousData,
  });
}

// ---- saved searches ----

export function useSavedSearches(orgId: string) {
  return useQuery({
    queryKey: orgKey(orgId, 'audit-searches'),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/audit-searches', { params: { path: { orgId }, query: { limit: 200 } } })),
    select: (page) => page.items,
  });
}

export type SavedSearchInput = BodyOf<'/api/v1/orgs/{orgId}/audit-searches', 'post'>;

export function useCreateSavedSearch(orgId: string) {
  return useApiMutation(
    (body: SavedSearchInput) => call(api.POST('/api/v1/orgs/{orgId}/audit-searches', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'audit-searches')],
  );
}

export function useDeleteSavedSearch(orgId: string) {
  return useApiMutation(
    (searchId: string) => call(api.DELETE('/api/v1/orgs/{orgId}/audit-searches/{searchId}', { params: { path: { orgId, searchId } } })),
    [orgKey(orgId, 'audit-searches')],
  );
}

// ---- exports ----

export type AuditExportInput = BodyOf<'/api/v1/orgs/{orgId}/audit-exports', 'post'>;

export function useCreateAuditExport(orgId: string) {
  return useApiMutation(
    (body: AuditExportInput) => call(api.POST('/api/v1/orgs/{orgId}/audit-exports', { params: { path: { orgId } }, body })),
    [orgKey(orgId, 'audit-exports')],
  );
}

/** Same-origin GET links: the session cookie goes along, no CSRF token is needed to read. */
export function auditExportUrl(orgId: string, exportId: string, part: 'file' | 'proof'): string {
  return `/api/v1/orgs/${encodeURIComponent(orgId)}/audit-exports/${encodeURIComponent(exportId)}/${part}`;
}
