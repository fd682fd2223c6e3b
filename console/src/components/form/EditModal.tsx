import { Modal, type ModalProps } from '@mantine/core';
import { Fragment, type ReactNode } from 'react';

interface EditModalProps<T> extends Pick<ModalProps, 'onClose' | 'size'> {
  /** What is being edited; null keeps the modal closed. */
  item: T | null;
  title: string | ((item: T) => string);
  children: (item: T) => ReactNode;
}

/** A modal editing one item; its form mounts afresh on each new version, so it shows what the server holds now. */
export function EditModal<T extends { version: number }>({ item, onClose, title, size, children }: EditModalProps<T>) {
  return (
    <Modal opened={item !== null} onClose={onClose} title={item === null ? '' : typeof title === 'string' ? title : title(item)} size={size}>
      {item && <Fragment key={item.version}>{children(item)}</Fragment>}
    </Modal>
  );
}
