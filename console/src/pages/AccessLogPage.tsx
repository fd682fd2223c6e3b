import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Badge, Button, Code, Group, Paper, SegmentedControl, Select, SimpleGrid, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFilterOff, IconListDetails } from '@tabler/icons-react';
import { useState, type ChangeEvent } from 'react';
import { useApiKeys } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { errorFor, fieldErrors } from '../api/problem.ts';
import { useAccessLog, useAccessLogSummary, type AccessLogFilters } from '../api/retention.ts';
import type { AccessLogEntry, AccessLogSummary } from '../api/types.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { formatDateTime } from '../lib/format.ts';

interface FilterForm {
  principalId: string | null;
  method: string | null;
  route: string;
  status: string;
  ip: string;
  from: string;
  to: string;
}

type TextFilter = 'route' | 'status' | 'ip' | 'from' | 'to';

const emptyFilters: FilterForm = { principalId: null, method: null, route: '', status: '', ip: '', from: '', to: '' };
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function toInstant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function toQuery(form: FilterForm): AccessLogFilters {
  return {
    ...(form.principalId ? { principalId: form.principalId } : {}),
    ...(form.method ? { method: form.method as AccessLogFilters['method'] } : {}),
    ...(form.route.trim() ? { route: form.route.trim() } : {}),
    ...(form.status.trim() ? { status: form.status.trim().toLowerCase() } : {}),
    ...(form.ip.trim() ? { ip: form.ip.trim() } : {}),
    ...(toInstant(form.from) ? { from: toInstant(form.from) } : {}),
    ...(toInstant(form.to) ? { to: toInstant(form.to) } : {}),
  };
}

function statusColor(status: number): string {
  if (status >= 500) return 'red';
  if (status >= 400) return 'orange';
  if (status >= 300) return 'blue';
  return 'teal';
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function entryColumns(principalName: (kind: string, id: string) => string): Column<AccessLogEntry>[] {
  return [
    { header: 'Time', cell: (e) => <Text size="sm" style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at, true)}</Text> },
    {
      header: 'Request',
      cell: (e) => (
        <Group gap={6} wrap="nowrap">
          <Badge variant="outline" size="sm">{e.method}</Badge>
          <Code>{e.route ?? '(no route)'}</Code>
        </Group>
      ),
    },
    { header: 'Status', cell: (e) => <Badge variant="light" color={statusColor(e.status)}>{e.status}</Badge> },
    { header: 'Latency', cell: (e) => <Text size="sm">{e.latencyMs.toFixed(1)} ms</Text> },
    {
      header: 'Principal',
      cell: (e) =>
        e.principal ? (
          <>
            <Text size="sm">{principalName(e.principal.kind, e.principal.id)}</Text>
            <Text size="xs" c="dimmed">{e.principal.kind}{e.ip ? ` · ${e.ip}` : ''}</Text>
          </>
        ) : (
          <Text size="sm" c="dimmed">anonymous{e.ip ? ` · ${e.ip}` : ''}</Text>
        ),
    },
    { header: 'In / out', cell: (e) => <Text size="sm" style={{ whiteSpace: 'nowrap' }}>{formatBytes(e.bytesIn)} / {formatBytes(e.bytesOut)}</Text> },
  ];
}

type Bucket = AccessLogSummary['buckets'][number];

/** The server leaves out empty buckets; the chart shows the whole period, empty ones as zero. */
function filledBuckets(summary: AccessLogSummary | undefined, bucket: 'hour' | 'day'): Bucket[] {
  if (!summary) return [];
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const byStart = new Map(summary.buckets.map((b) => [new Date(b.start).getTime(), b]));
  const first = Math.floor(new Date(summary.from).getTime() / step) * step;
  const out: Bucket[] = [];
  for (let at = first; at < new Date(summary.to).getTime(); at += step) {
    out.push(byStart.get(at) ?? { start: new Date(at).toISOString(), total: 0, s2xx: 0, s3xx: 0, s4xx: 0, s5xx: 0 });
  }
  return out;
}

