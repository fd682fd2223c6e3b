import type { ActionInfo } from '../../kernel/authz.ts';

export const identityActions: ActionInfo[] = [
  { name: 'api-key:create', scope: 'organization', description: 'Create an API key (with no more access than you hold)' },
  { name: 'api-key:read', scope: 'organization', description: 'See API keys (never their secrets)' },
  { name: 'api-key:rotate', scope: 'organization', description: 'Issue a new secret for an API key' },
  { name: 'api-key:revoke', scope: 'organization', description: 'Revoke an API key' },
  { name: 'group:create', scope: 'organization', description: 'Create a group' },
  { name: 'group:read', scope: 'organization', description: 'See groups and their members' },
  { name: 'group:update', scope: 'organization', description: 'Rename a group and change its members' },
  { name: 'group:delete', scope: 'organization', description: 'Delete a group and its role bindings' },
  { name: 'scim-token:create', scope: 'organization', description: 'Create a SCIM provisioning token' },
  { name: 'scim-token:read', scope: 'organization', description: 'See SCIM tokens (never their secrets)' },
  { name: 'scim-token:rotate', scope: 'organization', description: 'Issue a new SCIM token secret' },
  { name: 'scim-token:revoke', scope: 'organization', description: 'Revoke a SCIM token' },
  { name: 'security-policy:read', scope: 'organization', description: "See the organization's security policy" },
  { name: 'security-policy:update', scope: 'organization', description: 'Change the security policy (MFA, sessions, IP allow-lists, lockout)' },
];
