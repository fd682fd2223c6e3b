import { Badge, Button, Group, Paper, Select, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconShieldLock, IconUser, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeleteBinding, useRoleBindings, useRoles } from '../../api/access.ts';
import { useNames } from '../../api/names.ts';
import type { RoleBinding, Scope } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ConfirmButton } from '../ConfirmButton.tsx';
import { EmptyState } from '../EmptyState.tsx';
import { LoadMore } from '../LoadMore.tsx';
import { QueryState } from '../ProblemAlert.tsx';
import { Time } from '../Time.tsx';
import { GrantBindingModal, roleOptions } from './GrantBindingModal.tsx';

const scopeColor = { organization: 'grape', workspace: 'blue', project: 'cyan' } as const;

function BindingRow({ binding, names, onRevoke }: { binding: RoleBinding; names: ReturnType<typeof useNames>; onRevoke: () => Promise<unknown> }) {
  const subject = names.subjectName(binding.subject);
  return (
    <Table.Tr data-testid="binding-row" data-id={binding.id} data-role={binding.roleId}>
      <Table.Td>
        <Text size="sm" fw={600}>
          {binding.roleName}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          {binding.subject.type === 'user' ? <IconUser size={14} /> : <IconUsersGroup size={14} />}
          <Text size="sm">{subject}</Text>
        </Group>
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Badge variant="light" color={scopeColor[binding.scope.type]}>
            {binding.scope.type}
          </Badge>
          <Text size="sm">{names.scopeName(binding.scope)}</Text>
        </Group>
      </Table.Td>
      <Table.Td>
        <Time iso={binding.createdAt} />
        <Text size="xs" c="dimmed">
          by {names.userName(binding.createdBy)}
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        <ConfirmButton
          title="Revoke this role binding?"
          message={`${subject} loses the ${binding.roleName} role on ${names.scopeName(binding.scope)}.`}
          confirmLabel="Revoke"
          onConfirm={onRevoke}
          testId="binding-revoke"
        >
          Revoke
        </ConfirmButton>
      </Table.Td>
    </Table.Tr>
  );
}

/** Role bindings with filters and a grant button; on a workspace page, fixed to that workspace. */
export function BindingsPanel({ orgId, fixedScope }: { orgId: string; fixedScope?: Scope }) {
  const names = useNames(orgId);
  const roles = useRoles(orgId);
  const [roleId, setRoleId] = useState<string | null>(null);
  const [subjectId, setSubjectId] = useState<string | null>(null);
  const [scopeId, setScopeId] = useState<string | null>(null);
  const filters = {
    ...(roleId ? { roleId } : {}),
    ...(subjectId ? { subjectId } : {}),
    ...(fixedScope ? { scopeId: fixedScope.id } : scopeId ? { scopeId } : {}),
  };
  const bindings = useRoleBindings(orgId, filters);
  const revoke = useDeleteBinding(orgId);
  const [granting, { open, close }] = useDisclosure(false);

  const subjectData = [
    { group: 'Members', items: names.members.map((m) => ({ value: m.userId, label: m.displayName || m.email })) },
    { group: 'Groups', items: names.groups.map((g) => ({ value: g.id, label: g.name })) },
  ].filter((g) => g.items.length > 0);
  const scopeData = [
    { group: 'Organization', items: [{ value: orgId, label: 'This organization' }] },
    { group: 'Workspaces', items: names.workspaces.map((w) => ({ value: w.id, label: w.name })) },
    { group: 'Projects', items: names.projects.map((p) => ({ value: p.id, label: `${names.workspaceName(p.workspaceId)} / ${p.name}` })) },
  ].filter((g) => g.items.length > 0);
  const filtered = Object.keys(filters).length > (fixedScope ? 1 : 0);

  return (
    <>
      <Group justify="space-between" mb="md" align="flex-end">
        <Group gap="sm">
          <Select placeholder="Any role" data={roleOptions(roles.data ?? [])} value={roleId} onChange={setRoleId} clearable searchable w={220} aria-label="Role filter" data-testid="binding-filter-role" />
          <Select placeholder="Any subject" data={subjectData} value={subjectId} onChange={setSubjectId} clearable searchable w={220} aria-label="Subject filter" data-testid="binding-filter-subject" />
          {!fixedScope && (
            <Select placeholder="Any scope" data={scopeData} value={scopeId} onChange={setScopeId} clearable searchable w={220} aria-label="Scope filter" data-testid="binding-filter-scope" />
          )}
        </Group>
        <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="binding-create">
          Grant role
        </Button>
      </Group>
      <QueryState query={bindings}>
        {bindings.items.length === 0 ? (
          <EmptyState icon={<IconShieldLock size={24} />} title={filtered ? 'No binding matches' : 'No role bindings here'}>
            {filtered ? 'Clear a filter to see more.' : 'Grant a role to a member or a group.'}
          </EmptyState>
        ) : (
          <Paper>
            <Table.ScrollContainer minWidth={800}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Role</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Scope</Table.Th>
                    <Table.Th>Granted</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {bindings.items.map((binding) => (
                    <BindingRow
                      key={binding.id}
                      binding={binding}
                      names={names}
                      onRevoke={async () => {
                        await revoke.mutateAsync(binding.id);
                        notifySuccess(`${binding.roleName} revoked.`);
                      }}
                    />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <LoadMore query={bindings} />
      </QueryState>
      <GrantBindingModal orgId={orgId} names={names} opened={granting} onClose={close} {...(fixedScope ? { fixedScope } : {})} />
    </>
  );
}
