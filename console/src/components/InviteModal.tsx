import { NumberInput, Select, Text, TextInput } from '@mantine/core';
import { grantableRoleOptions, useRoles } from '../api/access.ts';
import { useCreateInvitation } from '../api/tenancy.ts';
import type { CreatedInvitation } from '../api/types.ts';
import { formatDateTime } from '../lib/format.ts';
import { ProblemForm } from './form/ProblemForm.tsx';
import { useProblemForm } from './form/useProblemForm.ts';
import { RevealModal, RevealPanel } from './RevealModal.tsx';
import { SecretReveal } from './SecretReveal.tsx';
import { WorkspaceSelect } from './WorkspaceSelect.tsx';

const blankInvitation = { email: '', workspaceId: null as string | null, roleId: 'org-member' as string | null, expiresInHours: 72 as number | string };

function InviteForm({ orgId, onCreated, onCancel }: { orgId: string; onCreated: (i: CreatedInvitation) => void; onCancel: () => void }) {
  const roles = useRoles(orgId);
  const create = useCreateInvitation(orgId);
  const form = useProblemForm(create, blankInvitation);
  const { email, workspaceId, roleId, expiresInHours } = form.values;

  // The role is granted where the invitation points; a role binds at its own scope or above.
  const roleData = grantableRoleOptions(roles.data ?? [], workspaceId ? 'workspace' : 'organization');

  function chooseWorkspace(id: string | null) {
    form.set('workspaceId', id);
    form.set('roleId', id ? 'workspace-developer' : 'org-member');
  }

  function submit() {
    if (!roleId) return;
    create.mutate(
      { email: email.trim(), roleId, expiresInHours: typeof expiresInHours === 'number' ? expiresInHours : 72, ...(workspaceId ? { workspaceId } : {}) },
      { onSuccess: onCreated },
    );
  }

  return (
    <ProblemForm
      submission={create}
      fields={['email', 'roleId', 'workspaceId', 'expiresInHours']}
      onSubmit={submit}
      onCancel={onCancel}
      canSubmit={Boolean(email && roleId)}
      submitLabel="Create invitation"
      submitTestId="invite-submit"
    >
      <TextInput label="E-mail" type="email" placeholder="name@example.com" required data-autofocus {...form.text('email')} data-testid="invite-email" />
      <WorkspaceSelect
        orgId={orgId}
        description="Optional: invite into one workspace instead of the whole organization"
        value={workspaceId}
        onChange={chooseWorkspace}
        error={form.error('workspaceId')}
        testId="invite-workspace"
      />
      <Select
        label="Role"
        placeholder={roles.isPending ? 'Loading roles…' : 'Choose a role'}
        data={roleData}
        value={roleId}
        onChange={(id) => form.set('roleId', id)}
        searchable
        allowDeselect={false}
        error={form.error('roleId') ?? (roles.isError ? 'Roles could not be loaded' : undefined)}
        data-testid="invite-role"
      />
      <NumberInput label="Link valid for (hours)" min={1} max={720} allowDecimal={false} {...form.field('expiresInHours')} data-testid="invite-expiry" />
    </ProblemForm>
  );
}

function InvitationLink({ created, onDone }: { created: CreatedInvitation; onDone: () => void }) {
  return (
    <RevealPanel doneLabel="Done" doneTestId="invite-done" onDone={onDone}>
      <Text size="sm">
        Send this link to <b>{created.email}</b>. It works once, until {formatDateTime(created.expiresAt)}.
      </Text>
      <SecretReveal secret={created.acceptUrl} testId="invite-accept-url" hint="The link contains a one-time token. Hexaplane cannot show it again; revoke and re-invite if it is lost." />
    </RevealPanel>
  );
}

/** Creates an invitation, then shows its accept link once: the server keeps only a hash of the token. */
export function InviteModal({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  return (
    <RevealModal<CreatedInvitation>
      opened={opened}
      onClose={onClose}
      title="Invite someone"
      revealTitle="Invitation created"
      form={(onCreated, close) => <InviteForm orgId={orgId} onCreated={onCreated} onCancel={close} />}
      reveal={(created, close) => <InvitationLink created={created} onDone={close} />}
    />
  );
}
