import { Alert, Button, Group, Input, List, Modal, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { IconEye } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useCreateBinding, useRoles, useWhatIf } from '../../api/access.ts';
import type { Names } from '../../api/names.ts';
import { errorFor, fieldErrors, onlyFieldErrors } from '../../api/problem.ts';
import type { Role, Scope, ScopeType } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ProblemAlert } from '../ProblemAlert.tsx';

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

function WhatIfResult({ gained, lost }: { gained: { action: string }[]; lost: { action: string }[] }) {
  const actions = [...new Set(gained.map((g) => g.action))];
  return (
    <Alert color="blue" variant="light" title="Effect of this grant" icon={<IconEye size={18} />} data-testid="binding-preview">
      {actions.length === 0 && lost.length === 0 ? (
        <Text size="sm">No change: the subject can already do all of this.</Text>
      ) : (
        <Stack gap={4}>
          <Text size="sm">{gained.length} new permission(s) across {actions.length} action(s):</Text>
          <List size="xs" spacing={2}>
            {actions.slice(0, 12).map((a) => (
              <List.Item key={a}>
                <code>{a}</code>
              </List.Item>
            ))}
          </List>
          {actions.length > 12 && <Text size="xs">and {actions.length - 12} more</Text>}
        </Stack>
      )}
    </Alert>
  );
}

export function GrantBindingModal({ orgId, names, opened, onClose, fixedScope, initialRoleId }: GrantBindingModalProps) {
  const roles = useRoles(orgId);
  const create = useCreateBinding(orgId);
  const whatIf = useWhatIf(orgId);
  const [roleId, setRoleId] = useState<string | null>(initialRoleId ?? null);
  const [subjectType, setSubjectType] = useState<'user' | 'group'>('user');
  const [subjectId, setSubjectId] = useState<string | null>(null);
  const [scopeType, setScopeType] = useState<ScopeType>(fixedScope?.type ?? 'organization');
  const [scopeId, setScopeId] = useState<string | null>(fixedScope?.id ?? null);
  const errors = fieldErrors(create.error);

  const effectiveScopeId = scopeType === 'organization' ? orgId : scopeId;
  const complete = roleId !== null && subjectId !== null && effectiveScopeId !== null;

  function close() {
    setRoleId(initialRoleId ?? null);
    setSubjectId(null);
    setScopeType(fixedScope?.type ?? 'organization');
    setScopeId(fixedScope?.id ?? null);
    create.reset();
    whatIf.reset();
    onClose();
  }

  function chooseRole(id: string | null) {
    setRoleId(id);
    whatIf.reset();
    const role = roles.data?.find((r) => r.id === id);
    // A role is usually granted at the scope it was written for.
    if (role && !fixedScope && role.scope !== scopeType) {
      setScopeType(role.scope);
      setScopeId(null);
    }
  }

  const binding = () => ({
    roleId: roleId!,
    subject: { type: subjectType, id: subjectId! },
    scope: { type: scopeType, id: effectiveScopeId! },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
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

  return (
    <Modal opened={opened} onClose={close} title="Grant a role" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Select
            label="Role"
            placeholder={roles.isPending ? 'Loading roles…' : 'Choose a role'}
            data={roleOptions(roles.data ?? [])}
            searchable
            value={roleId}
            onChange={chooseRole}
            error={errorFor(errors, 'roleId')}
            data-testid="binding-role"
          />
          <Input.Wrapper label="Subject" error={errorFor(errors, 'subject')}>
            <Stack gap="xs" mt={4}>
              <SegmentedControl
                data={[
                  { value: 'user', label: 'User' },
                  { value: 'group', label: 'Group' },
                ]}
                value={subjectType}
                onChange={(v) => {
                  setSubjectType(v as 'user' | 'group');
                  setSubjectId(null);
                }}
                data-testid="binding-subject-type"
              />
              <Select
                placeholder={subjectType === 'user' ? 'Choose a member' : 'Choose a group'}
                data={subjectData}
                searchable
                value={subjectId}
                onChange={setSubjectId}
                nothingFoundMessage="Nothing found"
                aria-label="Subject"
                data-testid="binding-subject"
              />
            </Stack>
          </Input.Wrapper>
          <Input.Wrapper label="Scope" description="Where the role applies" error={errorFor(errors, 'scope')}>
            <Stack gap="xs" mt={4}>
              <SegmentedControl
                data={[
                  { value: 'organization', label: 'Organization' },
                  { value: 'workspace', label: 'Workspace' },
                  { value: 'project', label: 'Project' },
                ]}
                value={scopeType}
                disabled={Boolean(fixedScope)}
                onChange={(v) => {
                  setScopeType(v as ScopeType);
                  setScopeId(null);
                }}
                data-testid="binding-scope-type"
              />
              {scopeType !== 'organization' && (
                <Select
                  placeholder={scopeType === 'workspace' ? 'Choose a workspace' : 'Choose a project'}
                  data={scopeData}
                  searchable
                  value={scopeId}
                  onChange={setScopeId}
                  disabled={Boolean(fixedScope)}
                  aria-label="Scope"
                  data-testid="binding-scope"
                />
              )}
            </Stack>
          </Input.Wrapper>
          {whatIf.data && <WhatIfResult gained={whatIf.data.gained} lost={whatIf.data.lost} />}
          {whatIf.error && <ProblemAlert error={whatIf.error} title="Could not preview the effect" />}
          {create.error && !onlyFieldErrors(create.error, ['roleId', 'subject', 'scope']) && <ProblemAlert error={create.error} />}
          <Group justify="space-between">
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
            <Group>
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" disabled={!complete} loading={create.isPending} data-testid="binding-submit">
                Grant role
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
