import { Badge, Button, Code, Group, Popover, Text } from '@mantine/core';
import { IconLink, IconShieldLock } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeleteRole, useRoles } from '../api/access.ts';
import { useOrgId } from '../api/org.ts';
import type { Role } from '../api/types.ts';
import { BindingsPanel } from '../components/access/BindingsPanel.tsx';
import { RoleModal } from '../components/access/RoleModal.tsx';
import { CreateButton } from '../components/CreateButton.tsx';
import { useEditor } from '../components/form/useEditor.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { PageTabs } from '../components/PageTabs.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { scopeColor } from '../lib/scopes.ts';

/** The patterns as written, and the catalog actions they grant today. */
function ActionsSummary({ role }: { role: Role }) {
  const effective = role.effectiveActions ?? role.actions;
  const patterns = role.actions.some((a) => a.includes('*') || a.startsWith('!'));
  return (
    <Popover width={380} position="bottom-start" withArrow shadow="md">
      <Popover.Target>
        <Button size="compact-xs" variant="light" color="gray" data-testid="role-actions-summary">
          {effective.length} action{effective.length === 1 ? '' : 's'}
        </Button>
      </Popover.Target>
      <Popover.Dropdown mah={340} style={{ overflow: 'auto' }}>
        {patterns && (
          <>
            <Text size="xs" c="dimmed" mb={4}>
              Written as
            </Text>
            <Group gap={4} mb="sm">
              {role.actions.map((a) => (
                <Code key={a}>{a}</Code>
              ))}
            </Group>
            <Text size="xs" c="dimmed" mb={4}>
              Grants
            </Text>
          </>
        )}
        <Group gap={4}>
          {effective.map((a) => (
            <Code key={a}>{a}</Code>
          ))}
        </Group>
      </Popover.Dropdown>
    </Popover>
  );
}

function RoleName({ role }: { role: Role }) {
  return (
    <>
      <Text size="sm" fw={600}>
        {role.name}
      </Text>
      <Text size="xs" c="dimmed" lineClamp={1} maw={420}>
        {role.description || role.id}
      </Text>
    </>
  );
}

function byKindAndName(a: Role, b: Role): number {
  return Number(a.builtIn) - Number(b.builtIn) || a.name.localeCompare(b.name);
}

function RolesTable({ orgId, onEdit }: { orgId: string; onEdit: (role: Role) => void }) {
  const roles = useRoles(orgId);
  const remove = useDeleteRole(orgId);
  const columns: Column<Role>[] = [
    { header: 'Role', cell: (role) => <RoleName role={role} /> },
    {
      header: 'Scope',
      cell: (role) => (
        <Badge variant="light" color={scopeColor[role.scope]}>
          {role.scope}
        </Badge>
      ),
    },
    {
      header: 'Kind',
      cell: (role) => (
        <Badge variant={role.builtIn ? 'outline' : 'filled'} color={role.builtIn ? 'gray' : 'brand'}>
          {role.builtIn ? 'built-in' : 'custom'}
        </Badge>
      ),
    },
    { header: 'Actions', cell: (role) => <ActionsSummary role={role} /> },
    actionsColumn(
      (role) =>
        !role.builtIn && {
          actions: [{ label: 'Edit', onClick: () => onEdit(role), testId: 'role-edit' }],
          confirm: deleteConfirm({
            name: role.name,
            noun: 'role',
            message: 'A role that is still granted cannot be deleted: revoke its bindings first.',
            onConfirm: () => remove.mutateAsync(role.id),
            testId: 'role-delete',
          }),
        },
    ),
  ];
  return (
    <ResourceTable
      query={roles}
      rows={[...(roles.data ?? [])].sort(byKindAndName)}
      columns={columns}
      rowKey={(role) => role.id}
      rowProps={(role) => ({ 'data-testid': 'role-row', 'data-id': role.id, 'data-name': role.name })}
      minWidth={800}
    />
  );
}

export function RolesPage() {
  const orgId = useOrgId();
  const [tab, setTab] = useState<string | null>('roles');
  const editor = useEditor(useRoles(orgId).data);

  return (
    <>
      <PageHeader
        title="Roles & bindings"
        description="A role is a set of actions at a scope. A binding grants a role to a member or group on the organization, a workspace or a project."
        actions={
          tab === 'roles' && (
            <CreateButton onClick={() => editor.edit(null)} testId="role-create">
              Create custom role
            </CreateButton>
          )
        }
      />
      <PageTabs
        value={tab}
        onChange={setTab}
        keepMounted={false}
        tabs={[
          { value: 'roles', label: 'Roles', icon: IconShieldLock, panel: <RolesTable orgId={orgId} onEdit={editor.edit} /> },
          { value: 'bindings', label: 'Bindings', icon: IconLink, panel: <BindingsPanel orgId={orgId} /> },
        ]}
      />
      <RoleModal orgId={orgId} opened={editor.opened} role={editor.editing} onClose={editor.close} />
    </>
  );
}
