import type { ActionInfo } from '../../kernel/authz.ts';

// Billing administrators hold `cost:*` (access/roles.ts); owners and admins hold everything.
export const costActions: ActionInfo[] = [
  { name: 'cost:read', scope: 'organization', description: 'See prices, cost sources, settings and cost allocations' },
  { name: 'cost:configure', scope: 'organization', description: 'Change prices, cost sources and allocation settings' },
  { name: 'cost:ingest', scope: 'organization', description: 'Push usage samples' },
  { name: 'cost:collect', scope: 'organization', description: 'Run (or backfill) usage collection from a Prometheus source' },
];
