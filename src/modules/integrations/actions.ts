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
  // ---- outbound webhooks ----
  { name: 'webhook:create', scope: 'organization', description: 'Subscribe an endpoint to events (its signing secret is shown once)' },
  { name: 'webhook:read', scope: 'organization', description: 'See webhook endpoints and their delivery logs (never their secrets)' },
  { name: 'webhook:update', scope: 'organization', description: 'Change, disable or re-enable a webhook endpoint' },
  { name: 'webhook:delete', scope: 'organization', description: 'Delete a webhook endpoint and its delivery log' },
  { name: 'webhook:rotate', scope: 'organization', description: 'Rotate a webhook signing secret' },
  { name: 'webhook:redeliver', scope: 'organization', description: 'Send deliveries on demand: redeliver one, or ping the endpoint' },
  // ---- notification channels (ADR 0016) ----
  { name: 'notification-channel:create', scope: 'organization', description: 'Add an e-mail or Slack-compatible notification channel' },
  { name: 'notification-channel:read', scope: 'organization', description: 'See notification channels (never a Slack webhook URL, which is a secret)' },
  { name: 'notification-channel:update', scope: 'organization', description: 'Change, disable or re-enable a notification channel' },
  { name: 'notification-channel:delete', scope: 'organization', description: 'Delete a notification channel' },
  { name: 'notification-channel:test', scope: 'organization', description: 'Send a test message to a notification channel now' },
];
