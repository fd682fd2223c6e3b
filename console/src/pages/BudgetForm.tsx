import { ActionIcon, Button, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useCreateBudget, useUpdateBudget, type Budget } from '../api/budgets.ts';
import { useNotificationChannels } from '../api/notification-channels.ts';
import { useProjectOptions, useWorkspaceOptions } from '../api/tenancy.ts';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { notifySuccess } from '../lib/notify.ts';

type Basis = 'actual' | 'forecast';
type Period = 'monthly' | 'quarterly' | 'yearly';
type OnExceeded = 'notify' | 'require-approval' | 'block';
interface Threshold {
  percent: number | string;
  basis: Basis;
}

const PERIODS = [
  { value: 'monthly', label: 'Monthly' },
  { value: 'quarterly', label: 'Quarterly' },
  { value: 'yearly', label: 'Yearly' },
];
const ON_EXCEEDED = [
  { value: 'notify', label: 'Notify only' },
  { value: 'require-approval', label: 'Require approval for new workloads' },
  { value: 'block', label: 'Block new workloads' },
];
const DEFAULT_THRESHOLDS: Threshold[] = [50, 80, 90, 100].map((percent) => ({ percent, basis: 'actual' }));

/** "12000.500000" from the API reads better as "12000.5" in a form field. */
const trimAmount = (amount: string) => amount.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