function StatusChart({ orgId }: { orgId: string }) {
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour');
  const summary = useAccessLogSummary(orgId, bucket);
  const data = filledBuckets(summary.data, bucket).map((b) => ({
    time: bucket === 'hour'
      ? new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : new Date(b.start).toLocaleDateString([], { month: 'short', day: 'numeric' }),
    '2xx': b.s2xx,
    '3xx': b.s3xx,
    '4xx': b.s4xx,
    '5xx': b.s5xx,
  }));
  const empty = (summary.data?.buckets.length ?? 0) === 0;
  return (
    <SectionCard title="Requests by status class" description={bucket === 'hour' ? 'Per hour, last 24 hours' : 'Per day, last 30 days'}>
      <Group justify="flex-end" mb="sm">
        <SegmentedControl size="xs" value={bucket} onChange={(v) => setBucket(v as 'hour' | 'day')} data={[{ value: 'hour', label: 'Hours' }, { value: 'day', label: 'Days' }]} data-testid="access-log-bucket" />
      </Group>
      <QueryState query={summary}>
        {empty ? (
          <Text size="sm" c="dimmed">No requests in this period.</Text>
        ) : (
          <BarChart
            h={220}
            data={data}
            dataKey="time"
            type="stacked"
            series={[
              { name: '2xx', color: 'teal.6' },
              { name: '3xx', color: 'blue.6' },
              { name: '4xx', color: 'orange.6' },
              { name: '5xx', color: 'red.6' },
            ]}
            data-testid="access-log-chart"
          />
        )}
      </QueryState>
    </SectionCard>
  );
}

export function AccessLogPage() {
  const orgId = useOrgId();
  const names = useNames(orgId);
  const apiKeys = useApiKeys(orgId);
  const [form, setForm] = useState<FilterForm>(emptyFilters);
  const [debounced] = useDebouncedValue(form, 350);
  const entries = useAccessLog(orgId, toQuery(debounced));
  const errors = fieldErrors(entries.error);
  const set = (patch: Partial<FilterForm>) => setForm((f) => ({ ...f, ...patch }));
  const text = (key: TextFilter) => ({ value: form[key], onChange: (e: ChangeEvent<HTMLInputElement>) => set({ [key]: e.currentTarget.value }), error: errorFor(errors, `query.${key}`) });
  const filtered = Object.keys(toQuery(form)).length > 0;
  const principalName = (kind: string, id: string) => (kind === 'apiKey' ? apiKeys.items.find((k) => k.id === id)?.name ?? id : names.userName(id));

  return (
    <>
      <PageHeader
        title="Access log"
        description="Every API request to this organization: who, what, the answer and how long it took. Kept for the access log retention of the organization."
      />
      <StatusChart orgId={orgId} />
      <Paper p="md" my="md">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <Select
            label="Principal"
            placeholder="Anyone"
            data={[
              { group: 'Members', items: names.members.map((m) => ({ value: m.userId, label: m.displayName || m.email })) },
              { group: 'API keys', items: apiKeys.items.map((k) => ({ value: k.id, label: k.name })) },
            ].filter((g) => g.items.length > 0)}
            value={form.principalId}
            onChange={(v) => set({ principalId: v })}
            searchable
            clearable
            data-testid="access-log-filter-principal"
          />
          <Select label="Method" placeholder="Any" data={METHODS} value={form.method} onChange={(v) => set({ method: v })} clearable data-testid="access-log-filter-method" />
          <TextInput label="Route" placeholder="Prefix, e.g. /api/v1/orgs/:orgId/workspaces" {...text('route')} data-testid="access-log-filter-route" />
          <TextInput label="Status" placeholder="404 or 4xx" {...text('status')} data-testid="access-log-filter-status" />
          <TextInput label="IP address" {...text('ip')} data-testid="access-log-filter-ip" />
          <TextInput label="From" type="datetime-local" {...text('from')} data-testid="access-log-filter-from" />
          <TextInput label="To" type="datetime-local" {...text('to')} data-testid="access-log-filter-to" />
          <Group align="flex-end">
            <Button variant="default" leftSection={<IconFilterOff size={16} />} disabled={!filtered} onClick={() => setForm(emptyFilters)} data-testid="access-log-filter-clear">
              Clear filters
            </Button>
          </Group>
        </SimpleGrid>
      </Paper>
      <ResourceTable
        query={entries}
        rows={entries.items}
        columns={entryColumns(principalName)}
        rowKey={(e) => e.id}
        rowProps={(e) => ({ 'data-testid': 'access-log-row', 'data-id': e.id, 'data-status': String(e.status) })}
        minWidth={900}
        loadMoreTestId="access-log-load-more"
        empty={
          <EmptyState icon={<IconListDetails size={24} />} title={filtered ? 'No request matches' : 'No requests yet'}>
            {filtered ? 'Widen the time range or clear a filter.' : 'API requests to this organization appear here within a few seconds.'}
          </EmptyState>
        }
      />
    </>
  );
}
