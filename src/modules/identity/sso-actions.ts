import type { ActionInfo } from '../../kernel/authz.ts';

export const ssoActions: ActionInfo[] = [
  { name: 'sso-connection:create', scope: 'organization', description: 'Create a single sign-on connection to an identity provider' },
  { name: 'sso-connection:read', scope: 'organization', description: 'See SSO connections (never their secrets), mappings, previews and sign-in traces' },
  { name: 'sso-connection:update', scope: 'organization', description: 'Change, enable or disable an SSO connection and its role mappings' },
  { name: 'sso-connection:delete', scope: 'organization', description: 'Delete an SSO connection and the bindings its mappings made' },
  { name: 'sso-connection:test', scope: 'organization', description: 'Run a test sign-in through an SSO connection' },
  { name: 'domain:create', scope: 'organization', description: 'Claim a domain for the organization' },
  { name: 'domain:read', scope: 'organization', description: 'See the organization\'s domains' },
  { name: 'domain:verify', scope: 'organization', description: 'Verify a claimed domain by its DNS TXT record' },
  { name: 'domain:update', scope: 'organization', description: 'Enforce single sign-on for a domain and name its break-glass users' },
  { name: 'domain:delete', scope: 'organization', description: 'Give up a claimed or verified domain (its addresses stop routing to single sign-on)' },
];
