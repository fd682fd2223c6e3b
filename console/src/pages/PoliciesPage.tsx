import { Badge, Button, Group, Paper, Switch, Table, Tabs, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconScale, IconShieldCheck } from '@tabler/icons-react';
import { useState } from 'react';
import { useDeletePolicy, usePolicies, useUpdatePolicy } from '../api/access.ts';
import { useOrgId } from '../api/org.ts';
import { problemMessage } from '../api/problem.ts';
import type { Policy } from '../api/types.ts';
import { DecisionPanels } from '../components/access/DecisionPanels.tsx';
import { PolicyEditorModal } from '../components/access/PolicyEditor.tsx';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
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

function PoliciesTable({ orgId, onEdit }: { orgId: string; onEdit: (p: Policy) => void }) {
  const policies = usePolicies(orgId);
  const remove = useDeletePolicy(orgId);
  const items = policies.data ?? [];
  return (
    <QueryState query={policies}>
      {items.length === 0 ? (
        <EmptyState icon={<IconScale size={24} />} title="No policies yet">
          Roles say who may do what. Policies add conditions roles cannot express: labels, time of day, network, MFA age.
        </EmptyState>
      ) : (
        <Paper>
          <Table.ScrollContainer minWidth={700}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Policy</Table.Th>
                  <Table.Th>Enabled</Table.Th>
                  <Table.Th>Updated</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((policy) => (
                  <Table.Tr key={policy.id} data-testid="policy-row" data-id={policy.id}>
                    <Table.Td>
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
                    </Table.Td>
                    <Table.Td>
                      <EnabledSwitch orgId={orgId} policy={policy} />
                    </Table.Td>
                    <Table.Td>
                      <Time iso={policy.updatedAt} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="subtle" onClick={() => onEdit(policy)} data-testid="policy-edit">
                          Edit
                        </Button>
                        <ConfirmButton
                          title={`Delete ${policy.name}?`}
                          message="Decisions stop taking it into account at once."
                          confirmLabel="Delete policy"
                          onConfirm={async () => {
                            await remove.mutateAsync(policy.id);
                            notifySuccess(`${policy.name} was deleted.`);
                          }}
                          testId="policy-delete"
                        >
                          Delete
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </QueryState>
  );
}

export function PoliciesPage() {
  const orgId = useOrgId();
  const [tab, setTab] = useState<string | null>('policies');
  const [opened, { open, close }] = useDisclosure(false);
  const policies = usePolicies(orgId);
  // The id, not the object: the editor gets the freshest version (the switch bumps it).
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = policies.data?.find((p) => p.id === editingId) ?? null;

  function edit(policy: Policy | null) {
    setEditingId(policy?.id ?? null);
    open();
  }

  return (
    <>
      <PageHeader
        title="Policies"
        description="Cedar policies refine what roles allow. A forbid always wins over a permit."
        actions={
          tab === 'policies' && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => edit(null)} data-testid="policy-create">
              Create policy
            </Button>
          )
        }
      />
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="policies" leftSection={<IconScale size={16} />} data-testid="tab-policies">
            Policies
          </Tabs.Tab>
          <Tabs.Tab value="decisions" leftSection={<IconShieldCheck size={16} />} data-testid="tab-decisions">
            Check access & who can
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="policies">
          <PoliciesTable orgId={orgId} onEdit={edit} />
        </Tabs.Panel>
        <Tabs.Panel value="decisions">
          <DecisionPanels orgId={orgId} />
        </Tabs.Panel>
      </Tabs>
      <PolicyEditorModal orgId={orgId} opened={opened} policy={editing} onClose={close} />
    </>
  );
}
