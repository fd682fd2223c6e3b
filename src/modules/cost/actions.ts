import type { ActionInfo } from '../../kernel/authz.ts';

export const budgetActions: ActionInfo[] = [
  { name: 'budget:read', scope: 'workspace', description: 'See budgets, their spend, forecast and decision' },
  { name: 'budget:create', scope: 'workspace', description: 'Create a budget' },
  { name: 'budget:update', scope: 'workspace', description: 'Change a budget' },
  { name: 'budget:delete', scope: 'workspace', description: 'Delete a budget' },
  { name: 'budget:evaluate', scope: 'workspace', description: 'Evaluate a budget now (sends the alerts it owes)' },
];
