import { Badge, Button, Group, Paper, Table, Tabs, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconMail, IconUserPlus, IconUsers } from '@tabler/icons-react';
import { useRoles } from '../api/access.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { useMe } from '../api/session.ts';
import { useInvitations, useMembers, useRemoveMember, useRevokeInvitation } from '../api/tenancy.ts';
import type { Invitation, InvitationStatus } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { InviteModal } from '../components/InviteModal.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

function MembersTable({ orgId }: { orgId: string }) {
  const members = useMembers(orgId);
  const remove = useRemoveMember(orgId);
  const me = useMe();
  return (
    <QueryState query={members}>
      <Paper>
        <Table.ScrollContainer minWidth={700}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Joined</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.items.map((member) => (
                <Table.Tr key={member.userId} data-testid="member-row" data-id={member.userId} data-email={member.email}>
                  <Table.Td>
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
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{member.email}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Time iso={member.joinedAt} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <ConfirmButton
                      title={`Remove ${member.displayName}?`}
                      message="They lose their role bindings, sessions and API keys in this organization. Their audit history stays."
                      confirmLabel="Remove member"
                      onConfirm={async () => {
                        await remove.mutateAsync(member.userId);
                        notifySuccess(`${member.displayName} was removed.`);
                      }}
                      testId="member-remove"
                    >
                      Remove
                    </ConfirmButton>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <LoadMore query={members} />
    </QueryState>
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
  return (
    <QueryState query={invitations}>
      {invitations.items.length === 0 ? (
        <EmptyState icon={<IconMail size={24} />} title="No invitations">
          Invite people by e-mail; they choose a password when they accept.
        </EmptyState>
      ) : (
        <Paper>
          <Table.ScrollContainer minWidth={800}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>E-mail</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Where</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Expires / accepted</Table.Th>
                  <Table.Th>Invited by</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {invitations.items.map((invitation) => (
                  <Table.Tr key={invitation.id} data-testid="invitation-row" data-id={invitation.id} data-email={invitation.email}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {invitation.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>{roleName(invitation.roleId)}</Table.Td>
                    <Table.Td>{invitation.workspaceId ? names.workspaceName(invitation.workspaceId) : 'Organization'}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={statusColor[invitation.status]}>
                        {invitation.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <InvitationWhen invitation={invitation} />
                    </Table.Td>
                    <Table.Td>{names.userName(invitation.invitedBy)}</Table.Td>
                    <Table.Td ta="right">
                      {invitation.status === 'pending' && (
                        <ConfirmButton
                          title={`Revoke the invitation for ${invitation.email}?`}
                          message="The link stops working at once."
                          confirmLabel="Revoke invitation"
                          onConfirm={async () => {
                            await revoke.mutateAsync(invitation.id);
                            notifySuccess('Invitation revoked.');
                          }}
                          testId="invitation-revoke"
                        >
                          Revoke
                        </ConfirmButton>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      <LoadMore query={invitations} />
    </QueryState>
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
          <Button leftSection={<IconUserPlus size={16} />} onClick={open} data-testid="invite-open">
            Invite member
          </Button>
        }
      />
      <Tabs defaultValue="members" keepMounted={false}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="members" leftSection={<IconUsers size={16} />} data-testid="tab-members">
            Members
          </Tabs.Tab>
          <Tabs.Tab value="invitations" leftSection={<IconMail size={16} />} data-testid="tab-invitations">
            Invitations
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="members">
          <MembersTable orgId={orgId} />
        </Tabs.Panel>
        <Tabs.Panel value="invitations">
          <InvitationsTable orgId={orgId} />
        </Tabs.Panel>
      </Tabs>
      <InviteModal orgId={orgId} opened={inviting} onClose={close} />
    </>
  );
}
