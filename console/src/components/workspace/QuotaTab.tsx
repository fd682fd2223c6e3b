import { Alert, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { fieldErrors, isProblem, onlyFieldErrors } from '../../api/problem.ts';
import { useProjects, useSetWorkspaceQuota } from '../../api/tenancy.ts';
import type { Workspace } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ProblemAlert, QueryState } from '../ProblemAlert.tsx';
import { QuotaFields, fromQuotaForm, toQuotaForm, type QuotaForm } from '../QuotaFields.tsx';

const quotaFields = ['cpu', 'memory', 'storage', 'pods', 'quota'];

function WorkspaceQuotaForm({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  const setQuota = useSetWorkspaceQuota(orgId);
  const [form, setForm] = useState<QuotaForm>(() => toQuotaForm(workspace.quota));
  const errors = fieldErrors(setQuota.error);
  const next = fromQuotaForm(form);
  const dirty = (Object.keys(next) as (keyof typeof next)[]).some((k) => next[k] !== workspace.quota[k]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setQuota.mutate({ id: workspace.id, version: workspace.version, quota: next }, { onSuccess: () => notifySuccess('Quota saved.') });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <QuotaFields value={form} onChange={setForm} errors={errors} testId="workspace-quota" />
        {isProblem(setQuota.error, 422) && (
          <Alert color="red" variant="light" title="The quota does not fit" data-testid="quota-error">
            {setQuota.error.message}
          </Alert>
        )}
        {isProblem(setQuota.error, 412) && (
          <Alert color="orange" variant="light" title="The workspace changed since you opened it">
            <Button size="xs" variant="light" color="orange" leftSection={<IconRefresh size={14} />} onClick={onReload}>
              Reload
            </Button>
          </Alert>
        )}
        {setQuota.error && !isProblem(setQuota.error, 422) && !isProblem(setQuota.error, 412) && !onlyFieldErrors(setQuota.error, quotaFields) && (
          <ProblemAlert error={setQuota.error} />
        )}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            Empty means no limit. A project quota must fit inside its workspace&apos;s.
          </Text>
          <Button type="submit" disabled={!dirty} loading={setQuota.isPending} data-testid="workspace-quota-save">
            Save quota
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ProjectQuotas({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const projects = useProjects(orgId, workspaceId);
  return (
    <QueryState query={projects}>
      {projects.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No projects yet.
        </Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Project</Table.Th>
              <Table.Th>CPU</Table.Th>
              <Table.Th>Memory</Table.Th>
              <Table.Th>Storage</Table.Th>
              <Table.Th>Pods</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {projects.items.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td fw={500}>{p.name}</Table.Td>
                <Table.Td>{p.quota.cpu ?? '—'}</Table.Td>
                <Table.Td>{p.quota.memory ?? '—'}</Table.Td>
                <Table.Td>{p.quota.storage ?? '—'}</Table.Td>
                <Table.Td>{p.quota.pods ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </QueryState>
  );
}

export function QuotaTab({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  return (
    <Stack gap="lg">
      <Paper p="lg">
        <Title order={4} mb={4}>
          Workspace quota
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          The ceiling for everything in this workspace, enforced as Kubernetes ResourceQuotas.
        </Text>
        <WorkspaceQuotaForm key={workspace.version} orgId={orgId} workspace={workspace} onReload={onReload} />
      </Paper>
      <Paper p="lg">
        <Title order={4} mb="md">
          Project quotas
        </Title>
        <ProjectQuotas orgId={orgId} workspaceId={workspace.id} />
      </Paper>
    </Stack>
  );
}
