import { ActionIcon, Button, Drawer, Group, Modal, Paper, Select, Stack, Table, Text, TextInput, Textarea, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconTrash, IconUsersGroup } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useAddGroupMember, useCreateGroup, useDeleteGroup, useGroupMembers, useGroups, useRemoveGroupMember, useUpdateGroup } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import { useOrgId } from '../api/org.ts';
import { errorFor, fieldErrors, onlyFieldErrors } from '../api/problem.ts';
import type { Group as GroupView } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

function GroupForm({ orgId, group, onDone }: { orgId: string; group: GroupView | null; onDone: () => void }) {
  const create = useCreateGroup(orgId);
  const update = useUpdateGroup(orgId);
  const mutation = group ? update : create;
  const [name, setName] = useState(group?.name ?? '');
  const [description, setDescription] = useState(group?.description ?? '');
  const errors = fieldErrors(mutation.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    const body = { name: name.trim(), description };
    const onSuccess = () => {
      notifySuccess(group ? 'Group saved.' : `${body.name} was created.`);
      onDone();
    };
    if (group) update.mutate({ id: group.id, version: group.version, changes: body }, { onSuccess });
    else create.mutate(body, { onSuccess });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="group-name" />
        <Textarea
          label="Description"
          autosize
          minRows={2}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errorFor(errors, 'description')}
          data-testid="group-description"
        />
        {mutation.error && !onlyFieldErrors(mutation.error, ['name', 'description']) && <ProblemAlert error={mutation.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending} data-testid="group-submit">
            {group ? 'Save' : 'Create group'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function GroupMembersDrawer({ orgId, group, onClose }: { orgId: string; group: GroupView | null; onClose: () => void }) {
  const names = useNames(orgId);
  const members = useGroupMembers(orgId, group?.id ?? null);
  const add = useAddGroupMember(orgId);
  const remove = useRemoveGroupMember(orgId);
  const [userId, setUserId] = useState<string | null>(null);
  const inGroup = new Set((members.data ?? []).map((m) => m.userId));
  const candidates = names.members.filter((m) => !inGroup.has(m.userId)).map((m) => ({ value: m.userId, label: `${m.displayName} <${m.email}>` }));

  function addMember() {
    if (!group || !userId) return;
    add.mutate({ groupId: group.id, userId }, { onSuccess: () => setUserId(null) });
  }

  return (
    <Drawer opened={group !== null} onClose={onClose} title={group ? `Members of ${group.name}` : ''} position="right" size="md">
      <Stack>
        <Group align="flex-end" wrap="nowrap">
          <Select
            label="Add a member"
            placeholder="Choose a member"
            data={candidates}
            value={userId}
            onChange={setUserId}
            searchable
            nothingFoundMessage="Everyone is in this group"
            style={{ flex: 1 }}
            data-testid="group-member-select"
          />
          <Button onClick={addMember} disabled={!userId} loading={add.isPending} data-testid="group-member-add">
            Add
          </Button>
        </Group>
        <ProblemAlert error={add.error ?? remove.error} />
        <QueryState query={members}>
          {(members.data ?? []).length === 0 ? (
            <Text size="sm" c="dimmed">
              Nobody in this group yet.
            </Text>
          ) : (
            <Table>
              <Table.Tbody>
                {(members.data ?? []).map((m) => (
                  <Table.Tr key={m.userId} data-testid="group-member-row">
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {m.displayName || names.userName(m.userId)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {m.email}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Tooltip label="Remove from group">
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          loading={remove.isPending && remove.variables?.userId === m.userId}
                          onClick={() => group && remove.mutate({ groupId: group.id, userId: m.userId })}
                          aria-label="Remove from group"
                          data-testid="group-member-remove"
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryState>
      </Stack>
    </Drawer>
  );
}

export function GroupsPage() {
  const orgId = useOrgId();
  const groups = useGroups(orgId);
  const remove = useDeleteGroup(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [membersId, setMembersId] = useState<string | null>(null);
  const find = (id: string | null) => groups.data?.find((g) => g.id === id) ?? null;
  const editing = find(editingId);

  return (
    <>
      <PageHeader
        title="Groups"
        description="Grant roles to groups instead of to each person. Groups may also come from your identity provider through SCIM."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="group-create">
            Create group
          </Button>
        }
      />
      <QueryState query={groups}>
        {(groups.data ?? []).length === 0 ? (
          <EmptyState icon={<IconUsersGroup size={24} />} title="No groups yet">
            Create a group, add members, then grant it roles.
          </EmptyState>
        ) : (
          <Paper>
            <Table.ScrollContainer minWidth={700}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Description</Table.Th>
                    <Table.Th>Members</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(groups.data ?? []).map((group) => (
                    <Table.Tr key={group.id} data-testid="group-row" data-id={group.id}>
                      <Table.Td fw={600}>{group.name}</Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed" lineClamp={2}>
                          {group.description || '—'}
                        </Text>
                      </Table.Td>
                      <Table.Td>{group.memberCount}</Table.Td>
                      <Table.Td>
                        <Time iso={group.createdAt} />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4} justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="subtle" onClick={() => setMembersId(group.id)} data-testid="group-members">
                            Members
                          </Button>
                          <Button size="xs" variant="subtle" onClick={() => setEditingId(group.id)} data-testid="group-edit">
                            Edit
                          </Button>
                          <ConfirmButton
                            title={`Delete ${group.name}?`}
                            message="Its role bindings are removed too; members keep their own bindings."
                            confirmLabel="Delete group"
                            onConfirm={async () => {
                              await remove.mutateAsync(group.id);
                              notifySuccess(`${group.name} was deleted.`);
                            }}
                            testId="group-delete"
                          >
                            Delete
                          </ConfirmButton>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
      </QueryState>
      <Modal opened={creating} onClose={close} title="Create a group">
        {creating && <GroupForm orgId={orgId} group={null} onDone={close} />}
      </Modal>
      <Modal opened={editing !== null} onClose={() => setEditingId(null)} title="Edit group">
        {editing && <GroupForm key={editing.version} orgId={orgId} group={editing} onDone={() => setEditingId(null)} />}
      </Modal>
      <GroupMembersDrawer orgId={orgId} group={find(membersId)} onClose={() => setMembersId(null)} />
    </>
  );
}
