import { Badge, Button, Code, Group, Paper, Select, SimpleGrid, Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFilterOff, IconHistory, IconSearch } from '@tabler/icons-react';
import { useState, type ChangeEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useAuditEvents, type AuditBucket, type AuditFilters } from '../api/audit.ts';
import { useCan } from '../api/compliance.ts';
import { useApiKeys } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { errorFor, fieldErrors } from '../api/problem.ts';
import type { AuditEvent, AuditOutcome } from '../api/types.ts';
import { AuditEventDrawer, outcomeColor } from '../components/AuditEventDrawer.tsx';
import { AuditExportMenu, SavedSearchesMenu } from '../components/AuditSearchTools.tsx';
import { AuditTimeline } from '../components/AuditTimeline.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { formatDateTime } from '../lib/format.ts';

interface FilterForm {
  actorId: string | null;
  action: string;
  outcome: string | null;
  workspaceId: string | null;
  from: string;
  to: string;
  q: string;
}

type TextFilter = 'q' | 'action' | 'from' | 'to';

const emptyFilters: FilterForm = { actorId: null, action: '', outcome: null, workspaceId: null, from: '', to: '', q: '' };

/** datetime-local gives local wall time without a zone; the API wants an instant. */
function toInstant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The other way: an instant as datetime-local's local wall time (minutes). */
function toLocal(instant: string | undefined): string {
  if (!instant) return '';
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function toForm(filters: AuditFilters): FilterForm {
  return {
    actorId: filters.actorId ?? null,
    action: filters.action ?? '',
    outcome: filters.outcome ?? null,
    workspaceId: filters.workspaceId ?? null,
    from: toLocal(filters.from),
    to: toLocal(filters.to),
    q: filters.q ?? '',
  };
}

function toQuery(form: FilterForm): AuditFilters {
  return {
    ...(form.actorId ? { actorId: form.actorId } : {}),
    ...(form.action.trim() ? { action: form.action.trim() } : {}),
    ...(form.outcome ? { outcome: form.outcome as AuditOutcome } : {}),
    ...(form.workspaceId ? { workspaceId: form.workspaceId } : {}),
    ...(toInstant(form.from) ? { from: toInstant(form.from) } : {}),
    ...(toInstant(form.to) ? { to: toInstant(form.to) } : {}),
    ...(form.q.trim() ? { q: form.q.trim() } : {}),
  };
}

const eventColumns: Column<AuditEvent>[] = [
  {
    header: 'Time',
    cell: (event) => (
      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
        {formatDateTime(event.occurredAt, true)}
      </Text>
    ),
  },
  {
    header: 'Actor',
    cell: (event) => (
      <>
        <Text size="sm" fw={500}>
          {event.actor.name ?? event.actor.id ?? event.actor.kind}
        </Text>
        <Text size="xs" c="dimmed">
          {event.actor.kind}
          {event.actor.ip ? ` · ${event.actor.ip}` : ''}
        </Text>
      </>
    ),
  },
  { header: 'Action', cell: (event) => <Code>{event.action}</Code> },
  {
    header: 'Target',
    cell: (event) =>
      event.target ? (
        <>
          <Text size="sm">{event.target.name ?? event.target.id}</Text>
          <Text size="xs" c="dimmed">
            {event.target.type}
          </Text>
        </>
      ) : (
        '—'
      ),
  },
  {
    header: 'Outcome',
    cell: (event) => (
      <Badge variant="light" color={outcomeColor[event.outcome]}>
        {event.outcome}
      </Badge>
    ),
  },
];

export function AuditPage() {
  const orgId = useOrgId();
  const names = useNames(orgId);
  // Keys act too; listing them may be denied, and then only members are offered.
  const apiKeys = useApiKeys(orgId);
  const [params, setParams] = useSearchParams();
  const [form, setForm] = useState<FilterForm>(() => ({ ...emptyFilters, action: params.get('action') ?? '', q: params.get('q') ?? '' }));
  const [debounced] = useDebouncedValue(form, 350);
  const query = toQuery(debounced);
  // Shown only to those with audit:read-unmasked; every unmasked read is itself audited.
  const canUnmask = useCan(orgId, 'audit:read-unmasked');
  const [unmasked, setUnmasked] = useState(false);
  const events = useAuditEvents(orgId, query, canUnmask && unmasked);
  const [bucket, setBucket] = useState<AuditBucket>('hour');
  const openId = params.get('event');
  const errors = fieldErrors(events.error);
  const set = (patch: Partial<FilterForm>) => setForm((f) => ({ ...f, ...patch }));
  /** A text filter: the server names a bad one `query.<key>`. */
  const text = (key: TextFilter) => ({ value: form[key], onChange: (e: ChangeEvent<HTMLInputElement>) => set({ [key]: e.currentTarget.value }), error: errorFor(errors, `query.${key}`) });
  const filtered = Object.keys(toQuery(form)).length > 0;

  function openEvent(id: string | null) {
    const next = new URLSearchParams(params);
    if (id) next.set('event', id);
    else next.delete('event');
    setParams(next, { replace: true });
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change and every denied attempt, recorded in the same transaction as the change and sealed into a verifiable log."
        actions={
          <>
            <SavedSearchesMenu orgId={orgId} filters={query} onApply={(filters) => setForm(toForm(filters))} />
            <AuditExportMenu orgId={orgId} filters={query} />
          </>
        }
      />
      <Paper p="md" mb="md">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <TextInput label="Search" placeholder="Free text" leftSection={<IconSearch size={16} />} {...text('q')} data-testid="audit-filter-q" />
          <TextInput label="Action" placeholder="Prefix, e.g. workspace: or api-key" {...text('action')} data-testid="audit-filter-action" />
          <Select
            label="Actor"
            placeholder="Anyone"
            data={[
              { group: 'Members', items: names.members.map((m) => ({ value: m.userId, label: m.displayName || m.email })) },
              { group: 'API keys', items: apiKeys.items.map((k) => ({ value: k.id, label: k.name })) },
            ].filter((g) => g.items.length > 0)}
            value={form.actorId}
            onChange={(v) => set({ actorId: v })}
            searchable
            clearable
            data-testid="audit-filter-actor"
          />
          <Select
            label="Outcome"
            placeholder="Any"
            data={[
              { value: 'success', label: 'Success' },
              { value: 'denied', label: 'Denied' },
              { value: 'failed', label: 'Failed' },
            ]}
            value={form.outcome}
            onChange={(v) => set({ outcome: v })}
            clearable
            data-testid="audit-filter-outcome"
          />
          <Select
            label="Workspace"
            placeholder="Any"
            data={names.workspaces.map((w) => ({ value: w.id, label: w.name }))}
            value={form.workspaceId}
            onChange={(v) => set({ workspaceId: v })}
            searchable
            clearable
            data-testid="audit-filter-workspace"
          />
          <TextInput label="From" type="datetime-local" {...text('from')} data-testid="audit-filter-from" />
          <TextInput label="To" type="datetime-local" {...text('to')} data-testid="audit-filter-to" />
          {canUnmask && (
            <Group align="flex-end">
              <Switch
                label="Show unmasked"
                description="Stored values, without PII masking (audited)"
                checked={unmasked}
                onChange={(e) => setUnmasked(e.currentTarget.checked)}
                data-testid="audit-unmasked"
              />
            </Group>
          )}
          <Group align="flex-end">
            <Button variant="default" leftSection={<IconFilterOff size={16} />} disabled={!filtered} onClick={() => setForm(emptyFilters)} data-testid="audit-filter-clear">
              Clear filters
            </Button>
          </Group>
        </SimpleGrid>
      </Paper>
      <AuditTimeline orgId={orgId} filters={query} bucket={bucket} onBucketChange={setBucket} />
      <ResourceTable
        query={events}
        rows={events.items}
        columns={eventColumns}
        rowKey={(event) => event.id}
        rowProps={(event) => ({ 'data-testid': 'audit-row', 'data-id': event.id, 'data-action': event.action, onClick: () => openEvent(event.id), style: { cursor: 'pointer' } })}
        minWidth={900}
        loadMoreTestId="audit-load-more"
        empty={
          <EmptyState icon={<IconHistory size={24} />} title={filtered ? 'No event matches' : 'No events yet'}>
            {filtered ? 'Widen the time range or clear a filter.' : 'Changes made in this organization appear here.'}
          </EmptyState>
        }
      />
      <AuditEventDrawer orgId={orgId} eventId={openId} onClose={() => openEvent(null)} canUnmask={canUnmask} unmasked={canUnmask && unmasked} />
    </>
  );
}
