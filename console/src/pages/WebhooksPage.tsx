import { Alert, Badge, Button, Code, Drawer, Group, MultiSelect, NumberInput, SegmentedControl, Stack, Table, Text, TextInput, Textarea, Title, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconWebhook } from '@tabler/icons-react';
import { useState } from 'react';
import { useOrgId } from '../api/org.ts';
import {
  useCreateWebhook,
  useDeleteWebhook,
  usePingWebhook,
  useRedeliver,
  useRotateWebhookSecret,
  useUpdateWebhook,
  useWebhookDeliveries,
  useWebhookDelivery,
  useWebhookEventTypes,
  useWebhooks,
  type Webhook,
  type WebhookDelivery,
  type WebhookWithSecret,
} from '../api/webhooks.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { JsonView } from '../components/JsonView.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { RevealModal, RevealPanel } from '../components/RevealModal.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';

const ALL_EVENTS = '*';
const deliveryColor = { pending: 'blue', succeeded: 'teal', failed: 'red' } as const;

function EventTypePicker({ orgId, value, onChange, error }: { orgId: string; value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const types = useWebhookEventTypes(orgId);
  const data = [{ value: ALL_EVENTS, label: 'All events (*)' }, ...(types.data ?? []).map((t) => ({ value: t.type, label: t.type, description: t.description }))];
  return (
    <MultiSelect
      label="Event types"
      description="What this endpoint receives; * alone means every event type"
      placeholder="workspace.created"
      searchable
      required
      data={data}
      value={value}
      // `*` stands alone: picking it replaces the rest, picking a type drops it.
      onChange={(next) => onChange(next.includes(ALL_EVENTS) && !value.includes(ALL_EVENTS) ? [ALL_EVENTS] : next.filter((t) => t !== ALL_EVENTS || next.length === 1))}
      error={error}
      data-testid="webhook-event-types"
    />
  );
}

function CreateWebhookForm({ orgId, onCreated, onCancel }: { orgId: string; onCreated: (c: WebhookWithSecret) => void; onCancel: () => void }) {
  const create = useCreateWebhook(orgId);
  const form = useProblemForm(create, { name: '', url: 'https://', description: '', eventTypes: [] as string[] });
  const { name, url, description, eventTypes } = form.values;

  function submit() {
    create.mutate(
      { name: name.trim(), url: url.trim(), description, eventTypes },
      {
        onSuccess: (created) => {
          notifySuccess(`${created.webhook.name} was created.`, 'Webhook created');
          onCreated(created);
        },
      },
    );
  }

  return (
    <ProblemForm
      submission={create}
      fields={['name', 'url', 'description', 'eventTypes']}
      onSubmit={submit}
      onCancel={onCancel}
      canSubmit={name.trim() !== '' && eventTypes.length > 0}
      submitLabel="Create webhook"
      submitTestId="webhook-submit"
    >
      <TextInput label="Name" placeholder="siem-bridge" required data-autofocus {...form.text('name')} data-testid="webhook-name" />
      <TextInput
        label="URL"
        description="Deliveries are POSTed here. https:// to a public address; private and loopback ranges only if your operator allow-listed them."
        required
        {...form.text('url')}
        data-testid="webhook-url"
      />
      <EventTypePicker orgId={orgId} value={eventTypes} onChange={(v) => form.set('eventTypes', v)} error={form.error('eventTypes')} />
      <Textarea label="Description" autosize minRows={2} {...form.text('description')} data-testid="webhook-description" />
    </ProblemForm>
  );
}

function ShownOnce({ created, onDone, rotated }: { created: WebhookWithSecret; onDone: () => void; rotated: boolean }) {
  return (
    <RevealPanel doneLabel="I have stored it" doneTestId="secret-done" onDone={onDone}>
      <Text size="sm">
        {rotated ? 'The new signing secret of ' : 'The signing secret of '}
        <b>{created.webhook.name}</b>. Verify the <code>webhook-signature</code> header with it (Standard Webhooks).
      </Text>
      {rotated && created.webhook.previousSecretExpiresAt && (
        <Alert color="blue" variant="light">
          Until {formatDateTime(created.webhook.previousSecretExpiresAt)} deliveries carry signatures with both the old and the new secret, so receivers can switch without
          rejecting anything.
        </Alert>
      )}
      <SecretReveal secret={created.secret} testId="secret-value" hint="Hexaplane keeps it sealed and never shows it again. If you lose it, rotate it." />
    </RevealPanel>
  );
}

function RotateForm({ orgId, webhook, onRotated, onCancel }: { orgId: string; webhook: Webhook; onRotated: (c: WebhookWithSecret) => void; onCancel: () => void }) {
  const rotate = useRotateWebhookSecret(orgId);
  const form = useProblemForm(rotate, { overlapMinutes: 60 as number | string });

  function submit() {
    const { overlapMinutes } = form.values;
    rotate.mutate(
      { id: webhook.id, overlapMinutes: typeof overlapMinutes === 'number' ? overlapMinutes : 60 },
      {
        onSuccess: (rotated) => {
          notifySuccess(`${webhook.name} has a new signing secret.`, 'Secret rotated');
          onRotated(rotated);
        },
      },
    );
  }

  return (
    <ProblemForm submission={rotate} fields={['overlapMinutes']} onSubmit={submit} onCancel={onCancel} submitLabel="Rotate secret" submitTestId="webhook-rotate-submit">
      <Text size="sm">
        Rotating <b>{webhook.name}</b> issues a new signing secret. During the overlap every delivery is signed with both.
      </Text>
      <NumberInput label="Overlap (minutes)" description="0 stops signing with the old secret at once; at most 10080 (7 days)" min={0} max={10080} allowDecimal={false} {...form.field('overlapMinutes')} />
    </ProblemForm>
  );
}

function DeliveryDetail({ orgId, webhookId, deliveryId }: { orgId: string; webhookId: string; deliveryId: string }) {
  const delivery = useWebhookDelivery(orgId, webhookId, deliveryId);
  const redeliver = useRedeliver(orgId);
  return (
    <QueryState query={delivery}>
      {delivery.data && (
        <Stack gap="sm" data-testid="webhook-delivery-detail">
          <Group justify="space-between">
            <Group gap="xs">
              <Code>{delivery.data.eventType}</Code>
              <Badge variant="light" color={deliveryColor[delivery.data.status]}>
                {delivery.data.status}
              </Badge>
            </Group>
            <Button
              size="xs"
              loading={redeliver.isPending}
              onClick={() => redeliver.mutate({ webhookId, deliveryId }, { onSuccess: () => notifySuccess('The delivery is queued again.', 'Redelivery') })}
              data-testid="webhook-redeliver"
            >
              Redeliver
            </Button>
          </Group>
          {redeliver.error && <ProblemAlert error={redeliver.error} />}
          <Text size="xs" c="dimmed">
            webhook-id {delivery.data.eventId}
          </Text>
          <Title order={6}>Attempts</Title>
          <Table striped withTableBorder fz="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Error</Table.Th>
                <Table.Th>Duration</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {delivery.data.attemptLog.map((a) => (
                <Table.Tr key={a.attemptedAt} data-testid="webhook-attempt">
                  <Table.Td>
                    <Time iso={a.attemptedAt} />
                  </Table.Td>
                  <Table.Td>{a.statusCode ?? '—'}</Table.Td>
                  <Table.Td>
                    <Tooltip label={a.responseBody ?? ''} disabled={!a.responseBody} multiline w={360}>
                      <Text size="xs">{a.error ?? 'OK'}</Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>{a.durationMs} ms</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={6}>Payload</Title>
          <JsonView value={JSON.parse(delivery.data.payload) as unknown} />
        </Stack>
      )}
    </QueryState>
  );
}

function DeliveriesDrawer({ orgId, webhook, onClose }: { orgId: string; webhook: Webhook | null; onClose: () => void }) {
  const [status, setStatus] = useState<WebhookDelivery['status'] | 'all'>('all');
  const [selected, setSelected] = useState<string | null>(null);
  const deliveries = useWebhookDeliveries(orgId, webhook?.id ?? null, status === 'all' ? null : status);
  const columns: Column<WebhookDelivery>[] = [
    { header: 'Event', cell: (d) => <Code>{d.eventType}</Code> },
    {
      header: 'Status',
      cell: (d) => (
        <Badge variant="light" color={deliveryColor[d.status]}>
          {d.status}
        </Badge>
      ),
    },
    { header: 'Attempts', cell: (d) => d.attempts },
    { header: 'Last answer', cell: (d) => <Text size="xs">{d.lastStatusCode ?? d.lastError ?? '—'}</Text> },
    { header: 'Latency', cell: (d) => (d.latencyMs === null ? '—' : `${d.latencyMs} ms`) },
    { header: 'Next attempt', cell: (d) => <Time iso={d.nextAttemptAt} /> },
    { header: 'Created', cell: (d) => <Time iso={d.createdAt} /> },
  ];
  return (
    <Drawer
      opened={webhook !== null}
      onClose={() => {
        setSelected(null);
        onClose();
      }}
      title={webhook ? `Deliveries of ${webhook.name}` : ''}
      position="right"
      size="xl"
    >
      <Stack>
        <SegmentedControl
          data={['all', 'pending', 'succeeded', 'failed']}
          value={status}
          onChange={(v) => setStatus(v as typeof status)}
          data-testid="webhook-delivery-filter"
        />
        <ResourceTable
          query={deliveries}
          rows={deliveries.items}
          columns={columns}
          rowKey={(d) => d.id}
          rowProps={(d) => ({ 'data-testid': 'webhook-delivery-row', 'data-id': d.id, onClick: () => setSelected(d.id), style: { cursor: 'pointer' } })}
          minWidth={700}
          empty={<EmptyState icon={<IconWebhook size={24} />} title="No deliveries yet">Events this endpoint subscribed to show up here once they happen.</EmptyState>}
        />
        {webhook && selected && <DeliveryDetail orgId={orgId} webhookId={webhook.id} deliveryId={selected} />}
      </Stack>
    </Drawer>
  );
}

export function WebhooksPage() {
  const orgId = useOrgId();
  const webhooks = useWebhooks(orgId);
  const update = useUpdateWebhook(orgId);
  const remove = useDeleteWebhook(orgId);
  const ping = usePingWebhook(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [rotating, setRotating] = useState<Webhook | null>(null);
  const [viewing, setViewing] = useState<Webhook | null>(null);

  function sendPing(webhook: Webhook) {
    ping.mutate(webhook.id, {
      onSuccess: (d) =>
        notifySuccess(d.status === 'succeeded' ? `${webhook.name} answered ${d.lastStatusCode} in ${d.latencyMs} ms.` : `Ping failed: ${d.lastError ?? 'no answer'}`, 'Ping'),
    });
  }

  const columns: Column<Webhook>[] = [
    {
      header: 'Name',
      cell: (w) => (
        <>
          <Text size="sm" fw={600}>
            {w.name}
          </Text>
          <Text size="xs" c="dimmed" ff="monospace">
            {w.url}
          </Text>
        </>
      ),
    },
    { header: 'Events', cell: (w) => <Text size="sm">{w.eventTypes.join(', ')}</Text> },
    {
      header: 'Status',
      cell: (w) => (
        <Tooltip label={w.disabledReason ?? ''} disabled={!w.disabledReason}>
          <Badge variant="light" color={w.enabled ? 'teal' : 'gray'} data-testid="webhook-status">
            {w.enabled ? 'enabled' : 'disabled'}
          </Badge>
        </Tooltip>
      ),
    },
    { header: 'Failures', cell: (w) => w.consecutiveFailures },
    { header: 'Created', cell: (w) => <Time iso={w.createdAt} /> },
    actionsColumn((w) => ({
      actions: [
        { label: 'Deliveries', onClick: () => setViewing(w), testId: 'webhook-deliveries' },
        { label: 'Ping', onClick: () => sendPing(w), testId: 'webhook-ping' },
        { label: 'Rotate', onClick: () => setRotating(w), testId: 'webhook-rotate' },
        {
          label: w.enabled ? 'Disable' : 'Enable',
          onClick: () => update.mutate({ id: w.id, version: w.version, changes: { enabled: !w.enabled } }),
          testId: 'webhook-toggle',
        },
      ],
      confirm: deleteConfirm({
        name: w.name,
        noun: 'webhook',
        message: 'Its delivery log goes with it; pending deliveries are never sent.',
        onConfirm: () => remove.mutateAsync(w.id),
        testId: 'webhook-delete',
      }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Endpoints that receive this organization's events as signed HTTP POSTs (Standard Webhooks), retried until they answer 2xx."
        actions={
          <CreateButton onClick={open} testId="webhook-create">
            Create webhook
          </CreateButton>
        }
      />
      {(ping.error || update.error) && <ProblemAlert error={ping.error ?? update.error} />}
      <ResourceTable
        query={webhooks}
        rows={webhooks.items}
        columns={columns}
        rowKey={(w) => w.id}
        rowProps={(w) => ({ 'data-testid': 'webhook-row', 'data-id': w.id, 'data-name': w.name })}
        minWidth={1000}
        empty={
          <EmptyState icon={<IconWebhook size={24} />} title="No webhooks yet">
            Subscribe an endpoint to events such as workspace.created or member.removed.
          </EmptyState>
        }
      />
      <RevealModal<WebhookWithSecret>
        opened={creating}
        onClose={close}
        title="Create a webhook"
        revealTitle="Copy the signing secret"
        holdOnEscape
        form={(onCreated, done) => <CreateWebhookForm orgId={orgId} onCreated={onCreated} onCancel={done} />}
        reveal={(created, done) => <ShownOnce created={created} onDone={done} rotated={false} />}
      />
      <RevealModal<WebhookWithSecret>
        opened={rotating !== null}
        onClose={() => setRotating(null)}
        title="Rotate signing secret"
        revealTitle="Copy the new signing secret"
        holdOnEscape
        form={(onRotated, done) => rotating && <RotateForm orgId={orgId} webhook={rotating} onRotated={onRotated} onCancel={done} />}
        reveal={(rotated, done) => <ShownOnce created={rotated} onDone={done} rotated />}
      />
      <DeliveriesDrawer orgId={orgId} webhook={viewing} onClose={() => setViewing(null)} />
    </>
  );
}
