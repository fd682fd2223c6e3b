import { Badge, Code, Divider, Drawer, Group, SimpleGrid, Stack, Switch, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useAuditEvent } from '../api/audit.ts';
import type { AuditEvent } from '../api/types.ts';
import { formatDateTime } from '../lib/format.ts';
import { AuditProofPanel } from './AuditProofPanel.tsx';
import { JsonView } from './JsonView.tsx';
import { QueryState } from './ProblemAlert.tsx';
import { Fact } from './workspace/OverviewTab.tsx';

export const outcomeColor = { success: 'teal', denied: 'red', failed: 'orange' } as const;

/** Top-level fields whose value differs between before and after. */
function changedFields(before: unknown, after: unknown): string[] {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(before) || !isRecord(after)) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) && k !== 'updatedAt' && k !== 'version');
}

function EventDetail({ event, unmasked }: { event: AuditEvent; unmasked: boolean }) {
  const changed = changedFields(event.before, event.after);
  return (
    <Stack data-testid="audit-detail" data-id={event.id}>
      <Group gap="sm">
        <Code fz="md">{event.action}</Code>
        <Badge variant="light" color={outcomeColor[event.outcome]}>
          {event.outcome}
        </Badge>
      </Group>
      {event.reason && (
        <Text size="sm" c="dimmed">
          {event.reason}
        </Text>
      )}
      <SimpleGrid cols={2} spacing="md">
        <Fact label="When">{formatDateTime(event.occurredAt, true)}</Fact>
        <Fact label="Event id">
          <Code>{event.id}</Code>
        </Fact>
        <Fact label="Actor">
          {event.actor.name ?? event.actor.id ?? '—'}{' '}
          <Badge size="xs" variant="light" color="gray">
            {event.actor.kind}
          </Badge>
        </Fact>
        <Fact label="Actor id">
          <Code>{event.actor.id ?? '—'}</Code>
        </Fact>
        <Fact label="Target">{event.target ? `${event.target.type}: ${event.target.name ?? event.target.id ?? '—'}` : '—'}</Fact>
        <Fact label="Target id">
          <Code>{event.target?.id ?? '—'}</Code>
        </Fact>
        <Fact label="IP address">{event.actor.ip ?? '—'}</Fact>
        <Fact label="Request id">
          <Code>{event.requestId ?? '—'}</Code>
        </Fact>
        {event.actor.apiKeyId && (
          <Fact label="API key">
            <Code>{event.actor.apiKeyId}</Code>
          </Fact>
        )}
        {event.actor.sessionId && (
          <Fact label="Session">
            <Code>{event.actor.sessionId}</Code>
          </Fact>
        )}
      </SimpleGrid>
      {event.actor.userAgent && (
        <Fact label="User agent">
          <Text size="xs" ff="monospace">
            {event.actor.userAgent}
          </Text>
        </Fact>
      )}
      <Divider />
      {changed.length > 0 && (
        <Group gap={6} data-testid="audit-changed">
          <Text size="sm" fw={500}>
            Changed:
          </Text>
          {changed.map((k) => (
            <Badge key={k} variant="light" color="yellow" tt="none">
              {k}
            </Badge>
          ))}
        </Group>
      )}
      <AuditProofPanel orgId={event.orgId} eventId={event.id} unmasked={unmasked} />
      <Divider />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack gap={4}>
          <Title order={6}>Before</Title>
          <JsonView value={event.before} testId="audit-before" />
        </Stack>
        <Stack gap={4}>
          <Title order={6}>After</Title>
          <JsonView value={event.after} testId="audit-after" />
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}

/**
 * Opens from a row; fetches the event itself so a shared link to it always shows everything.
 * `canUnmask` (audit:read-unmasked) offers the stored values; each unmasked read is audited.
 */
export function AuditEventDrawer({ orgId, eventId, onClose, canUnmask = false, unmasked: listUnmasked = false }: { orgId: string; eventId: string | null; onClose: () => void; canUnmask?: boolean; unmasked?: boolean }) {
  const [toggled, setToggled] = useState(false);
  const unmasked = canUnmask && (listUnmasked || toggled);
  const event = useAuditEvent(orgId, eventId, unmasked);
  return (
    <Drawer opened={eventId !== null} onClose={onClose} title="Audit event" position="right" size="xl">
      {canUnmask && !listUnmasked && (
        <Switch
          mb="md"
          label="Show unmasked"
          description="The stored values, without PII masking. Your read is recorded in the audit log."
          checked={toggled}
          onChange={(e) => setToggled(e.currentTarget.checked)}
          data-testid="audit-drawer-unmasked"
        />
      )}
      <QueryState query={event}>{event.data && <EventDetail event={event.data} unmasked={unmasked} />}</QueryState>
    </Drawer>
  );
}
