import { Badge, Checkbox, Code, Group, Modal, Paper, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconMask } from '@tabler/icons-react';
import { useState } from 'react';
import { useCreatePiiRule, useDeletePiiRule, usePiiPreview, usePiiRules, useUpdatePiiRule, type PiiRuleInput } from '../api/compliance.ts';
import { useOrgId } from '../api/org.ts';
import type { PiiRule } from '../api/types.ts';
import { CreateButton } from '../components/CreateButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { EditModal } from '../components/form/EditModal.tsx';
import { ProblemForm } from '../components/form/ProblemForm.tsx';
import { useProblemForm } from '../components/form/useProblemForm.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryState } from '../components/ProblemAlert.tsx';
import type { Column } from '../components/table/DataTable.tsx';
import { ResourceTable } from '../components/table/ResourceTable.tsx';
import { actionsColumn, deleteConfirm } from '../components/table/RowActions.tsx';
import { notifySuccess } from '../lib/notify.ts';

type AppliesTo = PiiRule['appliesTo'];
type Detector = PiiRule['detector'];

const detectorOptions: Array<{ value: Detector; label: string }> = [
  { value: 'email', label: 'E-mail addresses' },
  { value: 'phone', label: 'Phone numbers' },
  { value: 'payment-card', label: 'Payment card numbers (Luhn-checked)' },
  { value: 'my-number', label: 'My Numbers (Japan, check digit)' },
  { value: 'iban', label: 'IBANs' },
  { value: 'ip-address', label: 'IP addresses' },
];
const modeOptions = [
  { value: 'write', label: 'At write — masked before it is stored and sealed (for good)' },
  { value: 'read', label: 'At read — stored in the clear, masked when read or exported' },
];
const styleOptions = [
  { value: 'redact', label: 'Redact — [email]' },
  { value: 'partial', label: 'Partial — ***@example.com, [card ****1111]' },
  { value: 'hash', label: 'Hash — the same keyed token for the same value' },
];
const places: Array<{ key: keyof Omit<AppliesTo, 'fields'>; label: string }> = [
  { key: 'payload', label: 'Before/after values' },
  { key: 'targetName', label: 'Target name' },
  { key: 'actorName', label: 'Actor name' },
  { key: 'actorIp', label: 'Actor IP address' },
  { key: 'reason', label: 'Reason' },
];

interface RuleForm {
  name: string;
  detector: Detector;
  mode: PiiRule['mode'];
  style: PiiRule['style'];
  defaultCountry: string;
  enabled: boolean;
  appliesTo: AppliesTo;
}

const newRule: RuleForm = {
  name: '',
  detector: 'email',
  mode: 'read',
  style: 'partial',
  defaultCountry: '',
  enabled: true,
  appliesTo: { payload: true, fields: [], targetName: false, actorName: false, actorIp: false, reason: false },
};

function bodyOf(values: RuleForm): PiiRuleInput {
  return {
    name: values.name.trim(),
    detector: values.detector,
    mode: values.mode,
    style: values.style,
    defaultCountry: values.detector === 'phone' && values.defaultCountry.trim() ? values.defaultCountry.trim().toUpperCase() : null,
    enabled: values.enabled,
    appliesTo: values.appliesTo,
  };
}

function RuleFormView({ orgId, rule, onDone }: { orgId: string; rule: PiiRule | null; onDone: () => void }) {
  const create = useCreatePiiRule(orgId);
  const update = useUpdatePiiRule(orgId);
  const mutation = rule ? update : create;
  const form = useProblemForm<RuleForm>(mutation, rule ? { ...rule, defaultCountry: rule.defaultCountry ?? '' } : newRule);
  const v = form.values;
  const setPlace = (key: keyof AppliesTo, value: boolean | string[]) => form.set('appliesTo', { ...v.appliesTo, [key]: value });

  function submit() {
    const body = bodyOf(v);
    const onSuccess = () => {
      notifySuccess(rule ? 'Rule saved.' : `${body.name} was created.`);
      onDone();
    };
    if (rule) update.mutate({ id: rule.id, version: rule.version, changes: body }, { onSuccess });
    else create.mutate(body, { onSuccess });
  }

  return (
    <ProblemForm
      submission={mutation}
      fields={['name', 'detector', 'mode', 'style', 'defaultCountry', 'appliesTo', 'enabled']}
      onSubmit={submit}
      onCancel={onDone}
      submitLabel={rule ? 'Save' : 'Create rule'}
      submitTestId="pii-rule-submit"
    >
      <TextInput label="Name" required data-autofocus {...form.text('name')} data-testid="pii-rule-name" />
      <Select label="Finds" data={detectorOptions} allowDeselect={false} {...form.field('detector')} onChange={(d) => d && form.set('detector', d as Detector)} data-testid="pii-rule-detector" />
      {v.detector === 'phone' && (
        <TextInput label="Default country" description="For numbers written without +<country code>, e.g. JP" maxLength={2} {...form.text('defaultCountry')} data-testid="pii-rule-country" />
      )}
      <Select label="When" data={modeOptions} allowDeselect={false} value={v.mode} onChange={(m) => m && form.set('mode', m as RuleForm['mode'])} error={form.error('mode')} data-testid="pii-rule-mode" />
      <Select label="Masked as" data={styleOptions} allowDeselect={false} value={v.style} onChange={(s) => s && form.set('style', s as RuleForm['style'])} error={form.error('style')} data-testid="pii-rule-style" />
      <Stack gap={6}>
        <Text size="sm" fw={500}>
          Where in audit events
        </Text>
        <SimpleGrid cols={2} spacing={6}>
          {places.map((p) => (
            <Checkbox key={p.key} label={p.label} checked={v.appliesTo[p.key]} onChange={(e) => setPlace(p.key, e.currentTarget.checked)} data-testid={`pii-rule-where-${p.key}`} />
          ))}
        </SimpleGrid>
        {v.appliesTo.payload && (
          <TagsInput
            label="Only these JSON fields"
            description="Leave empty for every string value of before/after"
            value={v.appliesTo.fields}
            onChange={(fields) => setPlace('fields', fields)}
            error={form.error('appliesTo.fields', 'appliesTo')}
            data-testid="pii-rule-fields"
          />
        )}
      </Stack>
      <Switch label="Enabled" checked={v.enabled} onChange={(e) => form.set('enabled', e.currentTarget.checked)} data-testid="pii-rule-enabled" />
    </ProblemForm>
  );
}

