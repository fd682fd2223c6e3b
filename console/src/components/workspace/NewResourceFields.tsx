import { Collapse, Stack, Switch, Text, Textarea } from '@mantine/core';
import { useNameAndSlug } from '../../lib/useNameAndSlug.ts';
import { NameSlugFields } from '../form/NameSlugFields.tsx';
import { useProblemForm } from '../form/useProblemForm.ts';
import { LabelsEditor, fromLabelRows, type LabelRow } from '../LabelsEditor.tsx';
import { QuotaFields, emptyQuotaForm, fromQuotaForm } from '../QuotaFields.tsx';

const blank = { description: '', labels: [] as LabelRow[], withQuota: false, quota: emptyQuotaForm };

/** A new workspace's or project's form: name and slug, description, labels, and a quota if asked for. */
export function useNewResourceForm(submission: { error: unknown; reset: () => void }) {
  const names = useNameAndSlug();
  const form = useProblemForm(submission, blank);
  const { description, labels, withQuota, quota } = form.values;
  return {
    names,
    form,
    body: () => ({ name: names.name.trim(), slug: names.slug, description, labels: fromLabelRows(labels), ...(withQuota ? { quota: fromQuotaForm(quota) } : {}) }),
    reset() {
      names.reset();
      form.reset();
    },
  };
}

interface NewResourceFieldsProps {
  state: ReturnType<typeof useNewResourceForm>;
  /** Prefix of every field's test id. */
  testId: string;
  slugDescription: string;
  namePlaceholder?: string;
  descriptionMaxRows?: number;
  quotaHint?: string;
}

export function NewResourceFields({ state: { names, form }, testId, slugDescription, namePlaceholder, descriptionMaxRows, quotaHint }: NewResourceFieldsProps) {
  const quota = <QuotaFields value={form.values.quota} onChange={(value) => form.set('quota', value)} errors={form.errors} testId={`${testId}-quota`} />;
  return (
    <>
      <NameSlugFields names={names} errors={form.errors} testId={testId} slugDescription={slugDescription} namePlaceholder={namePlaceholder} autoFocus />
      <Textarea label="Description" autosize minRows={2} maxRows={descriptionMaxRows} {...form.text('description')} data-testid={`${testId}-description`} />
      <LabelsEditor rows={form.values.labels} onChange={(rows) => form.set('labels', rows)} errors={form.errors} testId={`${testId}-labels`} />
      <Switch label="Set a resource quota now" checked={form.values.withQuota} onChange={(e) => form.set('withQuota', e.currentTarget.checked)} data-testid={`${testId}-quota-toggle`} />
      <Collapse in={form.values.withQuota}>
        {quotaHint ? (
          <Stack gap="xs">
            <Text size="xs" c="dimmed">
              {quotaHint}
            </Text>
            {quota}
          </Stack>
        ) : (
          quota
        )}
      </Collapse>
    </>
  );
}
