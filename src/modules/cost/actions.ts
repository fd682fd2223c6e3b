import type { ActionInfo } from '../../kernel/authz.ts';

// Billing administrators hold `cost:*` and `budget:*` (access/roles.ts); owners and admins hold everything.
export const costActions: ActionInfo[] = [
  { name: 'cost:read', scope: 'organization', description: 'See prices, cost sources, settings and cost allocations' },
  { name: 'cost:configure', scope: 'organization', description: 'Change prices, cost sources and allocation settings' },
  { name: 'cost:ingest', scope: 'organization', description: 'Push usage samples' },
  { name: 'cost:collect', scope: 'organization', description: 'Run (or backfill) usage collection from a Prometheus source' },
];

export const budgetActions: ActionInfo[] = [
  { name: 'budget:read', scope: 'workspace', description: 'See budgets, their spend, forecast and decision' },
  { name: 'budget:create', scope: 'workspace', description: 'Create a budget' },
  { name: 'budget:update', scope: 'workspace', description: 'Change a budget' },
  { name: 'budget:delete', scope: 'workspace', description: 'Delete a budget' },
  { name: 'budget:evaluate', scope: 'workspace', description: 'Evaluate a budget now (sends the alerts it owes)' },
];

export const contractActions: ActionInfo[] = [
  { name: 'contract:read', scope: 'organization', description: 'See fixed-price contracts and their statements (showback and chargeback)' },
  { name: 'contract:create', scope: 'organization', description: 'Create a fixed-price contract' },
  { name: 'contract:update', scope: 'organization', description: 'Change a fixed-price contract' },
  { name: 'contract:delete', scope: 'organization', description: 'Delete a fixed-price contract' },
];

// Billing administrators hold `report:*` (access/roles.ts).
export const reportActions: ActionInfo[] = [
  { name: 'report:read', scope: 'organization', description: 'See cost allocation reports (JSON, CSV, PDF) and report schedules' },
  { name: 'report:create', scope: 'organization', description: 'Schedule a cost report by e-mail' },
  { name: 'report:update', scope: 'organization', description: 'Change a report schedule' },
  { name: 'report:delete', scope: 'organization', description: 'Delete a report schedule' },
  { name: 'report:send', scope: 'organization', description: 'E-mail a scheduled cost report now' },
];
