import { Badge, Button, Code, Group, Paper, Popover, Table, Tabs, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconLink, IconPlus, IconShieldLock } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeleteRole, useRoles } from '../api/access.ts';
import { useOrgId } from '../api/org.ts';
import type { Role } from '../api/types.ts';
import { BindingsPanel } from '../components/access/BindingsPanel.tsx';
import { RoleModal } from '../components/access/RoleModal.tsx';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { notifySuccess } from '../lib/notify.ts';

const scopeColor = { organization: 'grape', workspace: 'blue', project: 'cyan' } as const;

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

function RolesTable({ orgId, onEdit }: { orgId: string; onEdit: (role: Role) => void }) {
  const roles = useRoles(orgId);
  const remove = useDeleteRole(orgId);
  const sorted = [...(roles.data ?? [])].sort((a, b) => Number(a.builtIn) - Number(b.builtIn) || a.name.localeCompare(b.name));
  return (
    <QueryState query={roles}>
      <Paper>
        <Table.ScrollContainer minWidth={800}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Role</Table.Th>
                <Table.Th>Scope</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Actions</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sorted.map((role) => (
                <Table.Tr key={role.id} data-testid="role-row" data-id={role.id} data-name={role.name}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {role.name}
                    </Text>
                    <Text size="xs" c="dimmed" lineClamp={1} maw={420}>
                      {role.description || role.id}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={scopeColor[role.scope]}>
                      {role.scope}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant={role.builtIn ? 'outline' : 'filled'} color={role.builtIn ? 'gray' : 'brand'}>
                      {role.builtIn ? 'built-in' : 'custom'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <ActionsSummary role={role} />
                  </Table.Td>
                  <Table.Td>
                    {!role.builtIn && (
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="subtle" onClick={() => onEdit(role)} data-testid="role-edit">
                          Edit
                        </Button>
                        <ConfirmButton
                          title={`Delete ${role.name}?`}
                          message="A role that is still granted cannot be deleted: revoke its bindings first."
                          confirmLabel="Delete role"
                          onConfirm={async () => {
                            await remove.mutateAsync(role.id);
                            notifySuccess(`${role.name} was deleted.`);
                          }}
                          testId="role-delete"
                        >
                          Delete
                        </ConfirmButton>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </QueryState>
  );
}

export function RolesPage() {
  const orgId = useOrgId();
  const [tab, setTab] = useState<string | null>('roles');
  const [modalOpened, { open, close }] = useDisclosure(false);
  const roles = useRoles(orgId);
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = roles.data?.find((r) => r.id === editingId) ?? null;

  function edit(role: Role | null) {
    setEditingId(role?.id ?? null);
    open();
  }

  return (
    <>
      <PageHeader
        title="Roles & bindings"
        description="A role is a set of actions at a scope. A binding grants a role to a member or group on the organization, a workspace or a project."
        actions={
          tab === 'roles' && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => edit(null)} data-testid="role-create">
              Create custom role
            </Button>
          )
        }
      />
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="roles" leftSection={<IconShieldLock size={16} />} data-testid="tab-roles">
            Roles
          </Tabs.Tab>
          <Tabs.Tab value="bindings" leftSection={<IconLink size={16} />} data-testid="tab-bindings">
            Bindings
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="roles">
          <RolesTable orgId={orgId} onEdit={edit} />
        </Tabs.Panel>
        <Tabs.Panel value="bindings">
          <BindingsPanel orgId={orgId} />
        </Tabs.Panel>
      </Tabs>
      <RoleModal orgId={orgId} opened={modalOpened} role={editing} onClose={close} />
    </>
  );
}
