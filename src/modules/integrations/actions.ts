import type { ActionInfo } from '../../kernel/authz.ts';

export const integrationsActions: ActionInfo[] = [
  { name: 'cluster:create', scope: 'organization', description: 'Register a Kubernetes cluster with its API URL, CA and token' },
  { name: 'cluster:read', scope: 'organization', description: 'See registered clusters and their connection status (never their tokens)' },
  { name: 'cluster:update', scope: 'organization', description: 'Change a cluster name, labels, URL, CA or token' },
  { name: 'cluster:delete', scope: 'organization', description: 'Remove a cluster that no workspace is placed on' },
  {
    name: 'cluster:assign',
    scope: 'workspace',
    description: 'Place a workspace on a cluster or take it off one (which deletes its namespace there)',
  },
];
