import { NumberInput, SimpleGrid, TextInput } from '@mantine/core';
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

/** CPU, memory, storage and pod limits as Kubernetes quantities. Errors may name `cpu` or `quota.cpu`. */
export function QuotaFields({ value, onChange, errors = {}, testId = 'quota' }: QuotaFieldsProps) {
  const set = (patch: Partial<QuotaForm>) => onChange({ ...value, ...patch });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
      <TextInput
        label="CPU"
        placeholder="No limit"
        description='Cores, like "8" or "500m"'
        value={value.cpu}
        onChange={(e) => set({ cpu: e.currentTarget.value })}
        error={errorFor(errors, 'cpu', 'quota.cpu')}
        data-testid={`${testId}-cpu`}
      />
      <TextInput
        label="Memory"
        placeholder="No limit"
        description='Bytes, like "32Gi" or "512Mi"'
        value={value.memory}
        onChange={(e) => set({ memory: e.currentTarget.value })}
        error={errorFor(errors, 'memory', 'quota.memory')}
        data-testid={`${testId}-memory`}
      />
      <TextInput
        label="Storage"
        placeholder="No limit"
        description='Bytes, like "1Ti"'
        value={value.storage}
        onChange={(e) => set({ storage: e.currentTarget.value })}
        error={errorFor(errors, 'storage', 'quota.storage')}
        data-testid={`${testId}-storage`}
      />
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
