import { Badge, Button, FileInput, Group, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useCreateFocusRule, useDeleteFocusRule, useFocusImport, useFocusImports, useFocusRules, useImportFocusBill, useReallocateFocusImport } from '../api/cost.ts';
import { useOrgId } from '../api/org.ts';
import { useWorkspaceOptions } from '../api/tenancy.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { ProblemAlert, QueryState } from '../components/ProblemAlert.tsx';
import { SectionCard } from '../components/SectionCard.tsx';
import { formatMoney } from './CostExplorerPage.tsx';

/** Tag mapping rules: the first rule whose tag matches maps a bill line to a workspace. */
function RulesCard({ orgId }: { orgId: string }) {
  const rules = useFocusRules(orgId);
  const workspaces = useWorkspaceOptions(orgId);
  const create = useCreateFocusRule(orgId);
  const remove = useDeleteFocusRule(orgId);
  const [tagKey, setTagKey] = useState('');
  const [match, setMatch] = useState('');
  const [mode, setMode] = useState<'value' | 'pattern'>('value');
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const names = new Map((workspaces.data ?? []).map((w) => [w.id, w.name]));
  const add = () => {
    if (!workspaceId) return;
    create.mutate({ tagKey, workspaceId, ...(match ? (mode === 'value' ? { value: match } : { pattern: match }) : {}) }, { onSuccess: () => { setTagKey(''); setMatch(''); } });
  };
  return (
    <SectionCard title="Tag mapping rules" description="Tried in order; the first whose tag matches maps a bill line to a workspace. A pattern must match the whole value.">
      {create.error && <ProblemAlert error={create.error} title="Rule not added" />}
      <Group align="flex-end" mb="md">
        <TextInput label="Tag key" value={tagKey} onChange={(e) => setTagKey(e.currentTarget.value)} data-testid="focus-rule-tag" />
        <Select label="Match" data={[{ value: 'value', label: 'Exact value' }, { value: 'pattern', label: 'Pattern' }]} value={mode} onChange={(v) => setMode((v as 'value' | 'pattern') ?? 'value')} allowDeselect={false} w={140} />
        <TextInput label={mode === 'value' ? 'Value' : 'Regular expression'} value={match} onChange={(e) => setMatch(e.currentTarget.value)} data-testid="focus-rule-match" />
        <Select label="Workspace" data={(workspaces.data ?? []).map((w) => ({ value: w.id, label: w.name }))} value={workspaceId} onChange={setWorkspaceId} data-testid="focus-rule-workspace" />
        <Button onClick={add} disabled={!tagKey || !workspaceId} loading={create.isPending}>Add rule</Button>
      </Group>
      <QueryState query={rules}>
        <Table striped data-testid="focus-rules">
          <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>Tag</Table.Th><Table.Th>Match</Table.Th><Table.Th>Workspace</Table.Th><Table.Th>Project</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(rules.data ?? []).map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.position}</Table.Td>
                <Table.Td><code>{r.tagKey}</code></Table.Td>
                <Table.Td>{r.value !== null ? `= ${r.value}` : r.pattern !== null ? <code>~ {r.pattern}</code> : 'any value'}</Table.Td>
                <Table.Td>{names.get(r.workspaceId) ?? r.workspaceId}</Table.Td>
                <Table.Td>{r.projectId ?? ''}</Table.Td>
                <Table.Td><Button size="xs" variant="subtle" color="red" onClick={() => remove.mutate({ ruleId: r.id, version: r.version })}>Delete</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
    </SectionCard>
  );
}

