import { Button, Group, Modal, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { grantableRoleOptions, useRoles } from '../api/access.ts';
import { errorFor, fieldErrors, onlyFieldErrors } from '../api/problem.ts';
import { useCreateInvitation, useWorkspaceOptions } from '../api/tenancy.ts';
import type { CreatedInvitation } from '../api/types.ts';
import { formatDateTime } from '../lib/format.ts';
import { ProblemAlert } from './ProblemAlert.tsx';
import { SecretReveal } from './SecretReveal.tsx';

function InviteForm({ orgId, onCreated, onCancel }: { orgId: string; onCreated: (i: CreatedInvitation) => void; onCancel: () => void }) {
  const roles = useRoles(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const create = useCreateInvitation(orgId);
  const [email, setEmail] = useState('');
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [roleId, setRoleId] = useState<string | null>('org-member');
  const [hours, setHours] = useState<number | string>(72);
  const errors = fieldErrors(create.error);

  // The role is granted where the invitation points; a role binds at its own scope or above.
  const roleData = grantableRoleOptions(roles.data ?? [], workspaceId ? 'workspace' : 'organization');

  function chooseWorkspace(id: string | null) {
    setWorkspaceId(id);
    setRoleId(id ? 'workspace-developer' : 'org-member');
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!roleId) return;
    create.mutate(
      { email: email.trim(), roleId, expiresInHours: typeof hours === 'number' ? hours : 72, ...(workspaceId ? { workspaceId } : {}) },
      { onSuccess: onCreated },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="E-mail"
          type="email"
          placeholder="name@example.com"
          required
          data-autofocus
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={errorFor(errors, 'email')}
          data-testid="invite-email"
        />
        <Select
          label="Workspace"
          description="Optional: invite into one workspace instead of the whole organization"
          placeholder="The whole organization"
          data={(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
          value={workspaceId}
          onChange={chooseWorkspace}
          clearable
          searchable
          error={errorFor(errors, 'workspaceId')}
          data-testid="invite-workspace"
        />
        <Select
          label="Role"
          placeholder={roles.isPending ? 'Loading roles…' : 'Choose a role'}
          data={roleData}
          value={roleId}
          onChange={setRoleId}
          searchable
          allowDeselect={false}
          error={errorFor(errors, 'roleId') ?? (roles.isError ? 'Roles could not be loaded' : undefined)}
          data-testid="invite-role"
        />
        <NumberInput
          label="Link valid for (hours)"
          min={1}
          max={720}
          allowDecimal={false}
          value={hours}
          onChange={setHours}
          error={errorFor(errors, 'expiresInHours')}
          data-testid="invite-expiry"
        />
        {create.error && !onlyFieldErrors(create.error, ['email', 'roleId', 'workspaceId', 'expiresInHours']) && <ProblemAlert error={create.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending} disabled={!email || !roleId} data-testid="invite-submit">
            Create invitation
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Creates an invitation, then shows its accept link once: the server keeps only a hash of the token. */
export function InviteModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  function close() {
    setCreated(null);
    onClose();
  }
  return (
    <Modal opened={opened} onClose={close} title={created ? 'Invitation created' : 'Invite someone'} size="lg" closeOnClickOutside={!created}>
      {created ? (
        <Stack>
          <Text size="sm">
            Send this link to <b>{created.email}</b>. It works once, until {formatDateTime(created.expiresAt)}.
          </Text>
          <SecretReveal secret={created.acceptUrl} testId="invite-accept-url" hint="The link contains a one-time token. Hexaplane cannot show it again; revoke and re-invite if it is lost." />
          <Group justify="flex-end">
            <Button onClick={close} data-testid="invite-done">
              Done
            </Button>
          </Group>
        </Stack>
      ) : (
        opened && <InviteForm orgId={orgId} onCreated={setCreated} onCancel={close} />
      )}
    </Modal>
  );
}
