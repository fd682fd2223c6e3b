import { Code, Group, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconFolders } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeleteProject, useProjects } from '../../api/tenancy.ts';
import type { Project } from '../../api/types.ts';
import { CreateButton } from '../CreateButton.tsx';
import { EmptyState } from '../EmptyState.tsx';
import { LabelBadges } from '../LabelsEditor.tsx';
import { QuotaSummary } from '../QuotaSummary.tsx';
import type { Column } from '../table/DataTable.tsx';
import { ResourceTable } from '../table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../table/RowActions.tsx';
import { Time } from '../Time.tsx';
import { CreateProjectModal, EditProjectModal, ProjectQuotaModal } from './ProjectModals.tsx';

function ProjectName({ project }: { project: Project }) {
  return (
    <>
      <Text fw={600} size="sm">
        {project.name}
      </Text>
      {project.description && (
        <Text size="xs" c="dimmed" lineClamp={1} maw={300}>
          {project.description}
        </Text>
      )}
    </>
  );
}

export function ProjectsTab({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const projects = useProjects(orgId, workspaceId);
  const remove = useDeleteProject(orgId);
  const [creating, { open: openCreate, close: closeCreate }] = useDisclosure(false);
  // Ids, not objects: the modals read the freshest version from the list after each save.
  const [editingId, setEditingId] = useState<string | null>(null);
  const [quotaId, setQuotaId] = useState<string | null>(null);
  const find = (id: string | null): Project | null => projects.items.find((p) => p.id === id) ?? null;

  const columns: Column<Project>[] = [
    { header: 'Name', cell: (project) => <ProjectName project={project} /> },
    { header: 'Slug', cell: (project) => <Code>{project.slug}</Code>, td: { style: { whiteSpace: 'nowrap' } } },
    { header: 'Labels', cell: (project) => <LabelBadges labels={project.labels} /> },
    { header: 'Quota', cell: (project) => <QuotaSummary quota={project.quota} /> },
    { header: 'Created', cell: (project) => <Time iso={project.createdAt} /> },
    actionsColumn((project) => ({
      actions: [
        { label: 'Edit', onClick: () => setEditingId(project.id), testId: 'project-edit' },
        { label: 'Quota', onClick: () => setQuotaId(project.id), testId: 'project-quota' },
      ],
      confirm: deleteConfirm({
        name: project.name,
        noun: 'project',
        message: 'The project and its namespace will be removed. Its audit history stays.',
        onConfirm: () => remove.mutateAsync(project.id),
        testId: 'project-delete',
      }),
    })),
  ];

  return (
    <>
      <Group justify="space-between" mb="md">
        <Text size="sm" c="dimmed">
          Projects are the unit of deployment: each becomes a namespace in the workspace&apos;s cluster.
        </Text>
        <CreateButton onClick={openCreate} testId="project-create">
          Create project
        </CreateButton>
      </Group>
      <ResourceTable
        query={projects}
        rows={projects.items}
        columns={columns}
        rowKey={(project) => project.id}
        rowProps={(project) => ({ 'data-testid': 'project-row', 'data-id': project.id, 'data-slug': project.slug })}
        minWidth={800}
        empty={
          <EmptyState icon={<IconFolders size={24} />} title="No projects yet">
            Create a project for each application or environment.
          </EmptyState>
        }
      />
      <CreateProjectModal orgId={orgId} workspaceId={workspaceId} opened={creating} onClose={closeCreate} />
      <EditProjectModal orgId={orgId} project={find(editingId)} onClose={() => setEditingId(null)} />
      <ProjectQuotaModal orgId={orgId} project={find(quotaId)} onClose={() => setQuotaId(null)} />
    </>
  );
}
