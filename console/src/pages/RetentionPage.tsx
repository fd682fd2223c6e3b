import { ActionIcon, Badge, Button, Code, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconGavel, IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { fieldErrors } from '../api/problem.ts';
import {
  useCreateLegalHold,
  useLegalHolds,
  useReleaseLegalHold,
  useRetention,
  useRetentionRuns,
  useSetRetention,
  type RetentionInput,
} from '../api/retention.ts';
import type { LegalHold, RetentionRun, RetentionSettings } from '../api/types.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { FormModal } from '../components/form/FormModal.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { WorkspaceSelect } from '../components/WorkspaceSelect.tsx';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';

type Override = { workspaceId: string | null; auditDays: number | null; accessLogDays: number | null };

function days(value: string | number): number | null {
  return typeof value === 'number' ? value : value === '' ? null : Number(value);
}

function SettingsForm({ orgId, settings }: { orgId: string; settings: RetentionSettings }) {
  const names = useNames(orgId);
  const save = useSetRetention(orgId);
  const [auditDays, setAuditDays] = useState<number | null>(settings.auditDays);
  const [accessLogDays, setAccessLogDays] = useState<number | null>(settings.accessLogDays);
  const [overrides, setOverrides] = useState<Override[]>(settings.workspaces);
  useEffect(() => {
    setAuditDays(settings.auditDays);
    setAccessLogDays(settings.accessLogDays);
    setOverrides(settings.workspaces);
  }, [settings]);
  const errors = fieldErrors(save.error);
  const fields = ['auditDays', 'accessLogDays', ...overrides.flatMap((_, i) => [`workspaces.${i}.workspaceId`, `workspaces.${i}.auditDays`, `workspaces.${i}.accessLogDays`])];
  const patch = (i: number, change: Partial<Override>) => setOverrides((list) => list.map((o, j) => (j === i ? { ...o, ...change } : o)));

  function submit() {
    const body: RetentionInput = {
      auditDays: auditDays ?? 0,
      accessLogDays: accessLogDays ?? 0,
      workspaces: overrides.map((o) => ({ workspaceId: o.workspaceId ?? '', auditDays: o.auditDays, accessLogDays: o.accessLogDays })),
    };
    save.mutate({ version: settings.version, body }, { onSuccess: () => notifySuccess('Retention saved') });
  }

  return (
    <ProblemForm submission={save} fields={fields} onSubmit={submit} submitLabel="Save retention" submitTestId="retention-save">
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <NumberInput label="Audit log (days)" description={`At least ${settings.minimums.auditDays}; default ${settings.defaults.auditDays}`} value={auditDays ?? ''} onChange={(v) => setAuditDays(days(v))} min={1} error={errors.auditDays} data-testid="retention-audit-days" />
        <NumberInput label="Access log (days)" description={`At least ${settings.minimums.accessLogDays}; default ${settings.defaults.accessLogDays}`} value={accessLogDays ?? ''} onChange={(v) => setAccessLogDays(days(v))} min={1} error={errors.accessLogDays} data-testid="retention-access-log-days" />
      </SimpleGrid>
      <Text fw={500} size="sm">Workspace overrides</Text>
      {overrides.length === 0 && <Text size="sm" c="dimmed">Every workspace keeps what the organization keeps.</Text>}
      {overrides.map((o, i) => (
        <Group key={i} align="flex-start" grow data-testid="retention-override">
          <Select
            label="Workspace"
            data={names.workspaces.map((w) => ({ value: w.id, label: w.name }))}
            value={o.workspaceId}
            onChange={(v) => patch(i, { workspaceId: v })}
            searchable
            error={errors[`workspaces.${i}.workspaceId`]}
          />
          <NumberInput label="Audit (days)" placeholder="Organization's" value={o.auditDays ?? ''} onChange={(v) => patch(i, { auditDays: days(v) })} error={errors[`workspaces.${i}.auditDays`]} />
          <NumberInput label="Access log (days)" placeholder="Organization's" value={o.accessLogDays ?? ''} onChange={(v) => patch(i, { accessLogDays: days(v) })} error={errors[`workspaces.${i}.accessLogDays`]} />
          <ActionIcon variant="subtle" color="red" mt={28} style={{ flexGrow: 0 }} aria-label="Remove override" onClick={() => setOverrides((list) => list.filter((_, j) => j !== i))}>
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button variant="default" size="xs" leftSection={<IconPlus size={14} />} onClick={() => setOverrides((list) => [...list, { workspaceId: null, auditDays: null, accessLogDays: null }])} data-testid="retention-add-override">
          Add workspace override
        </Button>
      </Group>
    </ProblemForm>
  );
}

function CreateHoldModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateLegalHold(orgId);
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [until, setUntil] = useState('');
  const errors = fieldErrors(create.error);

  function submit() {
    const end = until ? new Date(until) : null;
    create.mutate(
      {
        name,
        reason,
        scope: workspaceId ? { type: 'workspace', id: workspaceId } : { type: 'organization', id: orgId },
        ...(end && !Number.isNaN(end.getTime()) ? { until: end.toISOString() } : {}),
      },
      {
        onSuccess: () => {
          notifySuccess('Legal hold placed');
          setName('');
          setReason('');
          onClose();
        },
      },
    );
  }

  return (
    <FormModal opened={opened} onClose={onClose} title="Place a legal hold" submission={create} fields={['name', 'reason', 'scope.id', 'scope', 'until']} onSubmit={submit} submitLabel="Place hold" submitTestId="hold-create-submit">
      <TextInput label="Name" placeholder="Litigation 2026-17" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} required data-testid="hold-name" />
      <Textarea label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} required autosize minRows={2} data-testid="hold-reason" />
      <WorkspaceSelect orgId={orgId} description="Hold one workspace's records, or leave empty for the whole organization" value={workspaceId} onChange={setWorkspaceId} error={errors['scope.id']} testId="hold-workspace" />
      <TextInput label="Until (optional)" type="datetime-local" value={until} onChange={(e) => setUntil(e.currentTarget.value)} error={errors.until} data-testid="hold-until" />
    </FormModal>
  );
}

function ReleaseHoldModal({ orgId, hold, onClose }: { orgId: string; hold: LegalHold | null; onClose: () => void }) {
  const release = useReleaseLegalHold(orgId);
  const [reason, setReason] = useState('');
  const errors = fieldErrors(release.error);
  return (
    <Modal opened={hold !== null} onClose={onClose} title={`Release ${hold?.name ?? ''}`}>
      <ProblemForm
        submission={release}
        fields={['reason']}
        onCancel={onClose}
        onSubmit={() => hold && release.mutate({ holdId: hold.id, reason }, { onSuccess: () => { notifySuccess('Legal hold released'); setReason(''); onClose(); } })}
        submitLabel="Release hold"
        submitTestId="hold-release-submit"
      >
        <Text size="sm">Retention resumes in the hold's scope at the next run. The hold stays listed.</Text>
        <Textarea label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} required data-testid="hold-release-reason" />
      </ProblemForm>
    </Modal>
  );
}

