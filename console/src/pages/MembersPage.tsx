import { Badge, Group, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconMail, IconUserPlus, IconUsers } from '@tabler/icons-react';
import { useRoles } from '../api/access.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { useMe } from '../api/session.ts';
import { useInvitations, useMembers, useRemoveMember, useRevokeInvitation } from '../api/tenancy.ts';
import type { Invitation, InvitationStatus, Member } from '../api/types.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { InviteModal } from '../components/InviteModal.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { PageTabs } from '../components/PageTabs.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { confirmColumn } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';

function MembersTable({ orgId }: { orgId: string }) {
  const members = useMembers(orgId);
  const remove = useRemoveMember(orgId);
  const me = useMe();
  const columns: Column<Member>[] = [
    {
      header: 'Name',
      cell: (member) => (
        <Group gap="xs">
          <Text size="sm" fw={600}>
            {member.displayName}
          </Text>
          {member.userId === me.data?.user.id && (
            <Badge size="xs" variant="light">
              you
            </Badge>
          )}
        </Group>
      ),
    },
    { header: 'E-mail', cell: (member) => <Text size="sm">{member.email}</Text> },
    { header: 'Joined', cell: (member) => <Time iso={member.joinedAt} /> },
    confirmColumn((member) => ({
      label: 'Remove',
      title: `Remove ${member.displayName}?`,
      message: 'They lose their role bindings, sessions and API keys in this organization. Their audit history stays.',
      confirmLabel: 'Remove member',
      onConfirm: () => remove.mutateAsync(member.userId),
      notice: `${member.displayName} was removed.`,
      testId: 'member-remove',
    })),
  ];
  return (
    <ResourceTable
      query={members}
      rows={members.items}
      columns={columns}
      rowKey={(member) => member.userId}
      rowProps={(member) => ({ 'data-testid': 'member-row', 'data-id': member.userId, 'data-email': member.email })}
      minWidth={700}
    />
  );
}

/** A pending invitation's deadline, or when it was accepted; nothing for revoked or expired ones. */
function InvitationWhen({ invitation }: { invitation: Invitation }) {
  if (invitation.status === 'pending') return <Time iso={invitation.expiresAt} />;
  if (invitation.status === 'accepted') return <Time iso={invitation.acceptedAt} />;
  return (
    <Text size="sm" c="dimmed">
      —
    </Text>
  );
}

const statusColor: Record<InvitationStatus, string> = { pending: 'blue', accepted: 'teal', revoked: 'gray', expired: 'orange' };

function InvitationsTable({ orgId }: { orgId: string }) {
  const invitations = useInvitations(orgId);
  const revoke = useRevokeInvitation(orgId);
  const roles = useRoles(orgId);
  const names = useNames(orgId);
  const roleName = (id: string) => roles.data?.find((r) => r.id === id)?.name ?? id;
  const columns: Column<Invitation>[] = [
    {
      header: 'E-mail',
      cell: (invitation) => (
        <Text size="sm" fw={500}>
          {invitation.email}
        </Text>
      ),
    },
    { header: 'Role', cell: (invitation) => roleName(invitation.roleId) },
    { header: 'Where', cell: (invitation) => (invitation.workspaceId ? names.workspaceName(invitation.workspaceId) : 'Organization') },
    {
      header: 'Status',
      cell: (invitation) => (
        <Badge variant="light" color={statusColor[invitation.status]}>
          {invitation.status}
        </Badge>
      ),
    },
    { header: 'Expires / accepted', cell: (invitation) => <InvitationWhen invitation={invitation} /> },
    { header: 'Invited by', cell: (invitation) => names.userName(invitation.invitedBy) },
    confirmColumn(
      (invitation) =>
        invitation.status === 'pending' && {
          label: 'Revoke',
          title: `Revoke the invitation for ${invitation.email}?`,
          message: 'The link stops working at once.',
          confirmLabel: 'Revoke invitation',
          onConfirm: () => revoke.mutateAsync(invitation.id),
          notice: 'Invitation revoked.',
          testId: 'invitation-revoke',
        },
    ),
  ];
  return (
    <ResourceTable
      query={invitations}
      rows={invitations.items}
      columns={columns}
      rowKey={(invitation) => invitation.id}
      rowProps={(invitation) => ({ 'data-testid': 'invitation-row', 'data-id': invitation.id, 'data-email': invitation.email })}
      minWidth={800}
      empty={
        <EmptyState icon={<IconMail size={24} />} title="No invitations">
          Invite people by e-mail; they choose a password when they accept.
        </EmptyState>
      }
    />
  );
}

export function MembersPage() {
  const orgId = useOrgId();
  const [inviting, { open, close }] = useDisclosure(false);
  return (
    <>
      <PageHeader
        title="Members & invitations"
        description="People in this organization. What they may do comes from their role bindings."
        actions={
          <CreateButton icon={IconUserPlus} onClick={open} testId="invite-open">
            Invite member
          </CreateButton>
        }
      />
      <PageTabs
        defaultValue="members"
        keepMounted={false}
        tabs={[
          { value: 'members', label: 'Members', icon: IconUsers, panel: <MembersTable orgId={orgId} /> },
          { value: 'invitations', label: 'Invitations', icon: IconMail, panel: <InvitationsTable orgId={orgId} /> },
        ]}
      />
      <InviteModal orgId={orgId} opened={inviting} onClose={close} />
    </>
  );
}
