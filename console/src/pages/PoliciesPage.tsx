import { Badge, Group, Switch, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconScale, IconShieldCheck } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeletePolicy, usePolicies, useUpdatePolicy } from '../api/access.ts';
import { useOrgId } from '../api/org.ts';
import { problemMessage } from '../api/problem.ts';
import type { Policy } from '../api/types.ts';
import { DecisionPanels } from '../components/access/DecisionPanels.tsx';
import { PolicyEditorModal } from '../components/access/PolicyEditor.tsx';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { useEditor } from '../components/form/useEditor.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { PageTabs } from '../components/PageTabs.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';

function EnabledSwitch({ orgId, policy }: { orgId: string; policy: Policy }) {
  const update = useUpdatePolicy(orgId);
  return (
    <Switch
      checked={policy.enabled}
      disabled={update.isPending}
      onChange={(e) =>
        update.mutate(
          { id: policy.id, version: policy.version, changes: { enabled: e.currentTarget.checked } },
          {
            onSuccess: (p) => notifySuccess(`${p.name} ${p.enabled ? 'enabled' : 'disabled'}.`),
            onError: (error) => notifications.show({ color: 'red', title: 'Could not change the policy', message: problemMessage(error) }),
          },
        )
      }
      aria-label={policy.enabled ? 'Disable policy' : 'Enable policy'}
      data-testid="policy-toggle"
    />
  );
}

function PolicyName({ policy }: { policy: Policy }) {
  return (
    <>
      <Group gap="xs">
        <Text size="sm" fw={600}>
          {policy.name}
        </Text>
        {/^\s*forbid/m.test(policy.text) && (
          <Badge size="xs" color="red" variant="light">
            forbid
          </Badge>
        )}
      </Group>
      <Text size="xs" c="dimmed" lineClamp={1} maw={480}>
        {policy.description || '—'}
      </Text>
    </>
  );
}

function PoliciesTable({ orgId, onEdit }: { orgId: string; onEdit: (p: Policy) => void }) {
  const policies = usePolicies(orgId);
  const remove = useDeletePolicy(orgId);
  const columns: Column<Policy>[] = [
    { header: 'Policy', cell: (policy) => <PolicyName policy={policy} /> },
    { header: 'Enabled', cell: (policy) => <EnabledSwitch orgId={orgId} policy={policy} /> },
    { header: 'Updated', cell: (policy) => <Time iso={policy.updatedAt} /> },
    actionsColumn((policy) => ({
      actions: [{ label: 'Edit', onClick: () => onEdit(policy), testId: 'policy-edit' }],
      confirm: deleteConfirm({
        name: policy.name,
        noun: 'policy',
        message: 'Decisions stop taking it into account at once.',
        onConfirm: () => remove.mutateAsync(policy.id),
        testId: 'policy-delete',
      }),
    })),
  ];
  return (
    <ResourceTable
      query={policies}
      rows={policies.data ?? []}
      columns={columns}
      rowKey={(policy) => policy.id}
      rowProps={(policy) => ({ 'data-testid': 'policy-row', 'data-id': policy.id })}
      minWidth={700}
      empty={
        <EmptyState icon={<IconScale size={24} />} title="No policies yet">
          Roles say who may do what. Policies add conditions roles cannot express: labels, time of day, network, MFA age.
        </EmptyState>
      }
    />
  );
}

export function PoliciesPage() {
  const orgId = useOrgId();
  const [tab, setTab] = useState<string | null>('policies');
  // The freshest version matters here: the switch bumps it.
  const editor = useEditor(usePolicies(orgId).data);

  return (
    <>
      <PageHeader
        title="Policies"
        description="Cedar policies refine what roles allow. A forbid always wins over a permit."
        actions={
          tab === 'policies' && (
            <CreateButton onClick={() => editor.edit(null)} testId="policy-create">
              Create policy
            </CreateButton>
          )
        }
      />
      <PageTabs
        value={tab}
        onChange={setTab}
        tabs={[
          { value: 'policies', label: 'Policies', icon: IconScale, panel: <PoliciesTable orgId={orgId} onEdit={editor.edit} /> },
          { value: 'decisions', label: 'Check access & who can', icon: IconShieldCheck, panel: <DecisionPanels orgId={orgId} /> },
        ]}
      />
      <PolicyEditorModal orgId={orgId} opened={editor.opened} policy={editor.editing} onClose={editor.close} />
    </>
  );
}
