import { ActionIcon, Button, Drawer, Group, Select, Stack, Text, Tooltip } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useAddGroupMember, useGroupMembers, useRemoveGroupMember } from '../api/identity.ts';
import { useNames } from '../api/names.ts';
import type { GroupMember, Group as GroupView } from '../api/types.ts';
import { ProblemAlert, QueryState } from './ProblemAlert.tsx';
import { DataTable, type Column } from './table/DataTable.tsx';

export function GroupMembersDrawer({ orgId, group, onClose }: { orgId: string; group: GroupView | null; onClose: () => void }) {
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

  const columns: Column<GroupMember>[] = [
    {
      cell: (m) => (
        <>
          <Text size="sm" fw={500}>
            {m.displayName || names.userName(m.userId)}
          </Text>
          <Text size="xs" c="dimmed">
            {m.email}
          </Text>
        </>
      ),
    },
    {
      td: { ta: 'right' },
      cell: (m) => (
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
      ),
    },
  ];

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
            <DataTable columns={columns} rows={members.data ?? []} rowKey={(m) => m.userId} rowProps={() => ({ 'data-testid': 'group-member-row' })} />
          )}
        </QueryState>
      </Stack>
    </Drawer>
  );
}
