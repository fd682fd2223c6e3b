import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';

export interface FormActionsProps {
  submitLabel: ReactNode;
  submitTestId?: string;
  pending: boolean;
  /** Shows a Cancel button. */
  onCancel?: () => void;
  canSubmit?: boolean;
  /** Something at the start of the row (a hint, a preview button). */
  aside?: ReactNode;
}

/** Cancel and submit at the end of a form. */
export function FormActions({ submitLabel, submitTestId, pending, onCancel, canSubmit = true, aside }: FormActionsProps) {
  const submit = (
    <Button type="submit" loading={pending} disabled={!canSubmit} data-testid={submitTestId}>
      {submitLabel}
    </Button>
  );
  const buttons = onCancel ? (
    <>
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      {submit}
    </>
  ) : (
    submit
  );
  if (aside === undefined) return <Group justify="flex-end">{buttons}</Group>;
  return (
    <Group justify="space-between">
      {aside}
      {/* Cancel and submit stay together at the end. */}
      {onCancel ? <Group>{buttons}</Group> : buttons}
    </Group>
  );
}
