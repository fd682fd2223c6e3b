import { ActionIcon, Badge, Button, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useRoles } from '../api/access.ts';
import { usePreviewSsoMappings, usePutSsoMappings, type SsoConnection, type SsoMapping } from '../api/sso.ts';
import { useWorkspaceOptions } from '../api/tenancy.ts';
import { notifySuccess } from '../lib/notify.ts';
import { ProblemAlert } from './ProblemAlert.tsx';

const claims = [
  { value: 'groups', label: 'IdP group' },
  { value: 'department', label: 'Department' },
  { value: 'costCenter', label: 'Cost center' },
];

const blank = (orgId: string): SsoMapping => ({ claim: 'groups', value: '', roleId: '', scope: { type: 'organization', id: orgId } });

/** Comma- or newline-separated groups, as people paste them. */
const groupsOf = (text: string) => text.split(/[\n,]+/).map((g) => g.trim()).filter(Boolean);

/**
 * The mappings of one connection: which IdP group, department or cost center gets which role
 * where. Preview asks the server who would get what for sample claims before anything is saved;
 * Save replaces the whole list (If-Match on the connection's version).
 */
export function SsoMappingsEditor({ orgId, connection }: { orgId: string; connection: SsoConnection }) {
  const [rows, setRows] = useState<SsoMapping[]>(connection.mappings);
  const [sampleGroups, setSampleGroups] = useState('');
  const roles = useRoles(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const save = usePutSsoMappings(orgId);
  const preview = usePreviewSsoMappings(orgId);
  const workspaceName = new Map((workspaces.data ?? []).map((w) => [w.id, w.name]));
  const roleName = new Map((roles.data ?? []).map((r) => [r.id, r.name]));

  const update = (i: number, change: Partial<SsoMapping>) => setRows((all) => all.map((row, k) => (k === i ? { ...row, ...change } : row)));
  // A role binds at its own scope or above it (ADR 0002): a workspace takes workspace and project roles.
  const bindableAt: Record<string, string[]> = { organization: ['organization', 'workspace', 'project'], workspace: ['workspace', 'project'], project: ['project'] };
  const rolesFor = (scopeType: string) => (roles.data ?? []).filter((r) => bindableAt[scopeType]?.includes(r.scope)).map((r) => ({ value: r.id, label: r.name }));
  const where = (scope: SsoMapping['scope']) => (scope.type === 'organization' ? 'the organization' : scope.type === 'workspace' ? (workspaceName.get(scope.id) ?? scope.id) : `project ${scope.id}`);

  function runPreview() {
    preview.mutate({ connectionId: connection.id, body: { mappings: rows, claims: [{ label: 'Sample user', groups: groupsOf(sampleGroups) }] } });
  }

  function runSave() {
    save.mutate({ connectionId: connection.id, version: connection.version, mappings: rows }, { onSuccess: () => notifySuccess(`${rows.length} mapping(s) saved for ${connection.name}.`, 'Mappings saved') });
  }

  return (
    <Stack gap="sm" data-testid="sso-mappings">
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When the IdP sends</Table.Th>
            <Table.Th>with the value</Table.Th>
            <Table.Th>grant the role</Table.Th>
            <Table.Th>in</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            <Table.Tr key={i} data-testid="sso-mapping-row">
              <Table.Td>
                <Select data={claims} value={row.claim} onChange={(v) => update(i, { claim: (v ?? 'groups') as SsoMapping['claim'] })} allowDeselect={false} data-testid="sso-mapping-claim" />
              </Table.Td>
              <Table.Td>
                <TextInput value={row.value} onChange={(e) => update(i, { value: e.currentTarget.value })} placeholder="finance-admins" data-testid="sso-mapping-value" />
              </Table.Td>
              <Table.Td>
                <Select data={rolesFor(row.scope.type)} value={row.roleId || null} onChange={(v) => update(i, { roleId: v ?? '' })} searchable data-testid="sso-mapping-role" />
              </Table.Td>
              <Table.Td>
                {row.scope.type === 'project' ? (
                  <Text size="sm">project {row.scope.id}</Text>
                ) : (
                  <Select
                    data={[{ value: '', label: 'The whole organization' }, ...(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))]}
                    value={row.scope.type === 'workspace' ? row.scope.id : ''}
                    onChange={(v) => update(i, { scope: v ? { type: 'workspace', id: v } : { type: 'organization', id: orgId }, roleId: '' })}
                    allowDeselect={false}
                    searchable
                    data-testid="sso-mapping-scope"
                  />
                )}
              </Table.Td>
              <Table.Td>
                <ActionIcon variant="subtle" color="red" aria-label="Remove mapping" onClick={() => setRows((all) => all.filter((_, k) => k !== i))}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button variant="light" size="xs" onClick={() => setRows((all) => [...all, blank(orgId)])} data-testid="sso-mapping-add">
          Add mapping
        </Button>
      </Group>
      <Group align="flex-end">
        <TextInput label="Preview with these IdP groups" description="Comma-separated, as a sample user would carry them" value={sampleGroups} onChange={(e) => setSampleGroups(e.currentTarget.value)} w={360} data-testid="sso-mapping-sample" />
        <Button variant="default" onClick={runPreview} loading={preview.isPending} data-testid="sso-mapping-preview">
          Preview
        </Button>
        <Button onClick={runSave} loading={save.isPending} data-testid="sso-mapping-save">
          Save mappings
        </Button>
      </Group>
      <ProblemAlert error={save.error ?? preview.error} />
      {preview.data && (
        <Stack gap={4} data-testid="sso-mapping-preview-result">
          {preview.data.items.map((item, i) => (
            <Text size="sm" key={i}>
              <b>{item.label}</b> gets{' '}
              {item.grants.length === 0
                ? 'no role'
                : item.grants.map((g, k) => (
                    <Badge key={k} variant="light" mr={4} data-testid="sso-mapping-grant">
                      {roleName.get(g.roleId) ?? g.roleId} in {where(g.scope)}
                    </Badge>
                  ))}
            </Text>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
