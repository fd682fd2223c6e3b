import { Group, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { grantableRoleOptions, useActions, useRoles } from '../api/access.ts';
import { useCreateApiKey } from '../api/identity.ts';
import type { ApiKeyWithSecret } from '../api/types.ts';
import { notifySuccess } from '../lib/notify.ts';
import { actionOptions } from './access/RoleModal.tsx';
import { ProblemForm } from './form/ProblemForm.tsx';
import { useProblemForm } from './form/useProblemForm.ts';
import { WorkspaceSelect } from './WorkspaceSelect.tsx';

interface KeyForm {
  name: string;
  workspaceId: string | null;
  grant: 'role' | 'actions';
  roleId: string | null;
  actions: string[];
  expiresInDays: number | string;
  rateLimitPerMinute: number | string;
}

const blankKey: KeyForm = { name: '', workspaceId: null, grant: 'role', roleId: null, actions: [], expiresInDays: 90, rateLimitPerMinute: '' };
const keyFields = ['name', 'workspaceId', 'roleId', 'actions', 'expiresInDays', 'rateLimitPerMinute'];

function keyInput({ name, workspaceId, grant, roleId, actions, expiresInDays, rateLimitPerMinute }: KeyForm) {
  return {
    name: name.trim(),
    ...(workspaceId ? { workspaceId } : {}),
    ...(grant === 'role' && roleId ? { roleId } : {}),
    ...(grant === 'actions' ? { actions } : {}),
    ...(typeof expiresInDays === 'number' ? { expiresInDays } : {}),
    ...(typeof rateLimitPerMinute === 'number' ? { rateLimitPerMinute } : {}),
  };
}

export function CreateApiKeyForm({ orgId, onCreated, onCancel }: { orgId: string; onCreated: (c: ApiKeyWithSecret) => void; onCancel: () => void }) {
  const create = useCreateApiKey(orgId);
  const roles = useRoles(orgId);
  const catalog = useActions(orgId);
  const form = useProblemForm(create, blankKey);
  const { name, workspaceId, grant, roleId, actions } = form.values;
  const scope = workspaceId ? 'workspace' : 'organization';
  const ready = name.trim() !== '' && (grant === 'role' ? roleId !== null : actions.length > 0);

  function submit() {
    create.mutate(keyInput(form.values), {
      onSuccess: (created) => {
        notifySuccess(`${created.apiKey.name} was created.`, 'API key created');
        onCreated(created);
      },
    });
  }

  return (
    <ProblemForm submission={create} fields={keyFields} onSubmit={submit} onCancel={onCancel} canSubmit={ready} submitLabel="Create key" submitTestId="apikey-submit">
      <TextInput label="Name" placeholder="ci-deployer" required data-autofocus {...form.text('name')} data-testid="apikey-name" />
      <WorkspaceSelect
        orgId={orgId}
        description="Optional: limit the key to one workspace"
        value={workspaceId}
        onChange={(id) => {
          form.set('workspaceId', id);
          form.set('roleId', null);
        }}
        error={form.error('workspaceId')}
        testId="apikey-workspace"
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
          onChange={(v) => form.set('grant', v as KeyForm['grant'])}
          data-testid="apikey-grant-kind"
        />
      </Stack>
      {grant === 'role' ? (
        <Select label="Role" placeholder="Choose a role" data={grantableRoleOptions(roles.data ?? [], scope)} {...form.field('roleId')} searchable data-testid="apikey-role" />
      ) : (
        <MultiSelect
          label="Actions"
          placeholder="Search actions"
          data={actionOptions(catalog.data ?? [], scope).groups}
          {...form.field('actions')}
          searchable
          clearable
          hidePickedOptions
          data-testid="apikey-actions"
        />
      )}
      <Group grow align="flex-start">
        <NumberInput label="Expires after (days)" placeholder="Never" min={1} max={3650} allowDecimal={false} {...form.field('expiresInDays')} data-testid="apikey-expiry" />
        <NumberInput label="Rate limit (requests/minute)" placeholder="Organization default" min={1} allowDecimal={false} {...form.field('rateLimitPerMinute')} data-testid="apikey-rate-limit" />
      </Group>
    </ProblemForm>
  );
}
