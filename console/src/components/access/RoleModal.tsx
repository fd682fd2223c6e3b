import { Button, Group, Modal, MultiSelect, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useActions, useCreateRole, useUpdateRole } from '../../api/access.ts';
import { errorFor, fieldErrors, onlyFieldErrors } from '../../api/problem.ts';
import type { ActionInfo, Role, ScopeType } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ProblemAlert } from '../ProblemAlert.tsx';

const scopeRank: Record<string, number> = { organization: 0, workspace: 1, project: 2 };

/** Actions a role of this scope can hold: its own level and below (a workspace role cannot create workspaces). */
export function actionOptions(actions: ActionInfo[], scope: ScopeType | null) {
  const fits = (a: ActionInfo) => scope === null || (scopeRank[a.scope] ?? -1) >= (scopeRank[scope] ?? 0);
  const byNoun = new Map<string, ActionInfo[]>();
  for (const action of actions.filter(fits)) {
    const noun = action.name.split(':')[0] ?? action.name;
    byNoun.set(noun, [...(byNoun.get(noun) ?? []), action]);
  }
  const descriptions = new Map(actions.map((a) => [a.name, a.description]));
  const groups = [...byNoun.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([noun, items]) => ({
      group: noun,
      items: [
        ...(items.length > 1 ? [{ value: `${noun}:*`, label: `${noun}:*` }] : []),
        ...items.map((a) => ({ value: a.name, label: a.name })),
      ],
    }));
  for (const items of byNoun.values()) {
    const noun = items[0]?.name.split(':')[0];
    if (noun && items.length > 1) descriptions.set(`${noun}:*`, `Every ${noun} action`);
  }
  return { groups, descriptions };
}

function RoleForm({ orgId, role, onDone }: { orgId: string; role: Role | null; onDone: () => void }) {
  const catalog = useActions(orgId);
  const create = useCreateRole(orgId);
  const update = useUpdateRole(orgId);
  const mutation = role ? update : create;
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [scope, setScope] = useState<ScopeType>(role?.scope ?? 'workspace');
  const [actions, setActions] = useState<string[]>(role?.actions ?? []);
  const errors = fieldErrors(mutation.error);
  const options = actionOptions(catalog.data ?? [], scope);
  // Keep selected values visible even if the catalog no longer lists them.
  const known = new Set(options.groups.flatMap((g) => g.items.map((i) => i.value)));
  const data = [...options.groups, ...(actions.some((a) => !known.has(a)) ? [{ group: 'Other', items: actions.filter((a) => !known.has(a)) }] : [])];

  function submit(event: FormEvent) {
    event.preventDefault();
    const onSuccess = (saved: Role) => {
      notifySuccess(role ? `${saved.name} saved.` : `${saved.name} was created.`, role ? 'Role saved' : 'Role created');
      onDone();
    };
    if (role) update.mutate({ id: role.id, version: role.version, changes: { name: name.trim(), description, actions } }, { onSuccess });
    else create.mutate({ name: name.trim(), description, scope, actions }, { onSuccess });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" placeholder="Deployer" required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} error={errorFor(errors, 'name')} data-testid="role-name" />
        <Textarea label="Description" autosize minRows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errorFor(errors, 'description')} data-testid="role-description" />
        <Select
          label="Scope"
          description="Where the role can be granted"
          data={[
            { value: 'organization', label: 'Organization' },
            { value: 'workspace', label: 'Workspace' },
            { value: 'project', label: 'Project' },
          ]}
          value={scope}
          onChange={(v) => v && setScope(v as ScopeType)}
          allowDeselect={false}
          disabled={role !== null}
          error={errorFor(errors, 'scope')}
          data-testid="role-scope"
        />
        <MultiSelect
          label="Actions"
          description={`${actions.length} selected. Patterns like workspace:* cover every action of a kind.`}
          placeholder={catalog.isPending ? 'Loading actions…' : 'Search actions'}
          data={data}
          value={actions}
          onChange={setActions}
          searchable
          clearable
          hidePickedOptions
          maxDropdownHeight={320}
          nothingFoundMessage="No such action"
          renderOption={({ option }) => (
            <Stack gap={0}>
              <Text size="sm" ff="monospace">
                {option.value}
              </Text>
              <Text size="xs" c="dimmed">
                {options.descriptions.get(option.value) ?? ''}
              </Text>
            </Stack>
          )}
          error={errorFor(errors, 'actions') ?? (catalog.isError ? 'The action catalog could not be loaded' : undefined)}
          data-testid="role-actions"
        />
        {mutation.error && !onlyFieldErrors(mutation.error, ['name', 'description', 'scope', 'actions']) && <ProblemAlert error={mutation.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending} disabled={!name.trim() || actions.length === 0} data-testid="role-submit">
            {role ? 'Save role' : 'Create role'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function RoleModal({ orgId, opened, role, onClose }: { orgId: string; opened: boolean; role: Role | null; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={role ? `Edit ${role.name}` : 'Create a custom role'} size="lg">
      {opened && <RoleForm key={role?.version ?? 'new'} orgId={orgId} role={role} onDone={onClose} />}
    </Modal>
  );
}
