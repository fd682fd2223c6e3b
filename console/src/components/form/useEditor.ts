import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';

/**
 * A create-or-edit modal over a list. It keeps the id, not the object, so the modal gets the
 * freshest version from the list after each change.
 */
export function useEditor<T extends { id: string }>(items: T[] | undefined) {
  const [opened, { open, close }] = useDisclosure(false);
  const [editingId, setEditingId] = useState<string | null>(null);
  return {
    opened,
    close,
    /** The item being edited; null while creating. */
    editing: items?.find((item) => item.id === editingId) ?? null,
    /** Opens the modal on an item, or on a new one with null. */
    edit(item: T | null) {
      setEditingId(item?.id ?? null);
      open();
    },
  };
}
