import { Alert, Badge, Code, NumberInput, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { useCreateScimToken, useRevokeScimToken, useRotateScimToken, useScimTokens, type CreatedScimToken, type ScimToken } from '../api/scim.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { RevealModal, RevealPanel } from '../components/RevealModal.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';

/** The token and the base URL, shown once: the two values Okta and Entra ID ask for. */
function ShownOnce({ created, onDone, rotated }: { created: CreatedScimToken; onDone: () => void; rotated: boolean }) {
  return (
    <RevealPanel doneLabel="I have pasted it" doneTestId="scim-token-done" onDone={onDone}>
      <Text size="sm">
        In Okta (Provisioning → Integration) or Entra ID (Provisioning → Admin credentials), paste the <b>SCIM base URL</b> as the
        connector / tenant URL and the <b>token</b> as the bearer token / secret token.
      </Text>
      <Text size="sm" fw={600}>
        SCIM base URL
      </Text>
      <Code block data-testid="scim-base-url">
        {created.baseUrl}
      </Code>
      {rotated && created.scimToken.previousSecretExpiresAt && (
        <Alert color="blue" variant="light">
          The old token keeps working until {formatDateTime(created.scimToken.previousSecretExpiresAt)}: update the identity provider before then.
        </Alert>
      )}
      <SecretReveal
        secret={created.token}
        testId="scim-token-value"
        hint="Hexaplane keeps only a hash of it. If you lose it, rotate the token."
        footnote="Anyone holding it can create, change and remove this organization's users and groups."
      />
    </RevealPanel>
  );
}

function CreateForm({ orgId, onCreated, onCancel }: { orgId: string; onCreated: (c: CreatedScimToken) => void; onCancel: () => void }) {
  const create = useCreateScimToken(orgId);
  const form = useProblemForm(create, { name: '' });
  function submit() {
    create.mutate({ name: form.values.name.trim() }, {
      onSuccess: (created) => {
        notifySuccess(`${created.scimToken.name} was created.`, 'SCIM token created');
        onCreated(created);
      },
    });
  }
  return (
    <ProblemForm submission={create} fields={['name']} onSubmit={submit} onCancel={onCancel} canSubmit={form.values.name.trim() !== ''} submitLabel="Create token" submitTestId="scim-token-submit">
      <TextInput label="Name" placeholder="Okta production" required data-autofocus {...form.text('name')} data-testid="scim-token-name" />
    </ProblemForm>
  );
}

function RotateForm({ orgId, token, onRotated, onCancel }: { orgId: string; token: ScimToken; onRotated: (c: CreatedScimToken) => void; onCancel: () => void }) {
  const rotate = useRotateScimToken(orgId);
  const form = useProblemForm(rotate, { overlapMinutes: 60 as number | string });
  function submit() {
    const { overlapMinutes } = form.values;
    rotate.mutate({ id: token.id, overlapMinutes: typeof overlapMinutes === 'number' ? overlapMinutes : 60 }, {
      onSuccess: (rotated) => {
        notifySuccess(`${token.name} has a new token.`, 'SCIM token rotated');
        onRotated(rotated);
      },
    });
  }
  return (
    <ProblemForm submission={rotate} fields={['overlapMinutes']} onSubmit={submit} onCancel={onCancel} submitLabel="Rotate token" submitTestId="scim-token-rotate-submit">
      <Text size="sm">
        Rotating <b>{token.name}</b> issues a new token. The current one keeps working during the overlap, then stops.
      </Text>
      <NumberInput label="Overlap (minutes)" description="0 ends the old token at once; at most 10080 (7 days)" min={0} max={10080} allowDecimal={false} {...form.field('overlapMinutes')} />
    </ProblemForm>
  );
}

export function ScimPage() {
  const orgId = useOrgId();
  const tokens = useScimTokens(orgId);
  const revoke = useRevokeScimToken(orgId);
  const names = useNames(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [rotating, setRotating] = useState<ScimToken | null>(null);

  const columns: Column<ScimToken>[] = [
    {
      header: 'Name',
      cell: (token) => (
        <>
          <Text size="sm" fw={600}>
            {token.name}
          </Text>
          <Text size="xs" c="dimmed">
            {token.id} · by {names.userName(token.createdBy)}
          </Text>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (token) => (
        <>
          <Badge variant="light" color={token.status === 'active' ? 'teal' : 'gray'}>
            {token.status}
          </Badge>
          {token.previousSecretExpiresAt && (
            <Badge variant="outline" color="blue" ml={4}>
              rotating
            </Badge>
          )}
        </>
      ),
    },
    { header: 'Created', cell: (token) => <Time iso={token.createdAt} /> },
    { header: 'Last used', cell: (token) => <Time iso={token.lastUsedAt} empty="Never" /> },
    actionsColumn(
      (token) =>
        token.status === 'active' && {
          actions: [{ label: 'Rotate', onClick: () => setRotating(token), testId: 'scim-token-rotate' }],
          confirm: {
            label: 'Revoke',
            title: `Revoke ${token.name}?`,
            message: 'The identity provider can no longer provision users or groups with this token. This cannot be undone.',
            confirmLabel: 'Revoke token',
            onConfirm: () => revoke.mutateAsync(token.id),
            notice: `${token.name} was revoked.`,
            testId: 'scim-token-revoke',
          },
        },
    ),
  ];

  return (
    <>
      <PageHeader
        title="SCIM provisioning"
        description="Let Okta or Entra ID create, update, deactivate and remove this organization's users and groups. Deactivated users are signed out and their API keys suspended at once; every change is audited."
        actions={
          <CreateButton onClick={open} testId="scim-token-create">
            Create SCIM token
          </CreateButton>
        }
      />
      <ResourceTable
        query={tokens}
        rows={tokens.items}
        columns={columns}
        rowKey={(token) => token.id}
        rowProps={(token) => ({ 'data-testid': 'scim-token-row', 'data-id': token.id, 'data-status': token.status })}
        minWidth={800}
        empty={
          <EmptyState icon={<IconUsersGroup size={24} />} title="No SCIM tokens yet">
            Create a token, then paste it and the SCIM base URL into your identity provider's provisioning settings.
          </EmptyState>
        }
      />
      <RevealModal<CreatedScimToken>
        opened={creating}
        onClose={close}
        title="Create a SCIM token"
        revealTitle="Copy the SCIM token"
        holdOnEscape
        form={(onCreated, cancel) => <CreateForm orgId={orgId} onCreated={onCreated} onCancel={cancel} />}
        reveal={(created, done) => <ShownOnce created={created} onDone={done} rotated={false} />}
      />
      <RevealModal<CreatedScimToken>
        opened={rotating !== null}
        onClose={() => setRotating(null)}
        title="Rotate SCIM token"
        revealTitle="Copy the new SCIM token"
        holdOnEscape
        form={(onRotated, cancel) => rotating && <RotateForm orgId={orgId} token={rotating} onRotated={onRotated} onCancel={cancel} />}
        reveal={(rotated, done) => <ShownOnce created={rotated} onDone={done} rotated />}
      />
    </>
  );
}
