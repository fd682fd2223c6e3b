import { Badge, Button, Code, Group, Paper, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFilterOff, IconHistory, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useAuditEvents, type AuditFilters } from '../api/audit.ts';
import { useApiKeys } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { errorFor, fieldErrors } from '../api/problem.ts';
import type { AuditEvent, AuditOutcome } from '../api/types.ts';
import { AuditEventDrawer, outcomeColor } from '../components/AuditEventDrawer.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
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

const emptyFilters: FilterForm = { actorId: null, action: '', outcome: null, workspaceId: null, from: '', to: '', q: '' };

/** datetime-local gives local wall time without a zone; the API wants an instant. */
function toInstant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
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

function EventRow({ event, onOpen }: { event: AuditEvent; onOpen: () => void }) {
  return (
    <Table.Tr data-testid="audit-row" data-id={event.id} data-action={event.action} onClick={onOpen} style={{ cursor: 'pointer' }}>
      <Table.Td>
        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
          {formatDateTime(event.occurredAt, true)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={500}>
          {event.actor.name ?? event.actor.id ?? event.actor.kind}
        </Text>
        <Text size="xs" c="dimmed">
          {event.actor.kind}
          {event.actor.ip ? ` · ${event.actor.ip}` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <Code>{event.action}</Code>
      </Table.Td>
      <Table.Td>
        {event.target ? (
          <>
            <Text size="sm">{event.target.name ?? event.target.id}</Text>
            <Text size="xs" c="dimmed">
              {event.target.type}
            </Text>
          </>
        ) : (
          '—'
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={outcomeColor[event.outcome]}>
          {event.outcome}
        </Badge>
      </Table.Td>
    </Table.Tr>
  );
}

export function AuditPage() {
  const orgId = useOrgId();
  const names = useNames(orgId);
  // Keys act too; listing them may be denied, and then only members are offered.
  const apiKeys = useApiKeys(orgId);
  const [params, setParams] = useSearchParams();
  const [form, setForm] = useState<FilterForm>(() => ({ ...emptyFilters, action: params.get('action') ?? '', q: params.get('q') ?? '' }));
  const [debounced] = useDebouncedValue(form, 350);
  const events = useAuditEvents(orgId, toQuery(debounced));
  const openId = params.get('event');
  const errors = fieldErrors(events.error);
  const set = (patch: Partial<FilterForm>) => setForm((f) => ({ ...f, ...patch }));
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
      />
      <Paper p="md" mb="md">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <TextInput
            label="Search"
            placeholder="Free text"
            leftSection={<IconSearch size={16} />}
            value={form.q}
            onChange={(e) => set({ q: e.currentTarget.value })}
            error={errorFor(errors, 'query.q')}
            data-testid="audit-filter-q"
          />
          <TextInput
            label="Action"
            placeholder="Prefix, e.g. workspace: or api-key"
            value={form.action}
            onChange={(e) => set({ action: e.currentTarget.value })}
            error={errorFor(errors, 'query.action')}
            data-testid="audit-filter-action"
          />
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
          <TextInput label="From" type="datetime-local" value={form.from} onChange={(e) => set({ from: e.currentTarget.value })} error={errorFor(errors, 'query.from')} data-testid="audit-filter-from" />
          <TextInput label="To" type="datetime-local" value={form.to} onChange={(e) => set({ to: e.currentTarget.value })} error={errorFor(errors, 'query.to')} data-testid="audit-filter-to" />
          <Group align="flex-end">
            <Button variant="default" leftSection={<IconFilterOff size={16} />} disabled={!filtered} onClick={() => setForm(emptyFilters)} data-testid="audit-filter-clear">
              Clear filters
            </Button>
          </Group>
        </SimpleGrid>
      </Paper>
      <QueryState query={events}>
        {events.items.length === 0 ? (
          <EmptyState icon={<IconHistory size={24} />} title={filtered ? 'No event matches' : 'No events yet'}>
            {filtered ? 'Widen the time range or clear a filter.' : 'Changes made in this organization appear here.'}
          </EmptyState>
        ) : (
          <Paper>
            <Table.ScrollContainer minWidth={900}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>Actor</Table.Th>
                    <Table.Th>Action</Table.Th>
                    <Table.Th>Target</Table.Th>
                    <Table.Th>Outcome</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {events.items.map((event) => (
                    <EventRow key={event.id} event={event} onOpen={() => openEvent(event.id)} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <LoadMore query={events} testId="audit-load-more" />
      </QueryState>
      <AuditEventDrawer orgId={orgId} eventId={openId} onClose={() => openEvent(null)} />
    </>
  );
}
