import { Button, Select } from '@mantine/core';
import { IconEye } from '@tabler/icons-react';
import { useState } from 'react';
import { useCreateBinding, useRoles, useWhatIf } from '../../api/access.ts';
import type { Names } from '../../api/names.ts';
import type { Role, Scope, ScopeType } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { scopeOptions } from '../../lib/scopes.ts';
import { FormModal } from '../form/FormModal.tsx';
import { KindPicker } from '../form/KindPicker.tsx';
import { useProblemForm } from '../form/useProblemForm.ts';
import { ProblemAlert } from '../ProblemAlert.tsx';
import { WhatIfResult } from './WhatIfResult.tsx';

export function roleOptions(roles: Role[]) {
  const builtIn = roles.filter((r) => r.builtIn).map((r) => ({ value: r.id, label: `${r.name} (${r.scope})` }));
  const custom = roles.filter((r) => !r.builtIn).map((r) => ({ value: r.id, label: `${r.name} (${r.scope})` }));
  return [
    ...(custom.length ? [{ group: 'Custom roles', items: custom }] : []),
    { group: 'Built-in roles', items: builtIn },
  ];
}

interface GrantBindingModalProps {
  orgId: string;
  names: Names;
  opened: boolean;
  onClose: () => void;
  /** When granting from a workspace page: the scope is that workspace. */
  fixedScope?: Scope;
  initialRoleId?: string;
}

const subjectKinds = [
  { value: 'user', label: 'User' },
  { value: 'group', label: 'Group' },
];

export function GrantBindingModal({ orgId, names, opened, onClose, fixedScope, initialRoleId }: GrantBindingModalProps) {
  const roles = useRoles(orgId);
  const create = useCreateBinding(orgId);
  const whatIf = useWhatIf(orgId);
  const [subjectType, setSubjectType] = useState<'user' | 'group'>('user');
  const form = useProblemForm(create, {
    roleId: initialRoleId ?? null,
    subjectId: null as string | null,
    scopeType: fixedScope?.type ?? ('organization' as ScopeType),
    scopeId: fixedScope?.id ?? null,
  });
  const { roleId, subjectId, scopeType, scopeId } = form.values;

  const effectiveScopeId = scopeType === 'organization' ? orgId : scopeId;
  const complete = roleId !== null && subjectId !== null && effectiveScopeId !== null;

  function close() {
    form.reset();
    whatIf.reset();
    onClose();
  }

  function chooseRole(id: string | null) {
    form.set('roleId', id);
    whatIf.reset();
    const role = roles.data?.find((r) => r.id === id);
    // A role is usually granted at the scope it was written for.
    if (role && !fixedScope && role.scope !== scopeType) {
      form.set('scopeType', role.scope);
      form.set('scopeId', null);
    }
  }

  const binding = () => ({
    roleId: roleId!,
    subject: { type: subjectType, id: subjectId! },
    scope: { type: scopeType, id: effectiveScopeId! },
  });

  function submit() {
    if (!complete) return;
    create.mutate(binding(), {
      onSuccess: (b) => {
        notifySuccess(`${b.roleName} granted to ${names.subjectName(b.subject)}.`, 'Role granted');
        close();
      },
    });
  }

  const subjectData =
    subjectType === 'user'
      ? names.members.map((m) => ({ value: m.userId, label: `${m.displayName || m.email} <${m.email}>` }))
      : names.groups.map((g) => ({ value: g.id, label: g.name }));
  const scopeData =
    scopeType === 'workspace'
      ? names.workspaces.map((w) => ({ value: w.id, label: w.name }))
      : names.projects.map((p) => ({ value: p.id, label: `${names.workspaceName(p.workspaceId)} / ${p.name}` }));

  const preview = (
    <Button
      variant="light"
      leftSection={<IconEye size={16} />}
      disabled={!complete}
      loading={whatIf.isPending}
      onClick={() => whatIf.mutate({ kind: 'addBinding', ...binding() })}
      data-testid="binding-preview-button"
    >
      Preview effect
    </Button>
  );
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="Grant a role"
      submission={create}
      fields={['roleId', 'subject', 'scope']}
      onSubmit={submit}
      aside={preview}
      canSubmit={complete}
      submitLabel="Grant role"
      submitTestId="binding-submit"
    >
      <Select
        label="Role"
        placeholder={roles.isPending ? 'Loading roles…' : 'Choose a role'}
        data={roleOptions(roles.data ?? [])}
        searchable
        value={roleId}
        onChange={chooseRole}
        error={form.error('roleId')}
        data-testid="binding-role"
      />
      <KindPicker
        label="Subject"
        error={form.error('subject')}
        kinds={subjectKinds}
        kind={subjectType}
        onKind={(kind) => {
          setSubjectType(kind as 'user' | 'group');
          form.set('subjectId', null);
        }}
        testId="binding-subject-type"
      >
        <Select
          placeholder={subjectType === 'user' ? 'Choose a member' : 'Choose a group'}
          data={subjectData}
          searchable
          value={subjectId}
          onChange={(id) => form.set('subjectId', id)}
          nothingFoundMessage="Nothing found"
          aria-label="Subject"
          data-testid="binding-subject"
        />
      </KindPicker>
      <KindPicker
        label="Scope"
        description="Where the role applies"
        error={form.error('scope')}
        kinds={scopeOptions}
        kind={scopeType}
        onKind={(kind) => {
          form.set('scopeType', kind as ScopeType);
          form.set('scopeId', null);
        }}
        disabled={Boolean(fixedScope)}
        testId="binding-scope-type"
      >
        {scopeType !== 'organization' && (
          <Select
            placeholder={scopeType === 'workspace' ? 'Choose a workspace' : 'Choose a project'}
            data={scopeData}
            searchable
            value={scopeId}
            onChange={(id) => form.set('scopeId', id)}
            disabled={Boolean(fixedScope)}
            aria-label="Scope"
            data-testid="binding-scope"
          />
        )}
      </KindPicker>
      {whatIf.data && <WhatIfResult gained={whatIf.data.gained} lost={whatIf.data.lost} />}
      {whatIf.error && <ProblemAlert error={whatIf.error} title="Could not preview the effect" />}
    </FormModal>
  );
}
