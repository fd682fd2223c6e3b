import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { notifySuccess } from '../lib/notify.ts';
import { ProblemAlert } from './ProblemAlert.tsx';

export interface ConfirmButtonProps {
  children: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  /** Said once `onConfirm` has succeeded. */
  notice?: string;
  testId?: string;
  color?: string;
  buttonProps?: ButtonProps;
  disabled?: boolean;
}

/** A button that asks before doing something that cannot be undone, and shows why it failed if it does. */
export function ConfirmButton({ children, title, message, confirmLabel, onConfirm, notice, testId, color = 'red', buttonProps, disabled }: ConfirmButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      if (notice) notifySuccess(notice);
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button size="xs" variant="subtle" color={color} onClick={open} data-testid={testId} disabled={disabled} {...buttonProps}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm" component="div">
            {message}
          </Text>
          <ProblemAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color={color} loading={busy} onClick={() => void confirm()} data-testid={testId ? `${testId}-confirm` : 'confirm'}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