const holdColor = { active: 'orange', expired: 'gray', released: 'gray' } as const;

function runRanges(run: RetentionRun): string {
  return run.auditRanges.map((r) => (r.fromSeq === r.toSeq ? String(r.fromSeq) : `${r.fromSeq}–${r.toSeq}`)).join(', ');
}

export function RetentionPage() {
  const orgId = useOrgId();
  const names = useNames(orgId);
  const settings = useRetention(orgId);
  const holds = useLegalHolds(orgId);
  const runs = useRetentionRuns(orgId);
  const [creating, { open: openCreate, close: closeCreate }] = useDisclosure(false);
  const [releasing, setReleasing] = useState<LegalHold | null>(null);

  const holdColumns: Column<LegalHold>[] = [
    { header: 'Name', cell: (h) => <><Text size="sm" fw={500}>{h.name}</Text><Text size="xs" c="dimmed">{h.reason}</Text></> },
    { header: 'Scope', cell: (h) => <Text size="sm">{h.scope.type === 'organization' ? 'Whole organization' : names.workspaceName(h.scope.id)}</Text> },
    { header: 'Status', cell: (h) => <Badge variant="light" color={holdColor[h.status]}>{h.status}</Badge> },
    { header: 'Placed', cell: (h) => <Text size="sm">{formatDateTime(h.createdAt)}{h.until ? ` · until ${formatDateTime(h.until)}` : ''}</Text> },
    {
      cell: (h) =>
        h.status === 'active' ? (
          <Button size="xs" variant="default" onClick={() => setReleasing(h)} data-testid="hold-release">Release</Button>
        ) : (
          <Text size="xs" c="dimmed">{h.releaseReason ?? ''}</Text>
        ),
    },
  ];

  const runColumns: Column<RetentionRun>[] = [
    { header: 'Started', cell: (r) => <Text size="sm">{formatDateTime(r.startedAt)}</Text> },
    { header: 'Run', cell: (r) => <><Code>{r.id}</Code>{r.dryRun && <Badge ml={6} size="xs" variant="outline">dry run</Badge>}</> },
    { header: 'Status', cell: (r) => <Badge variant="light" color={r.status === 'succeeded' ? 'teal' : r.status === 'failed' ? 'red' : 'blue'}>{r.status}</Badge> },
    { header: 'Audit events removed', cell: (r) => <Text size="sm">{r.auditPurged}{r.auditPurged ? ` (seq ${runRanges(r)})` : ''}</Text> },
    { header: 'Access log entries', cell: (r) => <Text size="sm">{r.accessLogDeleted}</Text> },
    { header: 'Held by', cell: (r) => <Text size="sm">{r.heldBy.length ? r.heldBy.join(', ') : '—'}</Text> },
  ];

  return (
    <>
      <PageHeader
        title="Retention"
        description="How long the audit log and the access log are kept, and legal holds that stop deletion. Removed audit events stay provable: their leaf hashes and every checkpoint are kept."
        actions={<Button leftSection={<IconGavel size={16} />} onClick={openCreate} data-testid="hold-create">Place legal hold</Button>}
      />
      <Stack>
        <SectionCard title="Retention" description="Records older than this are removed by the daily retention run, unless a legal hold covers them.">
          <QueryState query={settings}>{settings.data && <SettingsForm orgId={orgId} settings={settings.data} />}</QueryState>
        </SectionCard>
        <SectionCard title="Legal holds" description="While a hold is active nothing in its scope is deleted. Holds are never deleted, only released.">
          <ResourceTable
            query={holds}
            rows={holds.items}
            columns={holdColumns}
            minWidth={700}
            rowKey={(h) => h.id}
            rowProps={(h) => ({ 'data-testid': 'hold-row', 'data-id': h.id, 'data-status': h.status })}
            empty={<EmptyState icon={<IconGavel size={24} />} title="No legal holds">Place one to stop deletion in an organization or workspace.</EmptyState>}
          />
        </SectionCard>
        <SectionCard title="Retention runs" description="What recent runs removed here; each removal of audit events is itself recorded as a sealed retention:purge event.">
          <ResourceTable
            query={runs}
            rows={runs.items}
            columns={runColumns}
            minWidth={700}
            rowKey={(r) => r.id}
            rowProps={(r) => ({ 'data-testid': 'retention-run-row', 'data-id': r.id })}
            empty={<EmptyState icon={<IconGavel size={24} />} title="No runs yet">Retention runs daily; nothing has been removed in this organization so far.</EmptyState>}
          />
        </SectionCard>
      </Stack>
      <CreateHoldModal orgId={orgId} opened={creating} onClose={closeCreate} />
      <ReleaseHoldModal orgId={orgId} hold={releasing} onClose={() => setReleasing(null)} />
    </>
  );
}


