import { Badge, Group, Select, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconShieldLock, IconUser, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeleteBinding, useRoleBindings, useRoles } from '../../api/access.ts';
import { useNames, type Names } from '../../api/names.ts';
import type { RoleBinding, Scope } from '../../api/types.ts';
import { scopeColor } from '../../lib/scopes.ts';
import { CreateButton } from '../CreateButton.tsx';
import { EmptyState } from '../EmptyState.tsx';
import type { Column } from '../table/DataTable.tsx';
import { ResourceTable } from '../table/ResourceTable.tsx';
import { confirmColumn } from '../table/RowActions.tsx';
import { Time } from '../Time.tsx';
import { GrantBindingModal, roleOptions } from './GrantBindingModal.tsx';

function bindingColumns(names: Names, revoke: (binding: RoleBinding) => Promise<unknown>): Column<RoleBinding>[] {
  return [
    {
      header: 'Role',
      cell: (binding) => (
        <Text size="sm" fw={600}>
          {binding.roleName}
        </Text>
      ),
    },
    {
      header: 'Subject',
      cell: (binding) => (
        <Group gap={6} wrap="nowrap">
          {binding.subject.type === 'user' ? <IconUser size={14} /> : <IconUsersGroup size={14} />}
          <Text size="sm">{names.subjectName(binding.subject)}</Text>
        </Group>
      ),
    },
    {
      header: 'Scope',
      cell: (binding) => (
        <Group gap={6} wrap="nowrap">
          <Badge variant="light" color={scopeColor[binding.scope.type]}>
            {binding.scope.type}
          </Badge>
          <Text size="sm">{names.scopeName(binding.scope)}</Text>
        </Group>
      ),
    },
    {
      header: 'Granted',
      cell: (binding) => (
        <>
          <Time iso={binding.createdAt} />
          <Text size="xs" c="dimmed">
            by {names.userName(binding.createdBy)}
          </Text>
        </>
      ),
    },
    confirmColumn((binding) => ({
      label: 'Revoke',
      title: 'Revoke this role binding?',
      message: `${names.subjectName(binding.subject)} loses the ${binding.roleName} role on ${names.scopeName(binding.scope)}.`,
      confirmLabel: 'Revoke',
      onConfirm: () => revoke(binding),
      notice: `${binding.roleName} revoked.`,
      testId: 'binding-revoke',
    })),
  ];
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
        <CreateButton onClick={open} testId="binding-create">
          Grant role
        </CreateButton>
      </Group>
      <ResourceTable
        query={bindings}
        rows={bindings.items}
        columns={bindingColumns(names, (binding) => revoke.mutateAsync(binding.id))}
        rowKey={(binding) => binding.id}
        rowProps={(binding) => ({ 'data-testid': 'binding-row', 'data-id': binding.id, 'data-role': binding.roleId })}
        minWidth={800}
        empty={
          <EmptyState icon={<IconShieldLock size={24} />} title={filtered ? 'No binding matches' : 'No role bindings here'}>
            {filtered ? 'Clear a filter to see more.' : 'Grant a role to a member or a group.'}
          </EmptyState>
        }
      />
      <GrantBindingModal orgId={orgId} names={names} opened={granting} onClose={close} {...(fixedScope ? { fixedScope } : {})} />
    </>
  );
}
