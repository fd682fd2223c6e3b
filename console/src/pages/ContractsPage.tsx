import { Anchor, Badge, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconFileInvoice } from '@tabler/icons-react';
import { useState } from 'react';
import { statementCsvUrl, useContracts, useContractStatement, useCreateContract, useDeleteContract, type Contract, type ContractStatement } from '../api/contracts.ts';
import { useOrgId } from '../api/org.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { notifySuccess } from '../lib/notify.ts';

const firstOfMonth = () => `${new Date().toISOString().slice(0, 7)}-01`;

function CreateContractForm({ orgId, onDone }: { orgId: string; onDone: () => void }) {
  const create = useCreateContract(orgId);
  const form = useProblemForm(create, { name: '', period: 'monthly', commitment: '', overagePercent: 100, startsOn: firstOfMonth(), endsOn: '' });
  const v = form.values;

  function submit() {
    const body = {
      name: v.name.trim(),
      period: v.period as 'monthly' | 'quarterly' | 'yearly',
      commitment: v.commitment.trim(),
      overageRateBp: Math.round(Number(v.overagePercent) * 100),
      startsOn: v.startsOn,
      endsOn: v.endsOn || null,
    };
    create.mutate(body, {
      onSuccess: (created) => {
        notifySuccess(`${created.name} commits ${created.commitment} ${created.currency} a ${created.period.replace('ly', '')}.`, 'Contract created');
        onDone();
      },
    });
  }

  return (
    <ProblemForm
      submission={create}
      fields={['name', 'period', 'commitment', 'overageRateBp', 'startsOn', 'endsOn']}
      onSubmit={submit}
      onCancel={onDone}
      canSubmit={v.name.trim() !== '' && /^\d+(\.\d{1,6})?$/.test(v.commitment.trim())}
      submitLabel="Create contract"
      submitTestId="contract-submit"
    >
      <TextInput label="Name" placeholder="Platform 2027" required data-autofocus {...form.text('name')} data-testid="contract-name" />
      <Select label="Period" data={['monthly', 'quarterly', 'yearly']} value={v.period} onChange={(p) => form.set('period', p ?? 'monthly')} allowDeselect={false} />
      <TextInput label="Commitment per period" description="In the organization's currency" required {...form.text('commitment')} data-testid="contract-commitment" />
      <NumberInput label="Overage price" description="Percent of the contract rate for usage beyond the commitment (100 = the same rate)" min={0} max={1000} value={v.overagePercent} onChange={(n) => form.set('overagePercent', Number(n))} />
      <TextInput label="Starts on" type="date" description="The first day of a period" {...form.text('startsOn')} />
      <TextInput label="Ends on (optional)" type="date" description="The day after the last period" {...form.text('endsOn')} />
    </ProblemForm>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
}

function StatementView({ orgId, contract, statement, period }: { orgId: string; contract: Contract; statement: ContractStatement; period: string }) {
  const c = statement.currency;
  return (
    <SectionCard
      title={
        <Group gap="xs">
          <span>
            {contract.name}: {statement.period.start} – {statement.period.end}
          </span>
          <Badge color={statement.period.closed ? 'gray' : 'teal'} variant="light" data-testid="statement-state">
            {statement.period.closed ? 'closed' : 'open'}
          </Badge>
        </Group>
      }
      description={
        <Anchor href={statementCsvUrl(orgId, contract.id, period)} download data-testid="statement-csv">
          Download CSV
        </Anchor>
      }
    >
      <SimpleGrid cols={{ base: 2, md: 4 }} mb="md">
        <Figure label="Commitment" value={`${statement.commitment} ${c}`} />
        <Figure label="Usage" value={`${statement.usage} ${c}`} testId="statement-usage" />
        <Figure label="Overage charge" value={`${statement.overageCharge} ${c}`} />
        <Figure label="True-up" value={`${statement.trueUp} ${c}`} />
        <Figure label="Charge" value={`${statement.charge} ${c}`} testId="statement-charge" />
        <Figure label="Remaining commitment" value={`${statement.remainingCommitment} ${c}`} />
      </SimpleGrid>
      <Table striped data-testid="statement-units">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Business unit</Table.Th>
            <Table.Th ta="right">Share</Table.Th>
            <Table.Th ta="right">Showback</Table.Th>
            <Table.Th ta="right">Chargeback</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {statement.units.map((u) => (
            <Table.Tr key={u.unit} data-unit={u.unit}>
              <Table.Td>{u.name}</Table.Td>
              <Table.Td ta="right">{(u.shareBp / 100).toFixed(2)} %</Table.Td>
              <Table.Td ta="right">{u.showback}</Table.Td>
              <Table.Td ta="right">{u.chargeback}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </SectionCard>
  );
}

export function ContractsPage() {
  const orgId = useOrgId();
  const contracts = useContracts(orgId);
  const remove = useDeleteContract(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [selected, setSelected] = useState<Contract | null>(null);
  const [period, setPeriod] = useState('');
  const statement = useContractStatement(orgId, selected?.id ?? null, period);

  const columns: Column<Contract>[] = [
    { header: 'Name', cell: (c) => <Text size="sm" fw={600}>{c.name}</Text> },
    { header: 'Commitment', cell: (c) => `${c.commitment} ${c.currency} / ${c.period.replace('ly', '')}` },
    { header: 'Overage', cell: (c) => `${(c.overageRateBp / 100).toFixed(2)} %` },
    { header: 'Term', cell: (c) => `${c.startsOn} – ${c.endsOn ?? 'open'}` },
    actionsColumn((c) => ({
      actions: [{ label: 'Statement', onClick: () => setSelected(c), testId: 'contract-statement' }],
      confirm: deleteConfirm({ name: c.name, noun: 'contract', message: 'Its statements are no longer available.', onConfirm: () => remove.mutateAsync(c.id), testId: 'contract-delete' }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="Contracts"
        description="Fixed-price commitments per period: spend draws them down, overage is charged at its rate, and a closed period is trued up. Statements show and charge back each business unit's share."
        actions={
          <CreateButton onClick={open} testId="contract-create">
            Add contract
          </CreateButton>
        }
      />
      <ResourceTable
        query={contracts}
        rows={contracts.items}
        columns={columns}
        rowKey={(c) => c.id}
        rowProps={(c) => ({ 'data-testid': 'contract-row', 'data-id': c.id, 'data-name': c.name })}
        minWidth={800}
        empty={
          <EmptyState icon={<IconFileInvoice size={24} />} title="No contracts yet">
            Add the commitment your organization signed to see drawdown, overage and each business unit&apos;s share.
          </EmptyState>
        }
      />
      {selected && (
        <Stack mt="lg">
          <TextInput label="Period" description="Any day of the period; empty for the current one" type="date" value={period} onChange={(e) => setPeriod(e.currentTarget.value)} w={260} data-testid="statement-period" />
          <QueryState query={statement}>{statement.data && <StatementView orgId={orgId} contract={selected} statement={statement.data} period={period} />}</QueryState>
        </Stack>
      )}
      <Modal opened={creating} onClose={close} title="Add a fixed-price contract">
        <Stack>{creating && <CreateContractForm orgId={orgId} onDone={close} />}</Stack>
      </Modal>
    </>
  );
}
