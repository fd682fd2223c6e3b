import { Modal, type ModalProps } from '@mantine/core';
import { ProblemForm, type ProblemFormProps } from './ProblemForm.tsx';

type FormModalProps = Pick<ModalProps, 'opened' | 'onClose' | 'title' | 'size'> & Omit<ProblemFormProps, 'onCancel'>;

/** A modal that is one form; Cancel closes it. */
export function FormModal({ opened, onClose, title, size = 'lg', ...form }: FormModalProps) {
  return (
    <Modal opened={opened} onClose={onClose} title={title} size={size}>
      <ProblemForm onCancel={onClose} {...form} />
    </Modal>
  );
}
