import { Anchor, Badge, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPigMoney } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { useBudgetStatus, useBudgets, useDeleteBudget, type Budget } from '../api/budgets.ts';
import { useOrgId } from '../api/org.ts';
import { useProjectOptions, useWorkspaceOptions } from '../api/tenancy.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { BudgetForm } from './BudgetForm.tsx';

const DECISION_COLORS = { allow: 'teal', 'require-approval': 'orange', block: 'red' } as const;

export function DecisionBadge({ decision }: { decision: keyof typeof DECISION_COLORS }) {
  return (
    <Badge variant="light" color={DECISION_COLORS[decision]} data-testid="budget-decision" data-decision={decision}>
      {decision}
    </Badge>
  );
}

/** Each row reads its own status: spend and forecast are computed, not stored with the budget. */
function StatusCells({ orgId, budgetId, part }: { orgId: string; budgetId: string; part: 'actual' | 'forecast' | 'decision' }) {
  const status = useBudgetStatus(orgId, budgetId).data;
  if (!status) return <Text size="sm" c="dimmed">…</Text>;
  if (part === 'decision') return <DecisionBadge decision={status.decision} />;
  const percent = part === 'actual' ? status.actualPercent : status.forecast.percent;
  return (
    <Text size="sm" c={percent >= 100 ? 'red' : percent >= 80 ? 'orange' : undefined} data-testid={`budget-row-${part}`}>
      {percent.toFixed(1)} %
    </Text>
  );
}

export function BudgetsPage() {
  const orgId = useOrgId();
  const budgets = useBudgets(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const remove = useDeleteBudget(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<Budget | null>(null);
  const projects = useProjectOptions(orgId);
  const workspaceName = (id: string) => workspaces.data?.find((w) => w.id === id)?.name ?? id;
  const projectName = (id: string) => projects.data?.find((p) => p.id === id)?.name ?? id;

  const columns: Column<Budget>[] = [
    {
      header: 'Name',
      cell: (b) => (
        <Anchor component={Link} to={`/orgs/${orgId}/budgets/${b.id}`} size="sm" fw={600} data-testid="budget-link">
          {b.name}
        </Anchor>
      ),
    },
    {
      header: 'Scope',
      cell: (b) => (
        <Text size="sm">
          {workspaceName(b.workspaceId)}
          {b.projectId && ` · ${projectName(b.projectId)}`}
          {b.label && ` · ${b.label.key}=${b.label.value}`}
        </Text>
      ),
    },
    { header: 'Period', cell: (b) => <Badge variant="outline">{b.period}</Badge> },
    { header: 'Amount', td: { ta: 'right' }, cell: (b) => <Text size="sm">{`${b.amount} ${b.currency}`}</Text> },
    { header: 'Actual', td: { ta: 'right' }, cell: (b) => <StatusCells orgId={orgId} budgetId={b.id} part="actual" /> },
    { header: 'Forecast', td: { ta: 'right' }, cell: (b) => <StatusCells orgId={orgId} budgetId={b.id} part="forecast" /> },
    { header: 'Decision', cell: (b) => <StatusCells orgId={orgId} budgetId={b.id} part="decision" /> },
    actionsColumn((b) => ({
      actions: [{ label: 'Edit', onClick: () => setEditing(b), testId: 'budget-edit' }],
      confirm: deleteConfirm({
        name: b.name,
        noun: 'budget',
        message: 'Its alerts stop, and new workloads of its scope are no longer held back by it.',
        onConfirm: () => remove.mutateAsync(b.id),
        testId: 'budget-delete',
      }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="Budgets"
        description="A spending limit per workspace (or project, or label) and period: alerts at thresholds of actual or forecast spend, and what happens to new workloads once it is spent."
        actions={
          <CreateButton onClick={open} testId="budget-create">
            Add budget
          </CreateButton>
        }
      />
      <ResourceTable
        query={budgets}
        rows={budgets.items}
        columns={columns}
        rowKey={(b) => b.id}
        rowProps={(b) => ({ 'data-testid': 'budget-row', 'data-id': b.id, 'data-name': b.name })}
        minWidth={1000}
        empty={
          <EmptyState icon={<IconPigMoney size={24} />} title="No budgets yet">
            Add a budget for a workspace to be alerted before its spend runs over.
          </EmptyState>
        }
      />
      <Modal opened={creating} onClose={close} title="Add a budget" size="lg">
        <Stack>{creating && <BudgetForm orgId={orgId} onDone={close} />}</Stack>
      </Modal>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={`Edit ${editing?.name ?? ''}`} size="lg">
        <Stack>{editing && <BudgetForm orgId={orgId} budget={editing} onDone={() => setEditing(null)} />}</Stack>
      </Modal>
    </>
  );
}
