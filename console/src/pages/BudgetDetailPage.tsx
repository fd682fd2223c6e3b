import { Anchor, Button, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { Link, useParams } from 'react-router';
import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useBudget, useBudgetQuotaEstimate, useBudgetStatus, useEvaluateBudget, type BudgetStatus } from '../api/budgets.ts';
import { useOrgId } from '../api/org.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import { Time } from '../components/Time.tsx';
import { notifySuccess } from '../lib/notify.ts';
import { DecisionBadge } from './BudgetsPage.tsx';

/**
 * A decimal amount string from the API ("1234.567800") shown with two decimals, truncated like
 * the cost explorer's totals so that both pages print the same figure for the same spend.
 */
export function formatAmount(amount: string, currency: string): string {
  const [units = '0', decimals = ''] = amount.split('.');
  return `${units.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${decimals.padEnd(2, '0').slice(0, 2)} ${currency}`;
}

const num = (v: string | null) => (v === null ? null : Number(v));

/**
 * One point per day: cumulative actual for the days so far (today's point carries the spend so
 * far, where the forecast starts), then the forecast with its low–high band.
 */
function chartData(status: BudgetStatus) {
  return status.burndown.map((d) => ({
    day: d.day,
    actual: num(d.actual),
    forecast: num(d.forecast),
    band: d.low !== null && d.high !== null ? [Number(d.low), Number(d.high)] : null,
  }));
}

