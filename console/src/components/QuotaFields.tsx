import { Alert, NumberInput, SimpleGrid, TextInput } from '@mantine/core';
import { errorFor } from '../api/problem.ts';
import type { Quota } from '../api/types.ts';

/** The form's view of a quota: text as typed, empty meaning "no limit". */
export interface QuotaForm {
  cpu: string;
  memory: string;
  storage: string;
  pods: number | '';
}

export const emptyQuotaForm: QuotaForm = { cpu: '', memory: '', storage: '', pods: '' };

/** Where a quota problem may point: one limit, or the quota as a whole. */
export const quotaFields = ['cpu', 'memory', 'storage', 'pods', 'quota'];

export function toQuotaForm(quota: Quota): QuotaForm {
  return { cpu: quota.cpu ?? '', memory: quota.memory ?? '', storage: quota.storage ?? '', pods: quota.pods ?? '' };
}

export function fromQuotaForm(form: QuotaForm): Quota {
  const text = (v: string) => (v.trim() === '' ? null : v.trim());
  return { cpu: text(form.cpu), memory: text(form.memory), storage: text(form.storage), pods: form.pods === '' ? null : form.pods };
}

interface QuotaFieldsProps {
  value: QuotaForm;
  onChange: (value: QuotaForm) => void;
  errors?: Record<string, string>;
  testId?: string;
}

const textLimits = [
  { key: 'cpu', label: 'CPU', description: 'Cores, like "8" or "500m"' },
  { key: 'memory', label: 'Memory', description: 'Bytes, like "32Gi" or "512Mi"' },
  { key: 'storage', label: 'Storage', description: 'Bytes, like "1Ti"' },
] as const;

/** CPU, memory, storage and pod limits as Kubernetes quantities. Errors may name `cpu` or `quota.cpu`. */
export function QuotaFields({ value, onChange, errors = {}, testId = 'quota' }: QuotaFieldsProps) {
  const set = (patch: Partial<QuotaForm>) => onChange({ ...value, ...patch });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
      {textLimits.map(({ key, label, description }) => (
        <TextInput
          key={key}
          label={label}
          placeholder="No limit"
          description={description}
          value={value[key]}
          onChange={(e) => set({ [key]: e.currentTarget.value })}
          error={errorFor(errors, key, `quota.${key}`)}
          data-testid={`${testId}-${key}`}
        />
      ))}
      <NumberInput
        label="Pods"
        placeholder="No limit"
        description="Maximum running pods"
        min={0}
        max={1_000_000}
        allowDecimal={false}
        value={value.pods}
        onChange={(v) => set({ pods: typeof v === 'number' ? v : v === '' ? '' : Number(v) })}
        error={errorFor(errors, 'pods', 'quota.pods')}
        data-testid={`${testId}-pods`}
      />
    </SimpleGrid>
  );
}

/** The server's answer when a quota would not fit inside its parent's, or below what is in use. */
export function QuotaDoesNotFit({ message, testId }: { message: string; testId?: string }) {
  return (
    <Alert color="red" variant="light" title="The quota does not fit" data-testid={testId}>
      {message}
    </Alert>
  );
}
