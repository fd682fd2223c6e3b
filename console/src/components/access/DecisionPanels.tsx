import { Alert, Badge, Button, Grid, Group, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconSearch } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useAccessCheck, useActions, useWhoCan } from '../../api/access.ts';
import { useNames, type Names } from '../../api/names.ts';
import type { ResourceRef, WhoCan } from '../../api/types.ts';
import { EmptyState } from '../EmptyState.tsx';
import { ProblemAlert } from '../ProblemAlert.tsx';
import { SectionCard } from '../SectionCard.tsx';
import { DataTable, type Column } from '../table/DataTable.tsx';

const resourceTypes = ['organization', 'workspace', 'project'];

function ResourcePicker({ orgId, names, value, onChange }: { orgId: string; names: Names; value: ResourceRef; onChange: (r: ResourceRef) => void }) {
  const idData =
    value.type === 'workspace'
      ? names.workspaces.map((w) => ({ value: w.id, label: w.name }))
      : value.type === 'project'
        ? names.projects.map((p) => ({ value: p.id, label: `${names.workspaceName(p.workspaceId)} / ${p.name}` }))
        : null;
  return (
    <Group grow align="flex-start">
      <Select
        label="Resource type"
        data={resourceTypes}
        value={value.type}
        onChange={(type) => type && onChange({ type: type as ResourceRef['type'], id: type === 'organization' ? orgId : '' })}
        allowDeselect={false}
        data-testid="resource-type"
      />
      {value.type === 'organization' ? (
        <TextInput label="Resource" value="This organization" disabled />
      ) : idData ? (
        <Select label="Resource" placeholder="Choose" data={idData} value={value.id || null} onChange={(id) => onChange({ ...value, id: id ?? '' })} searchable data-testid="resource-id" />
      ) : (
        <TextInput label="Resource id" placeholder="id" value={value.id} onChange={(e) => onChange({ ...value, id: e.currentTarget.value.trim() })} data-testid="resource-id" />
      )}
    </Group>
  );
}

function ActionPicker({ orgId, value, onChange, testId }: { orgId: string; value: string | null; onChange: (v: string | null) => void; testId: string }) {
  const actions = useActions(orgId);
  return (
    <Select
      label="Action"
      placeholder={actions.isPending ? 'Loading…' : 'e.g. workspace:update'}
      data={(actions.data ?? []).map((a) => a.name).sort()}
      value={value}
      onChange={onChange}
      searchable
      data-testid={testId}
    />
  );
}

/** "May this principal do this action on this resource?" — the same decision every route makes. */
export function CheckAccessPanel({ orgId }: { orgId: string }) {
  const names = useNames(orgId);
  const check = useAccessCheck(orgId);
  const [action, setAction] = useState<string | null>(null);
  const [resource, setResource] = useState<ResourceRef>({ type: 'organization', id: orgId });
  const [who, setWho] = useState<'me' | 'user' | 'apiKey'>('me');
  const [principalId, setPrincipalId] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!action || !resource.id) return;
    check.mutate({ action, resource, ...(who !== 'me' && principalId ? { principal: { type: who, id: principalId } } : {}) });
  }

  return (
    <SectionCard title="Check access" description="Evaluates roles and policies exactly as the API would, without doing anything.">
      <form onSubmit={submit}>
        <Stack>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Principal
            </Text>
            <SegmentedControl
              data={[
                { value: 'me', label: 'Me' },
                { value: 'user', label: 'A member' },
                { value: 'apiKey', label: 'An API key' },
              ]}
              value={who}
              onChange={(v) => {
                setWho(v as typeof who);
                setPrincipalId('');
              }}
            />
            {who === 'user' && (
              <Select
                placeholder="Choose a member"
                data={names.members.map((m) => ({ value: m.userId, label: m.displayName || m.email }))}
                value={principalId || null}
                onChange={(v) => setPrincipalId(v ?? '')}
                searchable
                aria-label="Member"
                data-testid="check-principal"
              />
            )}
            {who === 'apiKey' && <TextInput placeholder="key_…" value={principalId} onChange={(e) => setPrincipalId(e.currentTarget.value.trim())} aria-label="API key id" data-testid="check-principal" />}
          </Stack>
          <ActionPicker orgId={orgId} value={action} onChange={setAction} testId="check-action" />
          <ResourcePicker orgId={orgId} names={names} value={resource} onChange={setResource} />
          <Group>
            <Button type="submit" loading={check.isPending} disabled={!action || !resource.id || (who !== 'me' && !principalId)} data-testid="check-submit">
              Check
            </Button>
          </Group>
          <ProblemAlert error={check.error} />
          {check.data && (
            <Alert
              color={check.data.allowed ? 'teal' : 'red'}
              variant="light"
              icon={check.data.allowed ? <IconCircleCheck size={18} /> : <IconCircleX size={18} />}
              title={check.data.allowed ? 'Allowed' : 'Denied'}
              data-testid="check-result"
              data-allowed={String(check.data.allowed)}
            >
              {check.data.reason}
            </Alert>
          )}
        </Stack>
      </form>
    </SectionCard>
  );
}

type Grantee = WhoCan['subjects'][number];

const whoCanColumns: Column<Grantee>[] = [
  { header: 'Subject', cell: (s) => s.name || s.id, td: { fw: 500 } },
  {
    header: 'Type',
    cell: (s) => (
      <Badge variant="light" color="gray" style={{ flexShrink: 0 }} miw={64}>
        {s.type === 'apiKey' ? 'API key' : s.type}
      </Badge>
    ),
  },
  { header: 'Via', cell: (s) => <Text size="sm">{s.via}</Text> },
];

/** "Who can do this action on this resource?", with the binding or policy that lets them. */
export function WhoCanPanel({ orgId }: { orgId: string }) {
  const names = useNames(orgId);
  const whoCan = useWhoCan(orgId);
  const [action, setAction] = useState<string | null>(null);
  const [resource, setResource] = useState<ResourceRef>({ type: 'organization', id: orgId });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (action && resource.id) whoCan.mutate({ action, resource });
  }

  return (
    <SectionCard title="Who can" description="Lists every user and API key that may do an action on a resource, and the grant that lets them.">
      <form onSubmit={submit}>
        <Stack>
          <ActionPicker orgId={orgId} value={action} onChange={setAction} testId="whocan-action" />
          <ResourcePicker orgId={orgId} names={names} value={resource} onChange={setResource} />
          <Group>
            <Button type="submit" leftSection={<IconSearch size={16} />} loading={whoCan.isPending} disabled={!action || !resource.id} data-testid="whocan-submit">
              Find
            </Button>
          </Group>
          <ProblemAlert error={whoCan.error} />
          {whoCan.data &&
            (whoCan.data.subjects.length === 0 ? (
              <EmptyState icon={<IconCircleX size={24} />} title="Nobody can" />
            ) : (
              <DataTable columns={whoCanColumns} rows={whoCan.data.subjects} rowKey={(s) => `${s.type}:${s.id}:${s.via}`} testId="whocan-result" />
            ))}
        </Stack>
      </form>
    </SectionCard>
  );
}

export function DecisionPanels({ orgId }: { orgId: string }) {
  return (
    <Grid gutter="lg">
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <CheckAccessPanel orgId={orgId} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <WhoCanPanel orgId={orgId} />
      </Grid.Col>
    </Grid>
  );
}
