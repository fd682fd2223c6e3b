import { Badge, Modal, SegmentedControl, Stack, Text, TextInput, Textarea, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBell } from '@tabler/icons-react';
import {
  useCreateNotificationChannel,
  useDeleteNotificationChannel,
  useNotificationChannels,
  useTestNotificationChannel,
  useUpdateNotificationChannel,
  type NotificationChannel,
} from '../api/notification-channels.ts';
import { useOrgId } from '../api/org.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert } from '../components/ProblemAlert.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

/** One address per line or comma-separated, as people paste them. */
function recipientsOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

function CreateChannelForm({ orgId, onDone }: { orgId: string; onDone: () => void }) {
  const create = useCreateNotificationChannel(orgId);
  const form = useProblemForm(create, { name: '', kind: 'email' as 'email' | 'slack', recipients: '', webhookUrl: 'https://' });
  const { name, kind, recipients, webhookUrl } = form.values;

  function submit() {
    const body = kind === 'email' ? { name: name.trim(), kind, recipients: recipientsOf(recipients) } : { name: name.trim(), kind, webhookUrl: webhookUrl.trim() };
    create.mutate(body, {
      onSuccess: (created) => {
        notifySuccess(`${created.name} was created. Send it a test message to check it.`, 'Channel created');
        onDone();
      },
    });
  }

  return (
    <ProblemForm
      submission={create}
      fields={['name', 'kind', 'recipients', 'webhookUrl']}
      onSubmit={submit}
      onCancel={onDone}
      canSubmit={name.trim() !== '' && (kind === 'email' ? recipientsOf(recipients).length > 0 : webhookUrl.trim().length > 8)}
      submitLabel="Create channel"
      submitTestId="channel-submit"
    >
      <TextInput label="Name" placeholder="Finance BU managers" required data-autofocus {...form.text('name')} data-testid="channel-name" />
      <SegmentedControl
        value={kind}
        onChange={(v) => form.set('kind', v as 'email' | 'slack')}
        data={[
          { value: 'email', label: 'E-mail' },
          { value: 'slack', label: 'Slack-compatible webhook' },
        ]}
        data-testid="channel-kind"
      />
      {kind === 'email' ? (
        <Textarea
          label="Recipients"
          description="One address per line (up to 50). Sent through this server's SMTP relay."
          autosize
          minRows={3}
          required
          {...form.text('recipients')}
          data-testid="channel-recipients"
        />
      ) : (
        <TextInput
          label="Incoming-webhook URL"
          description="From Slack (or Mattermost, Rocket.Chat). It is a secret: stored sealed and never shown again, only its host."
          required
          {...form.text('webhookUrl')}
          data-testid="channel-webhook-url"
        />
      )}
    </ProblemForm>
  );
}

export function NotificationChannelsPage() {
  const orgId = useOrgId();
  const channels = useNotificationChannels(orgId);
  const update = useUpdateNotificationChannel(orgId);
  const remove = useDeleteNotificationChannel(orgId);
  const test = useTestNotificationChannel(orgId);
  const [creating, { open, close }] = useDisclosure(false);

  function sendTest(channel: NotificationChannel) {
    test.mutate(channel.id, {
      onSuccess: (r) => notifySuccess(r.delivered ? `${channel.name} took the test message in ${r.durationMs} ms.` : `Not delivered: ${r.error ?? 'no answer'}`, 'Test message'),
    });
  }

  const columns: Column<NotificationChannel>[] = [
    {
      header: 'Name',
      cell: (c) => (
        <Text size="sm" fw={600}>
          {c.name}
        </Text>
      ),
    },
    { header: 'Kind', cell: (c) => <Badge variant="light">{c.kind === 'email' ? 'e-mail' : 'slack'}</Badge> },
    {
      header: 'Sends to',
      cell: (c) => (
        <Text size="xs" ff="monospace">
          {c.kind === 'email' ? c.recipients.join(', ') : c.webhookHost}
        </Text>
      ),
    },
    {
      header: 'Status',
      cell: (c) => (
        <Tooltip label={c.lastError ?? ''} disabled={!c.lastError}>
          <Badge variant="light" color={!c.enabled ? 'gray' : c.lastError ? 'orange' : 'teal'} data-testid="channel-status">
            {!c.enabled ? 'disabled' : c.lastError ? 'retrying' : 'enabled'}
          </Badge>
        </Tooltip>
      ),
    },
    { header: 'Last sent', cell: (c) => (c.lastSentAt ? <Time iso={c.lastSentAt} /> : <Text size="sm" c="dimmed">never</Text>) },
    actionsColumn((c) => ({
      actions: [
        { label: 'Send test', onClick: () => sendTest(c), testId: 'channel-test' },
        { label: c.enabled ? 'Disable' : 'Enable', onClick: () => update.mutate({ id: c.id, version: c.version, changes: { enabled: !c.enabled } }), testId: 'channel-toggle' },
      ],
      confirm: deleteConfirm({
        name: c.name,
        noun: 'notification channel',
        message: 'Budgets that alert here stop sending to it; messages not sent yet are dropped.',
        onConfirm: () => remove.mutateAsync(c.id),
        testId: 'channel-delete',
      }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="Notification channels"
        description="Where alerts such as budget thresholds go: e-mail recipients, or a Slack-compatible incoming webhook. Each alert is sent once per channel, retried until it is delivered."
        actions={
          <CreateButton onClick={open} testId="channel-create">
            Add channel
          </CreateButton>
        }
      />
      {(test.error || update.error) && <ProblemAlert error={test.error ?? update.error} />}
      <ResourceTable
        query={channels}
        rows={channels.items}
        columns={columns}
        rowKey={(c) => c.id}
        rowProps={(c) => ({ 'data-testid': 'channel-row', 'data-id': c.id, 'data-name': c.name })}
        minWidth={900}
        empty={
          <EmptyState icon={<IconBell size={24} />} title="No notification channels yet">
            Add an e-mail list or a Slack webhook, then pick it in a budget&apos;s alerts.
          </EmptyState>
        }
      />
      <Modal opened={creating} onClose={close} title="Add a notification channel">
        <Stack>{creating && <CreateChannelForm orgId={orgId} onDone={close} />}</Stack>
      </Modal>
    </>
  );
}
