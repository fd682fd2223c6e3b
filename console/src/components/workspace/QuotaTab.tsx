import { Alert, Button, Stack, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { fieldErrors, isProblem } from '../../api/problem.ts';
import { useProjects, useSetWorkspaceQuota } from '../../api/tenancy.ts';
import type { Project, Workspace } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ProblemForm } from '../form/ProblemForm.tsx';
import { QueryState } from '../ProblemAlert.tsx';
import { QuotaDoesNotFit, QuotaFields, fromQuotaForm, quotaFields, toQuotaForm, type QuotaForm } from '../QuotaFields.tsx';
import { SectionCard } from '../SectionCard.tsx';
import { DataTable, type Column } from '../table/DataTable.tsx';

function StaleQuota({ onReload }: { onReload: () => void }) {
  return (
    <Alert color="orange" variant="light" title="The workspace changed since you opened it">
      <Button size="xs" variant="light" color="orange" leftSection={<IconRefresh size={14} />} onClick={onReload}>
        Reload
      </Button>
    </Alert>
  );
}

function WorkspaceQuotaForm({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  const setQuota = useSetWorkspaceQuota(orgId);
  const [form, setForm] = useState<QuotaForm>(() => toQuotaForm(workspace.quota));
  const next = fromQuotaForm(form);
  const dirty = (Object.keys(next) as (keyof typeof next)[]).some((k) => next[k] !== workspace.quota[k]);
  const error = setQuota.error;
  const explained = isProblem(error, 422) ? <QuotaDoesNotFit message={error.message} testId="quota-error" /> : isProblem(error, 412) ? <StaleQuota onReload={onReload} /> : undefined;

  function submit() {
    setQuota.mutate({ id: workspace.id, version: workspace.version, quota: next }, { onSuccess: () => notifySuccess('Quota saved.') });
  }

  const hint = (
    <Text size="xs" c="dimmed">
      Empty means no limit. A project quota must fit inside its workspace&apos;s.
    </Text>
  );
  return (
    <ProblemForm submission={setQuota} fields={quotaFields} problem={explained} onSubmit={submit} aside={hint} canSubmit={dirty} submitLabel="Save quota" submitTestId="workspace-quota-save">
      <QuotaFields value={form} onChange={setForm} errors={fieldErrors(error)} testId="workspace-quota" />
    </ProblemForm>
  );
}

const limit = (key: keyof Project['quota'], header: string): Column<Project> => ({ header, cell: (p) => p.quota[key] ?? '—' });
const projectQuotaColumns: Column<Project>[] = [
  { header: 'Project', cell: (p) => p.name, td: { fw: 500 } },
  limit('cpu', 'CPU'),
  limit('memory', 'Memory'),
  limit('storage', 'Storage'),
  limit('pods', 'Pods'),
];

function ProjectQuotas({ orgId, workspaceId }: { orgId: string; workspaceId: string }) {
  const projects = useProjects(orgId, workspaceId);
  return (
    <QueryState query={projects}>
      {projects.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No projects yet.
        </Text>
      ) : (
        <DataTable columns={projectQuotaColumns} rows={projects.items} rowKey={(p) => p.id} />
      )}
    </QueryState>
  );
}

export function QuotaTab({ orgId, workspace, onReload }: { orgId: string; workspace: Workspace; onReload: () => void }) {
  return (
    <Stack gap="lg">
      <SectionCard title="Workspace quota" description="The ceiling for everything in this workspace, enforced as Kubernetes ResourceQuotas.">
        <WorkspaceQuotaForm key={workspace.version} orgId={orgId} workspace={workspace} onReload={onReload} />
      </SectionCard>
      <SectionCard title="Project quotas">
        <ProjectQuotas orgId={orgId} workspaceId={workspace.id} />
      </SectionCard>
    </Stack>
  );
}
