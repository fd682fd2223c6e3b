import { Select } from '@mantine/core';
import { useWorkspaceOptions } from '../api/tenancy.ts';

interface WorkspaceSelectProps {
  orgId: string;
  /** Why one would pick a workspace here. */
  description: string;
  value: string | null;
  onChange: (workspaceId: string | null) => void;
  error: string | undefined;
  testId: string;
}

/** An optional workspace; none means the whole organization. */
export function WorkspaceSelect({ orgId, description, value, onChange, error, testId }: WorkspaceSelectProps) {
  const workspaces = useWorkspaceOptions(orgId);
  return (
    <Select
      label="Workspace"
      description={description}
      placeholder="The whole organization"
      data={(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
      value={value}
      onChange={onChange}
      clearable
      searchable
      error={error}
      data-testid={testId}
    />
  );
}
