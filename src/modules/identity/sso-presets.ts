/** What each identity provider preset fills in for an OIDC connection. Pure. */
import { defaultClaimNames, type ClaimNames } from './sso-claims.ts';

export type Preset = 'okta' | 'entra' | 'google' | 'generic';

interface PresetDefaults {
  scopes: string[];
  claims: Partial<ClaimNames>;
  discoveryUrl?: (tenantId: string | null) => string | null;
}

const presets: Record<Preset, PresetDefaults> = {
  // Okta sends `groups` when the app's groups claim filter is set (docs/sso.md).
  okta: { scopes: ['openid', 'email', 'profile', 'groups'], claims: {} },
  // Entra ID v2 endpoints; `groups` carries object ids unless the app emits names.
  entra: {
    scopes: ['openid', 'email', 'profile'],
    claims: {},
    discoveryUrl: (tenantId) => (tenantId ? `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration` : null),
  },
  google: { scopes: ['openid', 'email', 'profile'], claims: {}, discoveryUrl: () => 'https://accounts.google.com/.well-known/openid-configuration' },
  generic: { scopes: ['openid', 'email', 'profile'], claims: {} },
};

/** The expected issuer of an Entra ID tenant (v2 endpoints). */
export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export interface OidcInput {
  discoveryUrl?: string | undefined;
  tenantId?: string | undefined;
  scopes?: string[] | undefined;
  claims?: Partial<ClaimNames> | undefined;
}

export type ResolvedOidc = { discoveryUrl: string; tenantId: string | null; scopes: string[]; claims: ClaimNames };

/** Fills a connection's settings from its preset; an explicit value always wins. */
export function resolveOidcSettings(preset: Preset, input: OidcInput): ResolvedOidc | { field: string; message: string } {
  const defaults = presets[preset];
  const tenantId = input.tenantId ?? null;
  const discoveryUrl = input.discoveryUrl ?? defaults.discoveryUrl?.(tenantId) ?? null;
  if (!discoveryUrl) {
    return preset === 'entra'
      ? { field: 'oidc.tenantId', message: 'give the Entra ID tenant id (or a discoveryUrl)' }
      : { field: 'oidc.discoveryUrl', message: 'give the identity provider\'s discovery URL' };
  }
  const scopes = [...new Set(['openid', ...(input.scopes ?? defaults.scopes)])];
  return { discoveryUrl, tenantId, scopes, claims: { ...defaultClaimNames, ...defaults.claims, ...input.claims } };
}
