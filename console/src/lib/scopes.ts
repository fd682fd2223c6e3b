import type { ScopeType } from '../api/types.ts';

/** One color per scope level, wherever a scope shows as a badge. */
export const scopeColor: Record<ScopeType, string> = { organization: 'grape', workspace: 'blue', project: 'cyan' };

export const scopeOptions: { value: ScopeType; label: string }[] = [
  { value: 'organization', label: 'Organization' },
  { value: 'workspace', label: 'Workspace' },
  { value: 'project', label: 'Project' },
];
