import { Badge, Modal, MultiSelect, NumberInput, Select, SimpleGrid, Stack, TagsInput, Text, Textarea, TextInput, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconBroadcast } from '@tabler/icons-react';
import { useState } from 'react';
import {
  useAuditStreams,
  useCreateAuditStream,
  useDeleteAuditStream,
  useReplayAuditStream,
  useResumeAuditStream,
  useSetAuditStreamStatus,
  useTestAuditStream,
  type AuditStream,
  type AuditStreamInput,
} from '../api/audit-streams.ts';
import { useOrgId } from '../api/org.ts';
import { useWorkspaceOptions } from '../api/tenancy.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { FormModal } from '../components/form/FormModal.tsx';
import { KindPicker } from '../components/form/KindPicker.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

type Kind = AuditStream['kind'];

const kinds: { value: Kind; label: string }[] = [
  { value: 'splunk-hec', label: 'Splunk HEC' },
  { value: 'datadog', label: 'Datadog' },
  { value: 'syslog', label: 'Syslog (TLS)' },
  { value: 'https', label: 'HTTPS (NDJSON)' },
  { value: 'ocsf-file', label: 'OCSF files' },
];

const statusColor: Record<AuditStream['status'], string> = { active: 'teal', paused: 'gray', dead_letter: 'red' };

/** Where a stream delivers, in one line. */
function target(s: AuditStream): string {
  const d = s.destination;
  if (d.kind === 'syslog') return `${d.host}:${d.port} (${d.format})`;
  if (d.kind === 'ocsf-file') return `<SIEM root>/${d.directory}`;
  return d.url ?? '';
}

interface StreamForm {
  name: string;
  url: string;
  secret: string;
  host: string;
  port: number | string;
  format: string | null;
  caPem: string;
  index: string;
  service: string;
  directory: string;
  minSeverity: string | null;
  actionPrefixes: string[];
  workspaceIds: string[];
}

const initial: StreamForm = {
  name: '', url: '', secret: '', host: '', port: 6514, format: 'json', caPem: '', index: '', service: '', directory: '',
  minSeverity: 'info', actionPrefixes: [], workspaceIds: [],
};

const secretLabel: Partial<Record<Kind, string>> = { 'splunk-hec': 'HEC token', datadog: 'API key', https: 'HMAC secret' };
const secretField: Partial<Record<Kind, string>> = { 'splunk-hec': 'token', datadog: 'apiKey', https: 'hmacSecret' };

function destinationOf(kind: Kind, v: StreamForm): AuditStreamInput['destination'] {
  const ca = v.caPem.trim() ? { caPem: v.caPem } : {};
  switch (kind) {
    case 'splunk-hec':
      return { kind, url: v.url, token: v.secret, ...(v.index ? { index: v.index } : {}), ...ca };
    case 'datadog':
      return { kind, url: v.url, apiKey: v.secret, ...(v.service ? { service: v.service } : {}), ...ca };
    case 'https':
      return { kind, url: v.url, hmacSecret: v.secret, ...ca };
    case 'syslog':
      return { kind, host: v.host, port: typeof v.port === 'number' ? v.port : 6514, format: (v.format ?? 'json') as 'json' | 'cef', ...ca };
    case 'ocsf-file':
      return { kind, directory: v.directory };
  }
}

function CreateStreamModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateAuditStream(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const form = useProblemForm(create, initial);
  const [kind, setKind] = useState<Kind>('splunk-hec');
  const d = (name: string) => form.error(`destination.${name}`, `body.destination.${name}`);

  function close() {
    form.reset();
    onClose();
  }

  function submit() {
    const v = form.values;
    create.mutate(
      {
        name: v.name,
        destination: destinationOf(kind, v),
        filters: { minSeverity: (v.minSeverity ?? 'info') as 'info', actionPrefixes: v.actionPrefixes, workspaceIds: v.workspaceIds },
      } as AuditStreamInput,
      {
        onSuccess: (stream) => {
          notifySuccess(`${stream.name} streams every audit event sealed from now on.`, 'SIEM stream created');
          close();
        },
      },
    );
  }

  const http = kind === 'splunk-hec' || kind === 'datadog' || kind === 'https';
  return (
    <FormModal opened={opened} onClose={close} title="Stream the audit log to a SIEM" submission={create} onSubmit={submit} submitLabel="Create stream" submitTestId="stream-submit"
      fields={['name', 'destination', ...['url', 'token', 'apiKey', 'hmacSecret', 'host', 'port', 'format', 'caPem', 'index', 'service', 'directory'].map((f) => `destination.${f}`), 'filters.minSeverity', 'filters.actionPrefixes', 'filters.workspaceIds']}>
      <TextInput label="Name" required data-testid="stream-name" {...form.text('name')} />
      <KindPicker label="Destination" kinds={kinds} kind={kind} onKind={(k) => setKind(k as Kind)} error={form.error('destination.kind')} testId="stream-kind">
        {http && (
          <>
            <TextInput label={kind === 'datadog' ? 'Intake site' : 'URL'} placeholder={kind === 'datadog' ? 'https://http-intake.logs.datadoghq.eu' : 'https://splunk.example.com:8088'} required
              value={form.values.url} onChange={(e) => form.set('url', e.currentTarget.value)} error={d('url')} data-testid="stream-url" />
            <TextInput type="password" label={secretLabel[kind]} required autoComplete="off" description="Stored encrypted; never shown again."
              value={form.values.secret} onChange={(e) => form.set('secret', e.currentTarget.value)} error={d(secretField[kind] ?? 'token')} data-testid="stream-secret" />
          </>
        )}
        {kind === 'splunk-hec' && <TextInput label="Index" value={form.values.index} onChange={(e) => form.set('index', e.currentTarget.value)} error={d('index')} />}
        {kind === 'datadog' && <TextInput label="Service" placeholder="hexaplane" value={form.values.service} onChange={(e) => form.set('service', e.currentTarget.value)} error={d('service')} />}
        {kind === 'syslog' && (
          <SimpleGrid cols={3}>
            <TextInput label="Host" required value={form.values.host} onChange={(e) => form.set('host', e.currentTarget.value)} error={d('host')} data-testid="stream-host" />
            <NumberInput label="TLS port" min={1} max={65535} value={form.values.port} onChange={(v) => form.set('port', v)} error={d('port')} />
            <Select label="Payload" data={[{ value: 'json', label: 'JSON' }, { value: 'cef', label: 'CEF' }]} value={form.values.format} onChange={(v) => form.set('format', v)} error={d('format')} />
          </SimpleGrid>
        )}
        {kind !== 'ocsf-file' && (
          <Textarea label="CA certificate (PEM)" description="Verifies the receiver; the system CAs when empty." autosize minRows={2} maxRows={6}
            value={form.values.caPem} onChange={(e) => form.set('caPem', e.currentTarget.value)} error={d('caPem')} />
        )}
        {kind === 'ocsf-file' && (
          <TextInput label="Directory" description="Under the SIEM file root your operator configured (HEXAPLANE_AUDIT_FILE_SINK_DIR)." required
            value={form.values.directory} onChange={(e) => form.set('directory', e.currentTarget.value)} error={d('directory')} />
        )}
      </KindPicker>
      <SimpleGrid cols={2}>
        <Select label="Minimum severity" data={['info', 'low', 'medium', 'high', 'critical']} value={form.values.minSeverity} onChange={(v) => form.set('minSeverity', v)} error={form.error('filters.minSeverity')} />
        <TagsInput label="Actions" description="Prefixes like role: (all when empty)" value={form.values.actionPrefixes} onChange={(v) => form.set('actionPrefixes', v)} error={form.error('filters.actionPrefixes')} />
      </SimpleGrid>
      <MultiSelect label="Workspaces" description="All when empty" searchable data={(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
        value={form.values.workspaceIds} onChange={(v) => form.set('workspaceIds', v)} error={form.error('filters.workspaceIds')} />
    </FormModal>
  );
}

function ReplayModal({ orgId, stream, onClose }: { orgId: string; stream: AuditStream | null; onClose: () => void }) {
  const replay = useReplayAuditStream(orgId);
  const form = useProblemForm(replay, { fromSeq: 1 as number | string });
  function close() {
    form.reset();
    onClose();
  }
  return (
    <Modal opened={stream !== null} onClose={close} title={`Replay ${stream?.name ?? ''}`}>
      <ProblemForm submission={replay} fields={['fromSeq']} submitLabel="Replay" submitTestId="stream-replay-submit" onCancel={close}
        onSubmit={() => stream && replay.mutate({ id: stream.id, fromSeq: Number(form.values.fromSeq) }, { onSuccess: () => { notifySuccess(`${stream.name} delivers again from seq ${form.values.fromSeq}.`); close(); } })}>
        <Text size="sm">The receiver gets the events again from this sequence number on; it de-duplicates by event id.</Text>
        <NumberInput label="From seq" min={1} max={(stream?.health.sealedCount ?? 0) + 1} {...form.field('fromSeq')} />
      </ProblemForm>
    </Modal>
  );
}

function Health({ s }: { s: AuditStream }) {
  return (
    <Stack gap={0}>
      <Text size="sm">lag {s.health.lag.toLocaleString()}</Text>
      <Text size="xs" c="dimmed">cursor {s.health.cursor.toLocaleString()} of {s.health.sealedCount.toLocaleString()}</Text>
    </Stack>
  );
}

export function AuditStreamsPage() {
  const orgId = useOrgId();
  const streams = useAuditStreams(orgId);
  const setStatus = useSetAuditStreamStatus(orgId);
  const resume = useResumeAuditStream(orgId);
  const test = useTestAuditStream(orgId);
  const remove = useDeleteAuditStream(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [replaying, setReplaying] = useState<AuditStream | null>(null);

  async function runTest(s: AuditStream) {
    const result = await test.mutateAsync(s.id);
    if (result.ok) notifySuccess(`${s.name} accepted a test message in ${result.durationMs} ms.`, 'Test sent');
    else notifications.show({ color: 'red', title: 'Test failed', message: `${s.name}: ${result.error ?? 'no answer'}`, autoClose: 8000 });
  }

  const columns: Column<AuditStream>[] = [
    {
      header: 'Name',
      cell: (s) => (
        <>
          <Text size="sm" fw={600}>{s.name}</Text>
          <Text size="xs" c="dimmed">{kinds.find((k) => k.value === s.kind)?.label} · {target(s)}</Text>
        </>
      ),
    },
    { header: 'Status', cell: (s) => <Badge variant="light" color={statusColor[s.status]} data-testid="stream-status">{s.status.replace('_', ' ')}</Badge> },
    { header: 'Lag', cell: (s) => <Health s={s} /> },
    { header: 'Delivered', cell: (s) => <Text size="sm">{s.health.deliveredCount.toLocaleString()}</Text> },
    { header: 'Last delivery', cell: (s) => <Time iso={s.health.lastDeliveredAt} empty="Never" /> },
    {
      header: 'Last error',
      cell: (s) =>
        s.health.lastError ? (
          <Tooltip label={s.health.lastError} multiline w={360} withArrow>
            <Text size="xs" c={s.health.consecutiveFailures > 0 ? 'red' : 'dimmed'} lineClamp={2}>{s.health.lastError}</Text>
          </Tooltip>
        ) : (
          <Text size="xs" c="dimmed">None</Text>
        ),
    },
    actionsColumn((s) => ({
      actions: [
        { label: 'Test', onClick: () => void runTest(s), testId: 'stream-test' },
        { label: 'Replay', onClick: () => setReplaying(s), testId: 'stream-replay' },
        s.status === 'dead_letter'
          ? { label: 'Resume', onClick: () => resume.mutate(s.id), testId: 'stream-resume' }
          : s.status === 'active'
            ? { label: 'Pause', onClick: () => setStatus.mutate({ id: s.id, status: 'paused' }), testId: 'stream-pause' }
            : { label: 'Activate', onClick: () => setStatus.mutate({ id: s.id, status: 'active' }), testId: 'stream-activate' },
      ],
      confirm: deleteConfirm({ name: s.name, noun: 'stream', message: 'Delivery stops; the audit log itself is not touched.', onConfirm: () => remove.mutateAsync(s.id), testId: 'stream-delete' }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="SIEM streams"
        description="Deliver the sealed audit log to Splunk, Datadog, a syslog server or an HTTPS endpoint, at least once and in order per organization."
        actions={<CreateButton onClick={open} testId="stream-create">Create stream</CreateButton>}
      />
      <ResourceTable
        query={streams}
        rows={streams.data ?? []}
        columns={columns}
        rowKey={(s) => s.id}
        rowProps={(s) => ({ 'data-testid': 'stream-row', 'data-id': s.id, 'data-name': s.name, 'data-status': s.status })}
        minWidth={1000}
        empty={
          <EmptyState icon={<IconBroadcast size={24} />} title="No SIEM streams yet">
            Stream audit events to your SIEM as they are sealed.
          </EmptyState>
        }
      />
      <CreateStreamModal orgId={orgId} opened={creating} onClose={close} />
      <ReplayModal orgId={orgId} stream={replaying} onClose={() => setReplaying(null)} />
    </>
  );
}