function PreviewBox({ orgId }: { orgId: string }) {
  const [text, setText] = useState('Refund to alice@example.com, card 4111 1111 1111 1111, phone +81 3-1234-5678, IBAN DE89 3704 0044 0532 0130 00');
  const [debounced] = useDebouncedValue(text, 300);
  const preview = usePiiPreview(orgId, debounced.trim() ? { text: debounced } : null);
  const found = preview.data?.matches.filter((m) => m.count > 0) ?? [];
  return (
    <Paper p="md" mt="lg" withBorder>
      <Title order={5} mb="xs">
        Preview
      </Title>
      <Textarea label="Sample text" autosize minRows={2} value={text} onChange={(e) => setText(e.currentTarget.value)} data-testid="pii-preview-input" />
      <QueryState query={preview}>
        {preview.data && (
          <Stack gap={6} mt="sm">
            <Text size="sm">
              Stored: <Code data-testid="pii-preview-stored">{String(preview.data.stored)}</Code>
            </Text>
            <Text size="sm">
              Shown to readers: <Code data-testid="pii-preview-masked">{String(preview.data.masked)}</Code>
            </Text>
            <Group gap={6}>
              {found.map((m) => (
                <Badge key={m.ruleName} variant="light" color={m.mode === 'write' ? 'grape' : 'blue'} tt="none">
                  {m.ruleName}: {m.count}
                </Badge>
              ))}
            </Group>
          </Stack>
        )}
      </QueryState>
    </Paper>
  );
}

export function PiiRulesPage() {
  const orgId = useOrgId();
  const rules = usePiiRules(orgId);
  const remove = useDeletePiiRule(orgId);
  const [creating, { open, close }] = useDisclosure(false);
  const [editingId, setEditingId] = useState<string | null>(null);
  const find = (id: string | null) => rules.data?.find((r) => r.id === id) ?? null;

  const columns: Column<PiiRule>[] = [
    { header: 'Name', cell: (r) => r.name, td: { fw: 600 } },
    { header: 'Finds', cell: (r) => detectorOptions.find((d) => d.value === r.detector)?.label ?? r.detector },
    { header: 'When', cell: (r) => <Badge variant="light" color={r.mode === 'write' ? 'grape' : 'blue'}>{`at ${r.mode}`}</Badge> },
    { header: 'Style', cell: (r) => r.style },
    {
      header: 'Where',
      cell: (r) => (
        <Text size="sm" c="dimmed">
          {places.filter((p) => r.appliesTo[p.key]).map((p) => p.label).join(', ') || '—'}
          {r.appliesTo.fields.length ? ` (${r.appliesTo.fields.join(', ')})` : ''}
        </Text>
      ),
    },
    { header: 'Enabled', cell: (r) => (r.enabled ? 'yes' : 'no') },
    actionsColumn((r) => ({
      actions: [{ label: 'Edit', onClick: () => setEditingId(r.id), testId: 'pii-rule-edit' }],
      confirm: deleteConfirm({ name: r.name, noun: 'rule', message: 'Events already stored stay as they are.', onConfirm: () => remove.mutateAsync(r.id), testId: 'pii-rule-delete' }),
    })),
  ];

  return (
    <>
      <PageHeader
        title="PII masking"
        description="Rules that mask personal data in audit events, logs and exports. Write rules mask before an event is stored and sealed; read rules mask what readers without audit:read-unmasked see."
        actions={
          <CreateButton onClick={open} testId="pii-rule-create">
            Add rule
          </CreateButton>
        }
      />
      <ResourceTable
        query={rules}
        rows={rules.data ?? []}
        columns={columns}
        rowKey={(r) => r.id}
        rowProps={(r) => ({ 'data-testid': 'pii-rule-row', 'data-id': r.id })}
        minWidth={800}
        empty={
          <EmptyState icon={<IconMask size={24} />} title="No rules">
            Nothing is masked in this organization. Add a rule to mask e-mail addresses, card numbers and more.
          </EmptyState>
        }
      />
      <PreviewBox orgId={orgId} />
      <Modal opened={creating} onClose={close} title="Add a PII masking rule" size="lg">
        {creating && <RuleFormView orgId={orgId} rule={null} onDone={close} />}
      </Modal>
      <EditModal item={find(editingId)} onClose={() => setEditingId(null)} title="Edit PII masking rule">
        {(rule) => <RuleFormView orgId={orgId} rule={rule} onDone={() => setEditingId(null)} />}
      </EditModal>
    </>
  );
}