function BurndownChart({ status }: { status: BudgetStatus }) {
  const data = chartData(status);
  const amount = Number(status.amount);
  const lastActual = [...data].reverse().find((d) => d.actual !== null)?.actual ?? 0;
  return (
    <div data-testid="budget-burndown" data-points={data.length} data-actual-total={lastActual.toFixed(6)} data-actual-days={data.filter((d) => d.actual !== null).length} data-amount={status.amount}>
      <ResponsiveContainer width="100%" height={320}>
        <ComposedChart data={data} margin={{ top: 16, right: 24, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} domain={[0, (max: number) => Math.max(max, amount) * 1.05]} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip formatter={(v: number | number[]) => (Array.isArray(v) ? `${v[0]!.toFixed(2)} – ${v[1]!.toFixed(2)}` : v.toFixed(2))} />
          <Legend />
          <Area dataKey="band" name={`Forecast ${Math.round(status.forecast.level * 100)} % interval`} stroke="none" fill="var(--mantine-color-blue-3)" fillOpacity={0.35} connectNulls isAnimationActive={false} />
          <Line dataKey="actual" name="Actual (cumulative)" stroke="var(--mantine-color-teal-7)" strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
          <Line dataKey="forecast" name="Forecast" stroke="var(--mantine-color-blue-7)" strokeDasharray="6 4" strokeWidth={2} dot={false} isAnimationActive={false} />
          <ReferenceLine y={amount} stroke="var(--mantine-color-red-6)" strokeDasharray="4 4" label={{ value: `Budget ${formatAmount(status.amount, status.currency)}`, position: 'insideTopLeft', fontSize: 11 }} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

function Figure({ label, testId, children, hint }: { label: string; testId: string; children: React.ReactNode; hint?: React.ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="lg" fw={700} data-testid={testId}>
        {children}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Stack>
  );
}

function StatusSummary({ status }: { status: BudgetStatus }) {
  const f = status.forecast;
  return (
    <SimpleGrid cols={{ base: 2, md: 5 }}>
      <Figure label="Budget" testId="budget-amount" hint={`${status.period.kind}, ${status.burndown[0]?.day ?? status.period.start.slice(0, 10)} – ${status.burndown.at(-1)?.day ?? ''}`}>
        {formatAmount(status.amount, status.currency)}
      </Figure>
      <Figure label="Actual" testId="budget-actual" hint={<span data-testid="budget-actual-percent">{status.actualPercent.toFixed(1)} %</span>}>
        {formatAmount(status.actual, status.currency)}
      </Figure>
      <Figure label="Forecast" testId="budget-forecast" hint={<span data-testid="budget-forecast-band">{`${f.percent.toFixed(1)} % · ${formatAmount(f.low, status.currency)} – ${formatAmount(f.high, status.currency)}`}</span>}>
        {formatAmount(f.point, status.currency)}
      </Figure>
      <Figure label="Remaining" testId="budget-remaining" hint={`day ${status.period.daysElapsed} of ${status.period.days}`}>
        {formatAmount(status.remaining, status.currency)}
      </Figure>
      <Stack gap={2}>
        <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
          New workloads
        </Text>
        <Group>
          <DecisionBadge decision={status.decision} />
        </Group>
      </Stack>
    </SimpleGrid>
  );
}

function ThresholdsTable({ status }: { status: BudgetStatus }) {
  return (
    <Table data-testid="budget-threshold-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Threshold</Table.Th>
          <Table.Th>Of</Table.Th>
          <Table.Th>Crossed</Table.Th>
          <Table.Th>Alerted</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {status.thresholds.map((t) => (
          <Table.Tr key={`${t.basis}:${t.percent}`} data-testid="budget-threshold-row" data-crossed={t.crossed}>
            <Table.Td>{t.percent} %</Table.Td>
            <Table.Td>{t.basis === 'actual' ? 'actual spend' : 'forecast'}</Table.Td>
            <Table.Td>{t.crossed ? 'yes' : 'no'}</Table.Td>
            <Table.Td>{t.alertedAt ? <Time iso={t.alertedAt} /> : <Text size="sm" c="dimmed">not yet</Text>}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function QuotaEstimate({ orgId, budgetId, currency }: { orgId: string; budgetId: string; currency: string }) {
  const quota = useBudgetQuotaEstimate(orgId, budgetId);
  return (
    <QueryState query={quota}>
      {quota.data && (
        <Stack gap={4} data-testid="budget-quota">
          <Text size="sm">
            {formatAmount(quota.data.remaining, currency)} left for {quota.data.hoursLeft} hours buys about <b>{quota.data.balanced.cpuCores} cores</b> with{' '}
            <b>{quota.data.balanced.memoryGib} GiB</b> of memory ({quota.data.balanced.memoryGibPerCore} GiB per core) until the period ends.
          </Text>
          <Text size="xs" c="dimmed">
            Or {quota.data.cpuCores} cores alone, or {quota.data.memoryGib} GiB alone, at {quota.data.prices.cpuHour} per core-hour and {quota.data.prices.memoryGibHour} per GiB-hour.
          </Text>
        </Stack>
      )}
    </QueryState>
  );
}

export function BudgetDetailPage() {
  const orgId = useOrgId();
  const { budgetId = '' } = useParams();
  const budget = useBudget(orgId, budgetId);
  const status = useBudgetStatus(orgId, budgetId);
  const evaluate = useEvaluateBudget(orgId);
  const s = status.data;

  return (
    <>
      <Anchor component={Link} to={`/orgs/${orgId}/budgets`} size="sm">
        ← Budgets
      </Anchor>
      <PageHeader
        title={budget.data?.name ?? 'Budget'}
        description={budget.data ? `${budget.data.period} budget · when spent: ${budget.data.onExceeded}` : undefined}
        actions={
          <Button
            leftSection={<IconRefresh size={16} />}
            loading={evaluate.isPending}
            onClick={() => evaluate.mutate(budgetId, { onSuccess: () => notifySuccess('Evaluated: alerts owed for newly crossed thresholds are on their way.', 'Budget evaluated') })}
            data-testid="budget-evaluate"
          >
            Evaluate now
          </Button>
        }
      />
      {evaluate.error && <ProblemAlert error={evaluate.error} />}
      <QueryState query={status}>
        {s && (
          <SimpleGrid cols={1} spacing="lg">
            <SectionCard title="Status" description={`Forecast by ${s.forecast.method}, times in ${s.timeZone}`}>
              <StatusSummary status={s} />
            </SectionCard>
            <SectionCard title="Burn-down" description="Cumulative actual spend, the forecast to the end of the period with its interval, and the budget amount">
              <BurndownChart status={s} />
            </SectionCard>
            <SectionCard title="Thresholds">
              <ThresholdsTable status={s} />
            </SectionCard>
            <SectionCard title="What the rest buys">
              <QuotaEstimate orgId={orgId} budgetId={budgetId} currency={s.currency} />
            </SectionCard>
          </SimpleGrid>
        )}
      </QueryState>
    </>
  );
}
