import { Anchor, Button, Code, Group, Paper, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconPlus, IconSearch, IconStack2, IconTag } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { useOrgId } from '../api/org.ts';
import { errorFor, fieldErrors } from '../api/problem.ts';
import { useProjectOptions, useWorkspaces } from '../api/tenancy.ts';
import type { Workspace } from '../api/types.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { LabelBadges } from '../components/LabelsEditor.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { Time } from '../components/Time.tsx';
import { CreateWorkspaceModal } from '../components/workspace/CreateWorkspaceModal.tsx';
import { OrgStats } from '../components/OrgStats.tsx';
import { QuotaSummary } from '../components/QuotaSummary.tsx';

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function WorkspaceRow({ orgId, workspace, projectCount }: { orgId: string; workspace: Workspace; projectCount: number | undefined }) {
  return (
    <Table.Tr data-testid="workspace-row" data-id={workspace.id} data-slug={workspace.slug}>
      <Table.Td>
        <Anchor component={Link} to={`/orgs/${orgId}/workspaces/${workspace.id}`} fw={600} data-testid="workspace-link">
          {workspace.name}
        </Anchor>
        {workspace.description && (
          <Text size="xs" c="dimmed" lineClamp={1} maw={360}>
            {workspace.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Code>{workspace.slug}</Code>
      </Table.Td>
      <Table.Td>
        <LabelBadges labels={workspace.labels} />
      </Table.Td>
      <Table.Td ta="center">
        <Text size="sm">{projectCount ?? '—'}</Text>
      </Table.Td>
      <Table.Td>
        <QuotaSummary quota={workspace.quota} />
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Time iso={workspace.createdAt} />
      </Table.Td>
    </Table.Tr>
  );
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
          <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="workspace-create">
            Create workspace
          </Button>
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
        <QueryState query={workspaces}>
          {workspaces.items.length === 0 ? (
            <EmptyState icon={<IconStack2 size={24} />} title={filtered ? 'No workspace matches' : 'No workspaces yet'}>
              {filtered ? 'Try another search or label.' : 'Create a workspace for a team or an application.'}
            </EmptyState>
          ) : (
            <Paper>
              <Table.ScrollContainer minWidth={800}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>Slug</Table.Th>
                      <Table.Th>Labels</Table.Th>
                      <Table.Th ta="center">Projects</Table.Th>
                      <Table.Th>Quota</Table.Th>
                      <Table.Th>Created</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {workspaces.items.map((workspace) => (
                      <WorkspaceRow key={workspace.id} orgId={orgId} workspace={workspace} projectCount={projectCounts?.get(workspace.id) ?? (projectCounts ? 0 : undefined)} />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          )}
          <LoadMore query={workspaces} />
        </QueryState>
      )}
      <CreateWorkspaceModal orgId={orgId} opened={opened} onClose={close} />
    </>
  );
}
