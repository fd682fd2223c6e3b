import { useQuery } from '@tanstack/react-query';
import type { components } from '../../../src/sdk/index.ts';
import { api, call, ifMatch, type BodyOf } from './client.ts';
import { orgKey, useApiMutation, usePagedQuery } from './query.ts';

type Schemas = components['schemas'];
export type SsoConnection = Schemas['SsoConnection'];
export type VerifiedDomain = Schemas['VerifiedDomain'];
export type SsoTrace = Schemas['SsoTrace'];
export type SsoConnectionInput = BodyOf<'/api/v1/orgs/{orgId}/sso-connections', 'post'>;

export function useSsoConnections(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'sso-connections', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/sso-connections', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export function useCreateSsoConnection(orgId: string) {
  return useApiMutation((body: SsoConnectionInput) => call(api.POST('/api/v1/orgs/{orgId}/sso-connections', { params: { path: { orgId } }, body })), [
    orgKey(orgId, 'sso-connections'),
  ]);
}

export function useSetSsoConnectionEnabled(orgId: string) {
  return useApiMutation(
    ({ id, version, enabled }: { id: string; version: number; enabled: boolean }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path: { orgId, connectionId: id } }, body: { enabled }, ...ifMatch(version) })),
    [orgKey(orgId, 'sso-connections')],
  );
}

export function useTestSsoConnection(orgId: string) {
  return useApiMutation(
    (connectionId: string) => call(api.POST('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/test', { params: { path: { orgId, connectionId } } })),
    [orgKey(orgId, 'sso-traces')],
  );
}

export function useSsoTraces(orgId: string, connectionId: string | null) {
  return useQuery({
    queryKey: orgKey(orgId, 'sso-traces', connectionId ?? ''),
    queryFn: () => call(api.GET('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/traces', { params: { path: { orgId, connectionId: connectionId! } } })),
    select: (page) => page.items,
    enabled: connectionId !== null,
  });
}

export function useDomains(orgId: string) {
  return usePagedQuery(orgKey(orgId, 'domains', 'list'), (cursor) =>
    call(api.GET('/api/v1/orgs/{orgId}/domains', { params: { path: { orgId }, query: { cursor, limit: 100 } } })),
  );
}

export function useCreateDomain(orgId: string) {
  return useApiMutation((domain: string) => call(api.POST('/api/v1/orgs/{orgId}/domains', { params: { path: { orgId } }, body: { domain } })), [orgKey(orgId, 'domains')]);
}

export function useVerifyDomain(orgId: string) {
  return useApiMutation((domainId: string) => call(api.POST('/api/v1/orgs/{orgId}/domains/{domainId}/verify', { params: { path: { orgId, domainId } } })), [
    orgKey(orgId, 'domains'),
  ]);
}

export function useDeleteDomain(orgId: string) {
  return useApiMutation(
    ({ id, version }: { id: string; version: number }) =>
      call(api.DELETE('/api/v1/orgs/{orgId}/domains/{domainId}', { params: { path: { orgId, domainId: id } }, ...ifMatch(version) })),
    [orgKey(orgId, 'domains')],
  );
}

export function useEnforceSso(orgId: string) {
  return useApiMutation(
    ({ id, version, enforceSso }: { id: string; version: number; enforceSso: boolean }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/domains/{domainId}', { params: { path: { orgId, domainId: id } }, body: { enforceSso }, ...ifMatch(version) })),
    [orgKey(orgId, 'domains')],
  );
}

/** Plaintext SAML assertions refused (or accepted again). */
export function useRequireEncryptedAssertions(orgId: string) {
  return useApiMutation(
    ({ id, version, required }: { id: string; version: number; required: boolean }) =>
      call(api.PATCH('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path: { orgId, connectionId: id } }, body: { saml: { requireEncryptedAssertions: required } }, ...ifMatch(version) })),
    [orgKey(orgId, 'sso-connections')],
  );
}

/** Starts an SP encryption key rotation: a new current certificate, the previous one still decrypts. */
export function useCreateSsoEncryptionKey(orgId: string) {
  return useApiMutation(
    ({ id, version }: { id: string; version: number }) =>
      call(api.POST('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/encryption-keys', { params: { path: { orgId, connectionId: id } }, ...ifMatch(version) })),
    [orgKey(orgId, 'sso-connections')],
  );
}

/** Ends a rotation: the previous SP encryption key no longer decrypts. */
export function useRetireSsoEncryptionKey(orgId: string) {
  return useApiMutation(
    ({ id, version, keyId }: { id: string; version: number; keyId: string }) =>
      call(api.DELETE('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/encryption-keys/{keyId}', { params: { path: { orgId, connectionId: id, keyId } }, ...ifMatch(version) })),
    [orgKey(orgId, 'sso-connections')],
  );
}

export type SsoMapping = Schemas['SsoMapping'];
export type SsoMappingPreview = Schemas['SsoMappingPreview'];
export type SsoMappingPreviewInput = BodyOf<'/api/v1/orgs/{orgId}/sso-connections/{connectionId}/mappings/preview', 'post'>;

/** Replaces a connection's mappings (If-Match on the connection's version). */
export function usePutSsoMappings(orgId: string) {
  return useApiMutation(
    ({ connectionId, version, mappings }: { connectionId: string; version: number; mappings: SsoMapping[] }) =>
      call(api.PUT('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/mappings', { params: { path: { orgId, connectionId } }, body: { mappings }, ...ifMatch(version) })),
    [orgKey(orgId, 'sso-connections')],
  );
}

/** Who would get what from proposed mappings, for sample claims; changes nothing. */
export function usePreviewSsoMappings(orgId: string) {
  return useApiMutation(
    ({ connectionId, body }: { connectionId: string; body: SsoMappingPreviewInput }) =>
      call(api.POST('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/mappings/preview', { params: { path: { orgId, connectionId } }, body })),
    [],
  );
}
