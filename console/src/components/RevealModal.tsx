import { Button, Group, Modal, Stack } from '@mantine/core';
import { useState, type ReactNode } from 'react';

interface RevealModalProps<T> {
  opened: boolean;
  onClose: () => void;
  title: string;
  /** The title once the result shows. */
  revealTitle: string;
  /** Escape does not close it either while the result shows (a click outside never does). */
  holdOnEscape?: boolean;
  form: (onDone: (result: T) => void, close: () => void) => ReactNode;
  reveal: (result: T, close: () => void) => ReactNode;
}

/** A form whose result (a secret, a one-time link) then shows in its place, once: closing forgets it. */
export function RevealModal<T>({ opened, onClose, title, revealTitle, holdOnEscape = false, form, reveal }: RevealModalProps<T>) {
  const [result, setResult] = useState<T | null>(null);
  function close() {
    setResult(null);
    onClose();
  }
  return (
    <Modal opened={opened} onClose={close} title={result ? revealTitle : title} size="lg" closeOnClickOutside={!result} closeOnEscape={!(holdOnEscape && result)}>
      {result ? reveal(result, close) : opened && form(setResult, close)}
    </Modal>
  );
}

/** What a RevealModal shows once the form is done: the result, and the button that closes it. */
export function RevealPanel({ doneLabel, doneTestId, onDone, children }: { doneLabel: string; doneTestId: string; onDone: () => void; children: ReactNode }) {
  return (
    <Stack>
      {children}
      <Group justify="flex-end">
        <Button onClick={onDone} data-testid={doneTestId}>
          {doneLabel}
        </Button>
      </Group>
    </Stack>
  );
}
