import type { ActionInfo } from '../../kernel/authz.ts';

export const tenancyActions: ActionInfo[] = [
  { name: 'organization:create', scope: 'platform', description: 'Create an organization' },
  { name: 'organization:read', scope: 'organization', description: 'See the organization and its settings' },
  { name: 'organization:update', scope: 'organization', description: 'Change the organization name, time zone and currency' },
  { name: 'workspace:create', scope: 'organization', description: 'Create a workspace' },
  { name: 'workspace:read', scope: 'workspace', description: 'See a workspace' },
  { name: 'workspace:update', scope: 'workspace', description: 'Change a workspace name, description and labels' },
  { name: 'workspace:delete', scope: 'organization', description: 'Delete an empty workspace' },
  { name: 'project:create', scope: 'workspace', description: 'Create a project in a workspace' },
  { name: 'project:read', scope: 'project', description: 'See a project' },
  { name: 'project:update', scope: 'project', description: 'Change a project name, description and labels' },
  { name: 'project:delete', scope: 'workspace', description: 'Delete a project' },
  { name: 'quota:update', scope: 'workspace', description: 'Set the resource quota of a workspace (at org scope) or project' },
  { name: 'member:read', scope: 'organization', description: 'See the members of the organization' },
  { name: 'member:remove', scope: 'organization', description: 'Remove a member from the organization' },
  { name: 'invitation:create', scope: 'organization', description: 'Invite someone by e-mail' },
  { name: 'invitation:read', scope: 'organization', description: 'See invitations' },
  { name: 'invitation:revoke', scope: 'organization', description: 'Revoke a pending invitation' },
];
