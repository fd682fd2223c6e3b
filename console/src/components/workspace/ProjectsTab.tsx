import { Button, Code, Group, Paper, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconFolders, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeleteProject, useProjects } from '../../api/tenancy.ts';
import type { Project } from '../../api/types.ts';
import { QuotaSummary } from '../QuotaSummary.tsx';
import { notifySuccess } from '../../lib/notify.ts';
import { ConfirmButton } from '../ConfirmButton.tsx';
import { EmptyState } from '../EmptyState.tsx';
import { LabelBadges } from '../LabelsEditor.tsx';
import { LoadMore } from '../LoadMore.tsx';
import { QueryState } from '../ProblemAlert.tsx';
import { Time } from '../Time.tsx';
import { CreateProjectModal, EditProjectModal, ProjectQuotaModal } from './ProjectModals.tsx';

export function ProjectsTab({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const projects = useProjects(orgId, workspaceId);
  const remove = useDeleteProject(orgId);
  const [creating, { open: openCreate, close: closeCreate }] = useDisclosure(false);
  // Ids, not objects: the modals read the freshest version from the list after each save.
  const [editingId, setEditingId] = useState<string | null>(null);
  const [quotaId, setQuotaId] = useState<string | null>(null);
  const find = (id: string | null): Project | null => projects.items.find((p) => p.id === id) ?? null;

  return (
    <>
      <Group justify="space-between" mb="md">
        <Text size="sm" c="dimmed">
          Projects are the unit of deployment: each becomes a namespace in the workspace&apos;s cluster.
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={openCreate} data-testid="project-create">
          Create project
        </Button>
      </Group>
      <QueryState query={projects}>
        {projects.items.length === 0 ? (
          <EmptyState icon={<IconFolders size={24} />} title="No projects yet">
            Create a project for each application or environment.
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
                    <Table.Th>Quota</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {projects.items.map((project) => (
                    <Table.Tr key={project.id} data-testid="project-row" data-id={project.id} data-slug={project.slug}>
                      <Table.Td>
                        <Text fw={600} size="sm">
                          {project.name}
                        </Text>
                        {project.description && (
                          <Text size="xs" c="dimmed" lineClamp={1} maw={300}>
                            {project.description}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Code>{project.slug}</Code>
                      </Table.Td>
                      <Table.Td>
                        <LabelBadges labels={project.labels} />
                      </Table.Td>
                      <Table.Td>
                        <QuotaSummary quota={project.quota} />
                      </Table.Td>
                      <Table.Td>
                        <Time iso={project.createdAt} />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4} justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="subtle" onClick={() => setEditingId(project.id)} data-testid="project-edit">
                            Edit
                          </Button>
                          <Button size="xs" variant="subtle" onClick={() => setQuotaId(project.id)} data-testid="project-quota">
                            Quota
                          </Button>
                          <ConfirmButton
                            title={`Delete ${project.name}?`}
                            message="The project and its namespace will be removed. Its audit history stays."
                            confirmLabel="Delete project"
                            onConfirm={async () => {
                              await remove.mutateAsync(project.id);
                              notifySuccess(`${project.name} was deleted.`);
                            }}
                            testId="project-delete"
                          >
                            Delete
                          </ConfirmButton>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <LoadMore query={projects} />
      </QueryState>
      <CreateProjectModal orgId={orgId} workspaceId={workspaceId} opened={creating} onClose={closeCreate} />
      <EditProjectModal orgId={orgId} project={find(editingId)} onClose={() => setEditingId(null)} />
      <ProjectQuotaModal orgId={orgId} project={find(quotaId)} onClose={() => setQuotaId(null)} />
    </>
  );
}
