import { Alert, Button, Group, Modal, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { grantableRoleOptions, useActions, useRoles } from '../api/access.ts';
import { useCreateApiKey, useRotateApiKey } from '../api/identity.ts';
import { errorFor, fieldErrors, onlyFieldErrors } from '../api/problem.ts';
import { useWorkspaceOptions } from '../api/tenancy.ts';
import type { ApiKey, ApiKeyWithSecret } from '../api/types.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';
import { actionOptions } from './access/RoleModal.tsx';
import { ProblemAlert } from './ProblemAlert.tsx';
import { SecretReveal } from './SecretReveal.tsx';

const keyFields = ['name', 'workspaceId', 'roleId', 'actions', 'expiresInDays', 'rateLimitPerMinute'];

function ShownOnce({ created, onDone, rotated }: { created: ApiKeyWithSecret; onDone: () => void; rotated: boolean }) {
  return (
    <Stack>
      <Text size="sm">
        {rotated ? 'The new secret of ' : 'The secret of '}
        <b>{created.apiKey.name}</b>. Send it as <code>Authorization: Bearer &lt;secret&gt;</code>.
      </Text>
      {rotated && created.apiKey.previousSecretExpiresAt && (
        <Alert color="blue" variant="light">
          The old secret keeps working until {formatDateTime(created.apiKey.previousSecretExpiresAt)}, so you can roll it out without downtime.
        </Alert>
      )}
      <SecretReveal
        secret={created.secret}
        testId="secret-value"
        hint="Hexaplane keeps only a hash of it. If you lose it, rotate the key."
        footnote="Store it in your secret manager; anyone holding it acts with the key's permissions."
      />
      <Group justify="flex-end">
        <Button onClick={onDone} data-testid="secret-done">
          I have stored it
        </Button>
      </Group>
    </Stack>
  );
}

function CreateApiKeyForm({ orgId, onCreated, onCancel }: { orgId: string; onCreated: (c: ApiKeyWithSecret) => void; onCancel: () => void }) {
  const create = useCreateApiKey(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const roles = useRoles(orgId);
  const catalog = useActions(orgId);
  const [name, setName] = useState('');
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [grant, setGrant] = useState<'role' | 'actions'>('role');
  const [roleId, setRoleId] = useState<string | null>(null);
  const [actions, setActions] = useState<string[]>([]);
  const [expiresInDays, setExpiresInDays] = useState<number | string>(90);
  const [rateLimit, setRateLimit] = useState<number | string>('');
  const errors = fieldErrors(create.error);
  const scope = workspaceId ? 'workspace' : 'organization';
  const roleData = grantableRoleOptions(roles.data ?? [], scope);
  const ready = name.trim() !== '' && (grant === 'role' ? roleId !== null : actions.length > 0);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      {
        name: name.trim(),
        ...(workspaceId ? { workspaceId } : {}),
        ...(grant === 'role' && roleId ? { roleId } : {}),
        ...(grant === 'actions' ? { actions } : {}),
        ...(typeof expiresInDays === 'number' ? { expiresInDays } : {}),
        ...(typeof rateLimit === 'number' ? { rateLimitPerMinute: rateLimit } : {}),
      },
      {
        onSuccess: (created) => {
          notifySuccess(`${created.apiKey.name} was created.`, 'API key created');
          onCreated(created);
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" placeholder="ci-deployer" required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="apikey-name" />
        <Select
          label="Workspace"
          description="Optional: limit the key to one workspace"
          placeholder="The whole organization"
          data={(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
          value={workspaceId}
          onChange={(v) => {
            setWorkspaceId(v);
            setRoleId(null);
          }}
          clearable
          searchable
          error={errorFor(errors, 'workspaceId')}
          data-testid="apikey-workspace"
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Permissions
          </Text>
          <Text size="xs" c="dimmed">
            A key can never do more than you can.
          </Text>
          <SegmentedControl
            data={[
              { value: 'role', label: 'A role' },
              { value: 'actions', label: 'Specific actions' },
            ]}
            value={grant}
            onChange={(v) => setGrant(v as 'role' | 'actions')}
            data-testid="apikey-grant-kind"
          />
        </Stack>
        {grant === 'role' ? (
          <Select label="Role" placeholder="Choose a role" data={roleData} value={roleId} onChange={setRoleId} searchable error={errorFor(errors, 'roleId')} data-testid="apikey-role" />
        ) : (
          <MultiSelect
            label="Actions"
            placeholder="Search actions"
            data={actionOptions(catalog.data ?? [], scope).groups}
            value={actions}
            onChange={setActions}
            searchable
            clearable
            hidePickedOptions
            error={errorFor(errors, 'actions')}
            data-testid="apikey-actions"
          />
        )}
        <Group grow align="flex-start">
          <NumberInput
            label="Expires after (days)"
            placeholder="Never"
            min={1}
            max={3650}
            allowDecimal={false}
            value={expiresInDays}
            onChange={setExpiresInDays}
            error={errorFor(errors, 'expiresInDays')}
            data-testid="apikey-expiry"
          />
          <NumberInput
            label="Rate limit (requests/minute)"
            placeholder="Organization default"
            min={1}
            allowDecimal={false}
            value={rateLimit}
            onChange={setRateLimit}
            error={errorFor(errors, 'rateLimitPerMinute')}
            data-testid="apikey-rate-limit"
          />
        </Group>
        {create.error && !onlyFieldErrors(create.error, keyFields) && <ProblemAlert error={create.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending} disabled={!ready} data-testid="apikey-submit">
            Create key
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function CreateApiKeyModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const [created, setCreated] = useState<ApiKeyWithSecret | null>(null);
  function close() {
    setCreated(null);
    onClose();
  }
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? 'Copy your API key' : 'Create an API key'}
      size="lg"
      closeOnClickOutside={!created}
      closeOnEscape={!created}
    >
      {created ? <ShownOnce created={created} onDone={close} rotated={false} /> : opened && <CreateApiKeyForm orgId={orgId} onCreated={setCreated} onCancel={close} />}
    </Modal>
  );
}

function RotateForm({ orgId, apiKey, onRotated, onCancel }: { orgId: string; apiKey: ApiKey; onRotated: (c: ApiKeyWithSecret) => void; onCancel: () => void }) {
  const rotate = useRotateApiKey(orgId);
  const [overlap, setOverlap] = useState<number | string>(60);
  const errors = fieldErrors(rotate.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    rotate.mutate(
      { id: apiKey.id, overlapMinutes: typeof overlap === 'number' ? overlap : 60 },
      {
        onSuccess: (rotated) => {
          notifySuccess(`${apiKey.name} has a new secret.`, 'API key rotated');
          onRotated(rotated);
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm">
          Rotating <b>{apiKey.name}</b> issues a new secret. The current one keeps working during the overlap, then stops.
        </Text>
        <NumberInput
          label="Overlap (minutes)"
          description="0 ends the old secret at once; at most 10080 (7 days)"
          min={0}
          max={10080}
          allowDecimal={false}
          value={overlap}
          onChange={setOverlap}
          error={errorFor(errors, 'overlapMinutes')}
          data-testid="apikey-rotate-overlap"
        />
        {rotate.error && !onlyFieldErrors(rotate.error, ['overlapMinutes']) && <ProblemAlert error={rotate.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={rotate.isPending} data-testid="apikey-rotate-submit">
            Rotate secret
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function RotateApiKeyModal({ orgId, apiKey, onClose }: { orgId: string; apiKey: ApiKey | null; onClose: () => void }) {
  const [rotated, setRotated] = useState<ApiKeyWithSecret | null>(null);
  function close() {
    setRotated(null);
    onClose();
  }
  return (
    <Modal
      opened={apiKey !== null}
      onClose={close}
      title={rotated ? 'Copy the new secret' : 'Rotate API key'}
      size="lg"
      closeOnClickOutside={!rotated}
      closeOnEscape={!rotated}
    >
      {rotated ? <ShownOnce created={rotated} onDone={close} rotated /> : apiKey && <RotateForm orgId={orgId} apiKey={apiKey} onRotated={setRotated} onCancel={close} />}
    </Modal>
  );
}
