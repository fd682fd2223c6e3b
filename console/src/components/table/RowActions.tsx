import { Button, Group } from '@mantine/core';
import { ConfirmButton, type ConfirmButtonProps } from '../ConfirmButton.tsx';
import type { Column } from './DataTable.tsx';

export interface RowAction {
  label: string;
  onClick: () => void;
  testId: string;
}

/** A button that asks before it acts (delete, revoke). */
export type ConfirmAction = Omit<ConfirmButtonProps, 'children'> & { label: string };

interface RowActionsProps {
  actions: RowAction[];
  /** The last button. */
  confirm?: ConfirmAction;
}

function ConfirmActionButton({ label, ...props }: ConfirmAction) {
  return <ConfirmButton {...props}>{label}</ConfirmButton>;
}

/** The buttons at the end of a table row. */
export function RowActions({ actions, confirm }: RowActionsProps) {
  return (
    <Group gap={4} justify="flex-end" wrap="nowrap">
      {actions.map((action) => (
        <Button key={action.testId} size="xs" variant="subtle" onClick={action.onClick} data-testid={action.testId}>
          {action.label}
        </Button>
      ))}
      {confirm && <ConfirmActionButton {...confirm} />}
    </Group>
  );
}

/** A last column of row buttons; `false` leaves a row without any. */
export function actionsColumn<T>(actionsOf: (row: T) => RowActionsProps | false): Column<T> {
  return {
    cell: (row) => {
      const props = actionsOf(row);
      return props && <RowActions {...props} />;
    },
  };
}

/** A last column holding a single button that asks first, at the right; `false` leaves a row without it. */
export function confirmColumn<T>(confirmOf: (row: T) => ConfirmAction | false): Column<T> {
  return {
    td: { ta: 'right' },
    cell: (row) => {
      const confirm = confirmOf(row);
      return confirm && <ConfirmActionButton {...confirm} />;
    },
  };
}

/** The usual confirmation before deleting a named thing: "Delete <name>?", then "<name> was deleted." */
export function deleteConfirm({ name, noun, message, onConfirm, testId }: { name: string; noun: string; message: string; onConfirm: () => Promise<unknown>; testId: string }): ConfirmAction {
  return { label: 'Delete', title: `Delete ${name}?`, message, confirmLabel: `Delete ${noun}`, onConfirm, notice: `${name} was deleted.`, testId };
}