/** One import's allocation: per workspace and project, the unallocated rest, the total. */
function ImportAllocation({ orgId, importId }: { orgId: string; importId: string }) {
  const query = useFocusImport(orgId, importId);
  const workspaces = useWorkspaceOptions(orgId);
  const reallocate = useReallocateFocusImport(orgId);
  const names = new Map((workspaces.data ?? []).map((w) => [w.id, w.name]));
  const i = query.data;
  return (
    <QueryState query={query}>
      {i?.allocation && (
        <SectionCard title={`Allocation of ${i.id}`} description={`${i.costColumn}, ${i.rowCount} lines`}>
          {reallocate.error && <ProblemAlert error={reallocate.error} title="Not reallocated" />}
          <Table striped data-testid="focus-allocation">
            <Table.Thead><Table.Tr><Table.Th>Workspace</Table.Th><Table.Th>Project</Table.Th><Table.Th>Lines</Table.Th><Table.Th>Cost</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {i.allocation.byTarget.map((t) => (
                <Table.Tr key={`${t.workspaceId}/${t.projectId ?? ''}`}>
                  <Table.Td>{names.get(t.workspaceId) ?? t.workspaceId}</Table.Td>
                  <Table.Td>{t.projectId ?? ''}</Table.Td>
                  <Table.Td>{t.lines}</Table.Td>
                  <Table.Td>{formatMoney(t.cost, i.currency)}</Table.Td>
                </Table.Tr>
              ))}
              <Table.Tr><Table.Td><Badge color="orange">Unallocated</Badge></Table.Td><Table.Td /><Table.Td>{i.allocation.unallocated.lines}</Table.Td><Table.Td>{formatMoney(i.allocation.unallocated.cost, i.currency)}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td><b>Total</b></Table.Td><Table.Td /><Table.Td>{i.rowCount}</Table.Td><Table.Td><b>{formatMoney(i.allocation.total, i.currency)}</b></Table.Td></Table.Tr>
            </Table.Tbody>
          </Table>
          <Button mt="md" variant="light" onClick={() => reallocate.mutate(i.id)} loading={reallocate.isPending}>Apply current rules again</Button>
        </SectionCard>
      )}
    </QueryState>
  );
}

export function CostBillsPage() {
  const orgId = useOrgId();
  const imports = useFocusImports(orgId);
  const upload = useImportFocusBill(orgId);
  const [file, setFile] = useState<File | null>(null);
  const [costColumn, setCostColumn] = useState<'EffectiveCost' | 'BilledCost'>('EffectiveCost');
  const [selected, setSelected] = useState<string | null>(null);
  const send = async () => {
    if (!file) return;
    upload.mutate({ csv: await file.text(), costColumn }, { onSuccess: (i) => { setSelected(i.id); setFile(null); } });
  };
  return (
    <>
      <PageHeader title="Cloud bills (FOCUS)" description="Import FOCUS 1.x bills; tag rules map their lines to workspaces and projects, and the cost joins the allocation." />
      <SimpleGrid cols={1} spacing="lg">
        <RulesCard orgId={orgId} />
        <SectionCard title="Import a bill" description="A FOCUS CSV in the organization's currency, up to 1 MB. All lines or none; the same file is imported once.">
          {upload.error && <ProblemAlert error={upload.error} title="Bill not imported" />}
          <Group align="flex-end">
            <FileInput label="FOCUS CSV" accept=".csv,text/csv" value={file} onChange={setFile} w={320} data-testid="focus-file" />
            <Select label="Allocate" data={['EffectiveCost', 'BilledCost']} value={costColumn} onChange={(v) => setCostColumn((v as 'EffectiveCost' | 'BilledCost') ?? 'EffectiveCost')} allowDeselect={false} w={180} />
            <Button onClick={() => void send()} disabled={!file} loading={upload.isPending} data-testid="focus-import">Import</Button>
          </Group>
        </SectionCard>
        <SectionCard title="Imported bills">
          <QueryState query={imports}>
            {imports.items.length === 0 ? (
              <Text c="dimmed">No bills imported yet.</Text>
            ) : (
              <Table striped highlightOnHover data-testid="focus-imports">
                <Table.Thead><Table.Tr><Table.Th>Import</Table.Th><Table.Th>Charges</Table.Th><Table.Th>Lines</Table.Th><Table.Th>Billed</Table.Th><Table.Th>Effective</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {imports.items.map((i) => (
                    <Table.Tr key={i.id} onClick={() => setSelected(i.id)} style={{ cursor: 'pointer' }}>
                      <Table.Td><code>{i.id}</code></Table.Td>
                      <Table.Td>{i.chargePeriodStart?.slice(0, 10)} – {i.chargePeriodEnd?.slice(0, 10)}</Table.Td>
                      <Table.Td>{i.rowCount}</Table.Td>
                      <Table.Td>{formatMoney(i.billedTotal, i.currency)}</Table.Td>
                      <Table.Td>{formatMoney(i.effectiveTotal, i.currency)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </QueryState>
        </SectionCard>
        {selected && <ImportAllocation orgId={orgId} importId={selected} />}
      </SimpleGrid>
    </>
  );
}
