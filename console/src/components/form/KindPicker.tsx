import { Input, SegmentedControl, Stack } from '@mantine/core';
import type { ReactNode } from 'react';

interface KindPickerProps {
  label: string;
  description?: string;
  error: string | undefined;
  kinds: { value: string; label: string }[];
  kind: string;
  onKind: (kind: string) => void;
  disabled?: boolean;
  testId: string;
  children: ReactNode;
}

/** A kind to choose first (user or group, workspace or project), then the one of that kind. */
export function KindPicker({ label, description, error, kinds, kind, onKind, disabled, testId, children }: KindPickerProps) {
  return (
    <Input.Wrapper label={label} description={description} error={error}>
      <Stack gap="xs" mt={4}>
        <SegmentedControl data={kinds} value={kind} disabled={disabled} onChange={onKind} data-testid={testId} />
        {children}
      </Stack>
    </Input.Wrapper>
  );
}
