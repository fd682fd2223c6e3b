import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Alert, Group, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useCostAllocation } from '../api/cost.ts';
import { useOrgId } from '../api/org.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';

const DAY = 86_400_000;
const COLORS = ['blue.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6', 'pink.6', 'lime.6', 'indigo.6', 'yellow.6', 'gray.5'];

/** Micro-units as a decimal amount, exactly (string arithmetic on the integer). */
export function formatMoney(micros: number, currency: string): string {
  const v = BigInt(micros);
  const abs = v < 0n ? -v : v;
  const units = (abs / 1_000_000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = ((abs % 1_000_000n) / 10_000n).toString().padStart(2, '0');
  return `${v < 0n ? '-' : ''}${units}.${cents} ${currency}`;
}

const dayInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function CostExplorerPage() {
  const orgId = useOrgId();
  const today = Math.floor(Date.now() / DAY) * DAY;
  const [from, setFrom] = useState(dayInput(today - 30 * DAY));
  const [to, setTo] = useState(dayInput(today));
  const [groupBy, setGroupBy] = useState('workspace');
  const [label, setLabel] = useState('team');
  const effectiveGroupBy = groupBy === 'label' ? `label:${label || 'team'}` : groupBy;
  const query = useCostAllocation(orgId, { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z`, groupBy: effectiveGroupBy, series: 'day' });
  const a = query.data;
  const top = a ? a.groups.slice(0, COLORS.length) : [];
  const chart = (a?.series ?? []).map((d) => ({ day: d.day, ...Object.fromEntries(top.map((g) => [g.name, (d.groups[g.key] ?? 0) / 1_000_000])) }));

  return (
    <>
      <PageHeader title="Cost explorer" description="Who spent what: direct, idle and shared cost per group. The groups sum to the total to the micro-unit." />
      <Group mb="md" align="flex-end">
        <Select label="Group by" data={[{ value: 'workspace', label: 'Workspace' }, { value: 'project', label: 'Project' }, { value: 'team', label: 'Team' }, { value: 'namespace', label: 'Namespace' }, { value: 'label', label: 'Pod label' }]} value={groupBy} onChange={(v) => setGroupBy(v ?? 'workspace')} allowDeselect={false} data-testid="cost-group-by" />
        {groupBy === 'label' && <TextInput label="Label key" value={label} onChange={(e) => setLabel(e.currentTarget.value)} />}
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="cost-from" />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="cost-to" />
      </Group>
      <QueryState query={query}>
        {a && (
          <SimpleGrid cols={1} spacing="lg">
            {a.unpricedClusters.length > 0 && (
              <Alert color="orange" title="Usage without a price" data-testid="cost-unpriced">
                No price version covers some usage of {a.unpricedClusters.join(', ')}: it counts as zero. Add a price for the cluster&apos;s provider and region.
              </Alert>
            )}
            <SectionCard title={<span data-testid="cost-total">Total {formatMoney(a.total, a.currency)}</span>} description={`Idle capacity ${formatMoney(a.idleTotal, a.currency)} · cost model ${a.costModel}`}>
              <BarChart h={280} data={chart} dataKey="day" type="stacked" series={top.map((g, i) => ({ name: g.name, color: COLORS[i]! }))} valueFormatter={(v) => v.toFixed(2)} data-testid="cost-chart" />
            </SectionCard>
            <SectionCard title="By group">
              <Table striped data-testid="cost-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Group</Table.Th>
                    <Table.Th ta="right">Direct</Table.Th>
                    <Table.Th ta="right">Idle</Table.Th>
                    <Table.Th ta="right">Shared</Table.Th>
                    <Table.Th ta="right">Total</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.groups.map((g) => (
                    <Table.Tr key={g.key} data-group={g.key}>
                      <Table.Td>
                        <Text size="sm">{g.name}</Text>
                      </Table.Td>
                      <Table.Td ta="right">{formatMoney(g.direct, a.currency)}</Table.Td>
                      <Table.Td ta="right">{formatMoney(g.idle, a.currency)}</Table.Td>
                      <Table.Td ta="right">{formatMoney(g.shared, a.currency)}</Table.Td>
                      <Table.Td ta="right">{formatMoney(g.total, a.currency)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </SectionCard>
          </SimpleGrid>
        )}
      </QueryState>
    </>
  );
}
