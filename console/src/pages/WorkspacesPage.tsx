import { Anchor, Code, Group, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconSearch, IconStack2, IconTag } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { useOrgId } from '../api/org.ts';
import { errorFor, fieldErrors } from '../api/problem.ts';
import { useProjectOptions, useWorkspaces } from '../api/tenancy.ts';
import type { Workspace } from '../api/types.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { LabelBadges } from '../components/LabelsEditor.tsx';
import { OrgStats } from '../components/OrgStats.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert } from '../components/ProblemAlert.tsx';
import { QuotaSummary } from '../components/QuotaSummary.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { Time } from '../components/Time.tsx';
import { CreateWorkspaceModal } from '../components/workspace/CreateWorkspaceModal.tsx';

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function workspaceColumns(orgId: string, projectCount: (workspace: Workspace) => number | undefined): Column<Workspace>[] {
  return [
    {
      header: 'Name',
      cell: (workspace) => (
        <>
          <Anchor component={Link} to={`/orgs/${orgId}/workspaces/${workspace.id}`} fw={600} data-testid="workspace-link">
            {workspace.name}
          </Anchor>
          {workspace.description && (
            <Text size="xs" c="dimmed" lineClamp={1} maw={360}>
              {workspace.description}
            </Text>
          )}
        </>
      ),
    },
    { header: 'Slug', cell: (workspace) => <Code>{workspace.slug}</Code>, td: { style: { whiteSpace: 'nowrap' } } },
    { header: 'Labels', cell: (workspace) => <LabelBadges labels={workspace.labels} /> },
    { header: 'Projects', cell: (workspace) => <Text size="sm">{projectCount(workspace) ?? '—'}</Text>, th: { ta: 'center' }, td: { ta: 'center' } },
    { header: 'Quota', cell: (workspace) => <QuotaSummary quota={workspace.quota} /> },
    { header: 'Created', cell: (workspace) => <Time iso={workspace.createdAt} />, td: { style: { whiteSpace: 'nowrap' } } },
  ];
}

export function WorkspacesPage() {
  const orgId = useOrgId();
  const [search, setSearch] = useState('');
  const [label, setLabel] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [labelFilter] = useDebouncedValue(label.trim(), 400);
  const workspaces = useWorkspaces(orgId, { q: q || undefined, label: labelFilter || undefined });
  const projects = useProjectOptions(orgId);
  const projectCounts = projects.data ? countBy(projects.data.map((p) => p.workspaceId)) : undefined;
  const [opened, { open, close }] = useDisclosure(false);
  const filterErrors = fieldErrors(workspaces.error);
  const labelError = errorFor(filterErrors, 'query.label');
  const filtered = Boolean(q || labelFilter);

  return (
    <>
      <PageHeader
        title="Workspaces"
        description="Workspaces hold a team's projects, quota and access. Each maps to namespaces on a cluster."
        actions={
          <CreateButton onClick={open} testId="workspace-create">
            Create workspace
          </CreateButton>
        }
      />
      <OrgStats orgId={orgId} />
      <Group mb="md" align="flex-start">
        <TextInput
          placeholder="Search by name or slug"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
          data-testid="workspace-search"
        />
        <TextInput
          placeholder="Label, as key=value"
          leftSection={<IconTag size={16} />}
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          error={labelError}
          w={240}
          data-testid="workspace-label-filter"
        />
      </Group>
      {labelError ? (
        <ProblemAlert error={workspaces.error} title="The filter is not valid" />
      ) : (
        <ResourceTable
          query={workspaces}
          rows={workspaces.items}
          columns={workspaceColumns(orgId, (workspace) => projectCounts?.get(workspace.id) ?? (projectCounts ? 0 : undefined))}
          rowKey={(workspace) => workspace.id}
          rowProps={(workspace) => ({ 'data-testid': 'workspace-row', 'data-id': workspace.id, 'data-slug': workspace.slug })}
          minWidth={800}
          empty={
            <EmptyState icon={<IconStack2 size={24} />} title={filtered ? 'No workspace matches' : 'No workspaces yet'}>
              {filtered ? 'Try another search or label.' : 'Create a workspace for a team or an application.'}
            </EmptyState>
          }
        />
      )}
      <CreateWorkspaceModal orgId={orgId} opened={opened} onClose={close} />
    </>
  );
}
