import { Modal, Text, TextInput, Textarea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { useCreateGroup, useDeleteGroup, useGroups, useUpdateGroup } from '../api/identity.ts';
import { useOrgId } from '../api/org.ts';
import type { Group as GroupView } from '../api/types.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { EditModal } from '../components/form/EditModal.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { GroupMembersDrawer } from '../components/GroupMembersDrawer.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

function GroupForm({ orgId, group, onDone }: { orgId: string; group: GroupView | null; onDone: () => void }) {
  const create = useCreateGroup(orgId);
  const update = useUpdateGroup(orgId);
  const mutation = group ? update : create;
  const form = useProblemForm(mutation, { name: group?.name ?? '', description: group?.description ?? '' });

  function submit() {
    const body = { name: form.values.name.trim(), description: form.values.description };
    const onSuccess = () => {
      notifySuccess(group ? 'Group saved.' : `${body.name} was created.`);
      onDone();
    };
    if (group) update.mutate({ id: group.id, version: group.version, changes: body }, { onSuccess });
    else create.mutate(body, { onSuccess });
  }

  return (
    <ProblemForm submission={mutation} fields={['name', 'description']} onSubmit={submit} onCancel={onDone} submitLabel={group ? 'Save' : 'Create group'} submitTestId="group-submit">
      <TextInput label="Name" required data-autofocus {...form.text('name')} data-testid="group-name" />
      <Textarea label="Description" autosize minRows={2} {...form.text('description')} data-testid="group-description" />
    </ProblemForm>
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

  const columns: Column<GroupView>[] = [
    { header: 'Name', cell: (group) => group.name, td: { fw: 600 } },
    {
      header: 'Description',
      cell: (group) => (
        <Text size="sm" c="dimmed" lineClamp={2}>
          {group.description || '—'}
        </Text>
      ),
    },
    { header: 'Members', cell: (group) => group.memberCount },
    { header: 'Created', cell: (group) => <Time iso={group.createdAt} /> },
    actionsColumn((group) => ({
      actions: [
        { label: 'Members', onClick: () => setMembersId(group.id), testId: 'group-members' },
        { label: 'Edit', onClick: () => setEditingId(group.id), testId: 'group-edit' },
      ],
      confirm: deleteConfirm({
        name: group.name,
        noun: 'group',
        message: 'Its role bindings are removed too; members keep their own bindings.',
        onConfirm: () => remove.mutateAsync(group.id),
        testId: 'group-delete',
      }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="Groups"
        description="Grant roles to groups instead of to each person. Groups may also come from your identity provider through SCIM."
        actions={
          <CreateButton onClick={open} testId="group-create">
            Create group
          </CreateButton>
        }
      />
      <ResourceTable
        query={groups}
        rows={groups.data ?? []}
        columns={columns}
        rowKey={(group) => group.id}
        rowProps={(group) => ({ 'data-testid': 'group-row', 'data-id': group.id })}
        minWidth={700}
        empty={
          <EmptyState icon={<IconUsersGroup size={24} />} title="No groups yet">
            Create a group, add members, then grant it roles.
          </EmptyState>
        }
      />
      <Modal opened={creating} onClose={close} title="Create a group">
        {creating && <GroupForm orgId={orgId} group={null} onDone={close} />}
      </Modal>
      <EditModal item={find(editingId)} onClose={() => setEditingId(null)} title="Edit group">
        {(group) => <GroupForm orgId={orgId} group={group} onDone={() => setEditingId(null)} />}
      </EditModal>
      <GroupMembersDrawer orgId={orgId} group={find(membersId)} onClose={() => setMembersId(null)} />
    </>
  );
}
