import { ActionIcon, Badge, Button, Group, Input, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { errorFor } from '../api/problem.ts';

export interface LabelRow {
  key: string;
  value: string;
}

export function toLabelRows(labels: Record<string, string>): LabelRow[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

/** Rows with an empty key are drafts the user has not filled in; they are left out. */
export function fromLabelRows(rows: LabelRow[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const row of rows) if (row.key.trim()) labels[row.key.trim()] = row.value.trim();
  return labels;
}

const labelParts = [
  { part: 'key', placeholder: 'key, e.g. team', label: 'Label key' },
  { part: 'value', placeholder: 'value, e.g. payments', label: 'Label value' },
] as const;

interface LabelsEditorProps {
  rows: LabelRow[];
  onChange: (rows: LabelRow[]) => void;
  errors?: Record<string, string>;
  testId?: string;
}

/** Key/value label editor; server errors for `labels.<key>` show under that row. */
export function LabelsEditor({ rows, onChange, errors = {}, testId = 'labels' }: LabelsEditorProps) {
  const update = (index: number, patch: Partial<LabelRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const remove = (index: number) => onChange(rows.filter((_, i) => i !== index));
  const general = errors['labels'];

  return (
    <Input.Wrapper label="Labels" description="Kubernetes-style key/value pairs, used for filtering and policies" error={general}>
      <Stack gap="xs" mt={6} data-testid={testId}>
        {rows.map((row, index) => {
          const rowError = row.key ? errorFor(errors, `labels.${row.key.trim()}`) : undefined;
          return (
            <Stack key={index} gap={2}>
              <Group gap="xs" wrap="nowrap">
                {labelParts.map(({ part, placeholder, label }) => (
                  <TextInput
                    key={part}
                    placeholder={placeholder}
                    value={row[part]}
                    onChange={(e) => update(index, { [part]: e.currentTarget.value })}
                    aria-label={label}
                    data-testid={`${testId}-${part}-${index}`}
                    style={{ flex: 1 }}
                    error={Boolean(rowError)}
                  />
                ))}
                <ActionIcon variant="subtle" color="gray" onClick={() => remove(index)} aria-label="Remove label">
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
              {rowError && (
                <Text size="xs" c="red">
                  {rowError}
                </Text>
              )}
            </Stack>
          );
        })}
        <Group>
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() => onChange([...rows, { key: '', value: '' }])}
            data-testid={`${testId}-add`}
          >
            Add label
          </Button>
        </Group>
      </Stack>
    </Input.Wrapper>
  );
}

export function LabelBadges({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  return (
    <Group gap={4}>
      {entries.map(([key, value]) => (
        <Badge key={key} variant="light" color="gray" radius="sm" tt="none" fw={500}>
          {key}={value}
        </Badge>
      ))}
    </Group>
  );
}