function ThresholdsEditor({ value, onChange, error }: { value: Threshold[]; onChange: (v: Threshold[]) => void; error?: string }) {
  const set = (i: number, t: Partial<Threshold>) => onChange(value.map((old, j) => (j === i ? { ...old, ...t } : old)));
  return (
    <Stack gap={6} data-testid="budget-thresholds">
      <Text size="sm" fw={500}>
        Alert thresholds
      </Text>
      {value.map((t, i) => (
        <Group key={i} gap="xs" wrap="nowrap" data-testid="budget-threshold">
          <NumberInput aria-label="Percent" suffix=" %" min={1} max={1000} decimalScale={2} value={t.percent} onChange={(v) => set(i, { percent: v })} w={120} data-testid="budget-threshold-percent" />
          <Select
            aria-label="Basis"
            data={[
              { value: 'actual', label: 'of actual spend' },
              { value: 'forecast', label: 'of the forecast' },
            ]}
            value={t.basis}
            onChange={(v) => set(i, { basis: (v ?? 'actual') as Basis })}
            allowDeselect={false}
            w={170}
            data-testid="budget-threshold-basis"
          />
          <ActionIcon variant="subtle" color="red" aria-label="Remove threshold" onClick={() => onChange(value.filter((_, j) => j !== i))} data-testid="budget-threshold-remove">
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      {error && (
        <Text size="xs" c="red">
          {error}
        </Text>
      )}
      <Group>
        <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} disabled={value.length >= 10} onClick={() => onChange([...value, { percent: 100, basis: 'forecast' }])} data-testid="budget-threshold-add">
          Add threshold
        </Button>
      </Group>
    </Stack>
  );
}

/** Create a budget, or change one (`budget` given): scope and period are fixed once created. */
export function BudgetForm({ orgId, budget, onDone }: { orgId: string; budget?: Budget; onDone: () => void }) {
  const create = useCreateBudget(orgId);
  const update = useUpdateBudget(orgId);
  const submission = budget ? update : create;
  const workspaces = useWorkspaceOptions(orgId);
  const projects = useProjectOptions(orgId);
  const channels = useNotificationChannels(orgId);
  const form = useProblemForm(submission, {
    name: budget?.name ?? '',
    workspaceId: budget?.workspaceId ?? '',
    projectId: budget?.projectId ?? '',
    labelKey: budget?.label?.key ?? '',
    labelValue: budget?.label?.value ?? '',
    period: (budget?.period ?? 'monthly') as Period,
    amount: budget ? trimAmount(budget.amount) : '',
    thresholds: (budget?.thresholds ?? DEFAULT_THRESHOLDS) as Threshold[],
    channelIds: budget?.channelIds ?? ([] as string[]),
    onExceeded: (budget?.onExceeded ?? 'notify') as OnExceeded,
  });
  const v = form.values;
  const thresholds = v.thresholds.map((t) => ({ percent: Number(t.percent), basis: t.basis }));
  const projectOptions = (projects.data ?? []).filter((p) => p.workspaceId === v.workspaceId).map((p) => ({ value: p.id, label: p.name }));

  function submit() {
    const common = { name: v.name.trim(), amount: v.amount.trim(), thresholds, channelIds: v.channelIds, onExceeded: v.onExceeded };
    if (budget) {
      update.mutate({ id: budget.id, version: budget.version, changes: common }, { onSuccess: (b) => (notifySuccess(`${b.name} was saved.`, 'Budget saved'), onDone()) });
      return;
    }
    const body = {
      ...common,
      workspaceId: v.workspaceId,
      period: v.period,
      projectId: v.projectId || null,
      label: v.labelKey.trim() ? { key: v.labelKey.trim(), value: v.labelValue.trim() } : null,
    };
    create.mutate(body, { onSuccess: (b) => (notifySuccess(`${b.name} was created.`, 'Budget created'), onDone()) });
  }

  return (
    <ProblemForm
      submission={submission}
      fields={['name', 'workspaceId', 'projectId', 'label', 'label.key', 'label.value', 'period', 'amount', 'thresholds', 'channelIds', 'onExceeded']}
      onSubmit={submit}
      onCancel={onDone}
      canSubmit={v.name.trim() !== '' && v.workspaceId !== '' && v.amount.trim() !== '' && thresholds.every((t) => Number.isFinite(t.percent) && t.percent > 0)}
      submitLabel={budget ? 'Save budget' : 'Create budget'}
      submitTestId="budget-submit"
    >
      <TextInput label="Name" placeholder="Finance-BU monthly" required data-autofocus {...form.text('name')} data-testid="budget-name" />
      <Select
        label="Workspace"
        required
        searchable
        disabled={!!budget}
        data={(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
        value={v.workspaceId || null}
        onChange={(id) => (form.set('workspaceId', id ?? ''), form.set('projectId', ''))}
        error={form.error('workspaceId')}
        data-testid="budget-workspace"
      />
      <Select
        label="Project"
        description="Optional: only this project of the workspace"
        clearable
        disabled={!!budget || v.workspaceId === ''}
        data={projectOptions}
        value={v.projectId || null}
        onChange={(id) => form.set('projectId', id ?? '')}
        error={form.error('projectId')}
        data-testid="budget-project"
      />
      <SimpleGrid cols={2}>
        <TextInput label="Label key" description="Optional: only workloads with this label, e.g. team" disabled={!!budget} {...form.text('labelKey')} error={form.error('label', 'label.key')} data-testid="budget-label-key" />
        <TextInput label="Label value" description="e.g. payments" disabled={!!budget} {...form.text('labelValue')} error={form.error('label.value')} data-testid="budget-label-value" />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <Select label="Period" data={PERIODS} disabled={!!budget} allowDeselect={false} value={v.period} onChange={(p) => form.set('period', (p ?? 'monthly') as Period)} error={form.error('period')} data-testid="budget-period" />
        <TextInput label="Amount" description="In the organization's currency" required placeholder="12000" {...form.text('amount')} data-testid="budget-amount" />
      </SimpleGrid>
      <ThresholdsEditor value={v.thresholds} onChange={(t) => form.set('thresholds', t)} error={form.error('thresholds')} />
      <MultiSelect
        label="Notification channels"
        description="Alerted once per threshold and period"
        data={channels.items.map((c) => ({ value: c.id, label: c.name }))}
        value={v.channelIds}
        onChange={(ids) => form.set('channelIds', ids)}
        error={form.error('channelIds')}
        searchable
        data-testid="budget-channels"
      />
      <Select label="When actual spend reaches 100 %" data={ON_EXCEEDED} allowDeselect={false} value={v.onExceeded} onChange={(a) => form.set('onExceeded', (a ?? 'notify') as OnExceeded)} error={form.error('onExceeded')} data-testid="budget-on-exceeded" />
    </ProblemForm>
  );
}
