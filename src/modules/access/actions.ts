import type { ActionInfo } from '../../kernel/authz.ts';

export const accessActions: ActionInfo[] = [
  { name: 'role:create', scope: 'organization', description: 'Create a custom role' },
  // Workspace and project administrators read roles to choose what to bind.
  { name: 'role:read', scope: 'project', description: 'See roles and what they allow' },
  { name: 'role:update', scope: 'organization', description: 'Change a custom role' },
  { name: 'role:delete', scope: 'organization', description: 'Delete a custom role that has no bindings' },
  { name: 'role-binding:create', scope: 'project', description: 'Grant a role to a user or group at a scope (only actions you hold yourself)' },
  { name: 'role-binding:read', scope: 'project', description: 'See who holds which role where' },
  { name: 'role-binding:delete', scope: 'project', description: 'Remove a role binding' },
  { name: 'policy:create', scope: 'organization', description: 'Create a Cedar policy' },
  { name: 'policy:read', scope: 'organization', description: 'See Cedar policies and the policy schema' },
  { name: 'policy:update', scope: 'organization', description: 'Change, enable or disable a Cedar policy' },
  { name: 'policy:delete', scope: 'organization', description: 'Delete a Cedar policy' },
  { name: 'access:simulate', scope: 'organization', description: 'Check access for others, ask who can do something, and simulate changes (what-if)' },
];
