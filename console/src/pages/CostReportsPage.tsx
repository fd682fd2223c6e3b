import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Anchor, Group, SimpleGrid, Table, TextInput } from '@mantine/core';
import { useState } from 'react';
import { costReportDownload, useCostReport } from '../api/cost-reports.ts';
import { useOrgId } from '../api/org.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import { formatMoney } from './CostExplorerPage.tsx';

interface Line {
  key: string;
  name: string;
  direct: string;
  idle: string;
  shared: string;
  total: string;
  totalMicros: number;
}

const micros = (text: string) => Number(text.replace('.', ''));

function LineTable({ lines, currency, testId }: { lines: Line[]; currency: string; testId: string }) {
  return (
    <Table striped data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Name</Table.Th>
          <Table.Th ta="right">Direct</Table.Th>
          <Table.Th ta="right">Idle</Table.Th>
          <Table.Th ta="right">Shared</Table.Th>
          <Table.Th ta="right">Total</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {lines.map((l) => (
          <Table.Tr key={l.key} data-line={l.key}>
            <Table.Td>{l.name}</Table.Td>
            <Table.Td ta="right">{formatMoney(micros(l.direct), currency)}</Table.Td>
            <Table.Td ta="right">{formatMoney(micros(l.idle), currency)}</Table.Td>
            <Table.Td ta="right">{formatMoney(micros(l.shared), currency)}</Table.Td>
            <Table.Td ta="right">{formatMoney(l.totalMicros, currency)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The month before the current one, as YYYY-MM (the report's default period). */
function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

export function CostReportsPage() {
  const orgId = useOrgId();
  const [period, setPeriod] = useState(lastMonth());
  const [label, setLabel] = useState('team');
  const q = { period, ...(label ? { label } : {}) };
  const query = useCostReport(orgId, q);
  const r = query.data;
  const trend = r ? [...r.trend.map((m) => ({ month: m.month, total: m.totalMicros / 1_000_000 })), { month: r.period.month ?? r.period.start, total: r.totalMicros / 1_000_000 }] : [];

  return (
    <>
      <PageHeader title="Cost reports" description="A month's cost by business unit, project and label, with the three months before. Scheduled e-mail delivery: hexaplane report schedule." />
      <Group mb="md" align="flex-end">
        <TextInput label="Month" type="month" value={period} onChange={(e) => setPeriod(e.currentTarget.value)} data-testid="report-period" />
        <TextInput label="Label key" value={label} onChange={(e) => setLabel(e.currentTarget.value)} data-testid="report-label" />
        <Anchor href={costReportDownload(orgId, 'csv', q)} data-testid="report-csv">CSV</Anchor>
        <Anchor href={costReportDownload(orgId, 'pdf', q)} data-testid="report-pdf">PDF</Anchor>
      </Group>
      <QueryState query={query}>
        {r && (
          <SimpleGrid cols={1} spacing="lg">
            <SectionCard title={<span data-testid="report-total">Total {formatMoney(r.totalMicros, r.currency)}</span>} description={`Unallocated ${formatMoney(micros(r.unallocated), r.currency)} · ${r.timeZone}${r.period.closed ? '' : ' · month to date'}`}>
              <BarChart h={220} data={trend} dataKey="month" series={[{ name: 'total', color: 'blue.6' }]} valueFormatter={(v) => v.toFixed(2)} data-testid="report-trend" />
            </SectionCard>
            <SectionCard title="By business unit">
              <LineTable lines={r.businessUnits} currency={r.currency} testId="report-units" />
            </SectionCard>
            <SectionCard title="By project">
              <LineTable lines={r.projects} currency={r.currency} testId="report-projects" />
            </SectionCard>
            {r.labels && (
              <SectionCard title={`By label ${r.label ?? ''}`}>
                <LineTable lines={r.labels} currency={r.currency} testId="report-labels" />
              </SectionCard>
            )}
          </SimpleGrid>
        )}
      </QueryState>
    </>
  );
}
