import { Modal, MultiSelect, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useActions, useCreateRole, useUpdateRole } from '../../api/access.ts';
import type { ActionInfo, Role, ScopeType } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { scopeOptions } from '../../lib/scopes.ts';
import { ProblemForm } from '../form/ProblemForm.tsx';
import { useProblemForm } from '../form/useProblemForm.ts';

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
  const form = useProblemForm(mutation, { name: role?.name ?? '', description: role?.description ?? '', scope: role?.scope ?? ('workspace' as ScopeType), actions: role?.actions ?? [] });
  const { name, description, scope, actions } = form.values;
  const options = actionOptions(catalog.data ?? [], scope);
  // Keep selected values visible even if the catalog no longer lists them.
  const known = new Set(options.groups.flatMap((g) => g.items.map((i) => i.value)));
  const data = [...options.groups, ...(actions.some((a) => !known.has(a)) ? [{ group: 'Other', items: actions.filter((a) => !known.has(a)) }] : [])];

  function submit() {
    const onSuccess = (saved: Role) => {
      notifySuccess(role ? `${saved.name} saved.` : `${saved.name} was created.`, role ? 'Role saved' : 'Role created');
      onDone();
    };
    if (role) update.mutate({ id: role.id, version: role.version, changes: { name: name.trim(), description, actions } }, { onSuccess });
    else create.mutate({ name: name.trim(), description, scope, actions }, { onSuccess });
  }

  return (
    <ProblemForm
      submission={mutation}
      fields={['name', 'description', 'scope', 'actions']}
      onSubmit={submit}
      onCancel={onDone}
      canSubmit={name.trim() !== '' && actions.length > 0}
      submitLabel={role ? 'Save role' : 'Create role'}
      submitTestId="role-submit"
    >
      <TextInput label="Name" placeholder="Deployer" required data-autofocus {...form.text('name')} data-testid="role-name" />
      <Textarea label="Description" autosize minRows={2} {...form.text('description')} data-testid="role-description" />
      <Select
        label="Scope"
        description="Where the role can be granted"
        data={scopeOptions}
        value={scope}
        onChange={(v) => v && form.set('scope', v as ScopeType)}
        allowDeselect={false}
        disabled={role !== null}
        error={form.error('scope')}
        data-testid="role-scope"
      />
      <MultiSelect
        label="Actions"
        description={`${actions.length} selected. Patterns like workspace:* cover every action of a kind.`}
        placeholder={catalog.isPending ? 'Loading actions…' : 'Search actions'}
        data={data}
        value={actions}
        onChange={(v) => form.set('actions', v)}
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
        error={form.error('actions') ?? (catalog.isError ? 'The action catalog could not be loaded' : undefined)}
        data-testid="role-actions"
      />
    </ProblemForm>
  );
}

export function RoleModal({ orgId, opened, role, onClose }: { orgId: string; opened: boolean; role: Role | null; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={role ? `Edit ${role.name}` : 'Create a custom role'} size="lg">
      {opened && <RoleForm key={role?.version ?? 'new'} orgId={orgId} role={role} onDone={onClose} />}
    </Modal>
  );
}
