import { Accordion, Badge, Button, Code, Group, List, Loader, Modal, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import { useCreatePolicy, usePolicySchema, usePolicyValidation, useUpdatePolicy } from '../../api/access.ts';
import { problemBody } from '../../api/problem.ts';
import type { Policy, PolicyValidation } from '../../api/types.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ProblemForm } from '../form/ProblemForm.tsx';
import { useProblemForm } from '../form/useProblemForm.ts';
import { ProblemAlert } from '../ProblemAlert.tsx';

/** A working example: labels are Cedar tags on workspaces and projects. */
const example = `// Nobody deletes a workspace labelled env=prod
forbid (
  principal,
  action == Hexaplane::Action::"workspace:delete",
  resource is Hexaplane::Workspace
) when { resource.hasTag("env") && resource.getTag("env") == "prod" };
`;

type PolicyError = PolicyValidation['errors'][number];

function where(e: PolicyError): string {
  if (e.line == null) return '';
  return e.column == null ? `Line ${e.line}: ` : `Line ${e.line}, column ${e.column}: `;
}

/** The outcome of live validation, shown right under the editor. */
function ValidationStatus({ pending, result, saveErrors }: { pending: boolean; result: PolicyValidation | undefined; saveErrors: PolicyError[] }) {
  const errors = saveErrors.length > 0 ? saveErrors : (result?.errors ?? []);
  if (pending) {
    return (
      <Group gap={6} data-testid="policy-validation" data-state="checking">
        <Loader size={14} />
        <Text size="xs" c="dimmed">
          Checking…
        </Text>
      </Group>
    );
  }
  if (errors.length > 0) {
    return (
      <Stack gap={2} data-testid="policy-validation" data-state="invalid">
        <Group gap={6}>
          <IconCircleX size={16} color="var(--mantine-color-red-6)" />
          <Text size="xs" c="red" fw={600}>
            {errors.length} problem{errors.length === 1 ? '' : 's'}
          </Text>
        </Group>
        <List size="xs" spacing={2} c="red">
          {errors.map((e, i) => (
            <List.Item key={i} data-testid="policy-error">
              <Text span size="xs" ff="monospace" c="red">
                {where(e)}
              </Text>
              {e.message}
            </List.Item>
          ))}
        </List>
      </Stack>
    );
  }
  if (result?.valid) {
    return (
      <Group gap={6} data-testid="policy-validation" data-state="valid">
        <IconCircleCheck size={16} color="var(--mantine-color-teal-6)" />
        <Text size="xs" c="teal">
          Valid Cedar, checked against the Hexaplane schema
        </Text>
      </Group>
    );
  }
  return null;
}

function saveErrorsOf(error: unknown): PolicyError[] {
  const errors: unknown = problemBody(error)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is { message: string; field?: string; line?: number; column?: number } => typeof e === 'object' && e !== null && 'message' in e)
    .filter((e) => e.field === undefined || /(^|\.)text$/.test(e.field))
    .map((e) => ({ message: e.message, line: e.line, column: e.column }));
}

function SchemaReference({ orgId }: { orgId: string }) {
  const schema = usePolicySchema(orgId);
  return (
    <Accordion variant="contained" chevronPosition="left">
      <Accordion.Item value="schema">
        <Accordion.Control>
          <Text size="sm">Cedar schema reference</Text>
        </Accordion.Control>
        <Accordion.Panel>
          {schema.isError ? (
            <ProblemAlert error={schema.error} />
          ) : (
            <Code block style={{ maxHeight: 260, overflow: 'auto' }}>
              {schema.data?.cedarSchema ?? 'Loading…'}
            </Code>
          )}
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}

function PolicyForm({ orgId, policy, onDone }: { orgId: string; policy: Policy | null; onDone: () => void }) {
  const create = useCreatePolicy(orgId);
  const update = useUpdatePolicy(orgId);
  const mutation = policy ? update : create;
  const form = useProblemForm(mutation, { name: policy?.name ?? '', description: policy?.description ?? '', enabled: policy?.enabled ?? true, text: policy?.text ?? '' });
  const { name, description, enabled, text } = form.values;
  const [debouncedText] = useDebouncedValue(text, 500);
  const validation = usePolicyValidation(orgId, debouncedText);
  const saveErrors = saveErrorsOf(mutation.error);
  const checking = text !== debouncedText || validation.isFetching;

  function submit() {
    const body = { name: name.trim(), description, text, enabled };
    const onSuccess = (saved: Policy) => {
      notifySuccess(`${saved.name} saved.`, policy ? 'Policy saved' : 'Policy created');
      onDone();
    };
    if (policy) update.mutate({ id: policy.id, version: policy.version, changes: body }, { onSuccess });
    else create.mutate(body, { onSuccess });
  }

  return (
    <ProblemForm
      submission={mutation}
      fields={['name', 'description', 'text', 'enabled']}
      problem={saveErrors.length > 0 ? null : undefined}
      onSubmit={submit}
      onCancel={onDone}
      aside={policy ? <Badge variant="light" color="gray">{`version ${policy.version}`}</Badge> : <span />}
      canSubmit={name.trim() !== '' && text.trim() !== ''}
      submitLabel={policy ? 'Save policy' : 'Create policy'}
      submitTestId="policy-submit"
    >
      <Group grow align="flex-start">
        <TextInput label="Name" required data-autofocus {...form.text('name')} data-testid="policy-name" />
        <TextInput label="Description" {...form.text('description')} data-testid="policy-description" />
      </Group>
      <Stack gap={6}>
        <Textarea
          label="Policy (Cedar)"
          placeholder={example}
          autosize
          minRows={12}
          maxRows={28}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          value={text}
          onChange={(e) => {
            form.set('text', e.currentTarget.value);
            if (mutation.error) mutation.reset();
          }}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13, lineHeight: 1.55 } }}
          error={saveErrors.length === 0 ? form.error('text') : undefined}
          data-testid="policy-text"
        />
        {text.trim() === '' && (
          <Button size="compact-xs" variant="light" w="fit-content" onClick={() => form.set('text', example)} data-testid="policy-example">
            Start from an example
          </Button>
        )}
        <ValidationStatus pending={checking && text.trim() !== ''} result={text.trim() ? validation.data : undefined} saveErrors={saveErrors} />
        {validation.isError && <ProblemAlert error={validation.error} title="Validation is unavailable" />}
      </Stack>
      <SchemaReference orgId={orgId} />
      <Switch label="Enabled" description="Disabled policies are kept but not evaluated" checked={enabled} onChange={(e) => form.set('enabled', e.currentTarget.checked)} data-testid="policy-enabled" />
    </ProblemForm>
  );
}

export function PolicyEditorModal({ orgId, opened, policy, onClose }: { orgId: string; opened: boolean; policy: Policy | null; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={policy ? `Edit ${policy.name}` : 'Create a policy'} size="xl">
      {opened && <PolicyForm key={policy?.version ?? 'new'} orgId={orgId} policy={policy} onDone={onClose} />}
    </Modal>
  );
}
