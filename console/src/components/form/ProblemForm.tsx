import { Stack } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';
import { onlyFieldErrors } from '../../api/problem.ts';
import { ProblemAlert } from '../ProblemAlert.tsx';
import { FormActions, type FormActionsProps } from './FormActions.tsx';

export interface ProblemFormProps extends Omit<FormActionsProps, 'pending'> {
  /** The request the form sends. */
  submission: { isPending: boolean; error: unknown };
  /** The fields the form shows errors under; a problem naming anything else shows as a banner. */
  fields: string[];
  onSubmit: () => void;
  /** Replaces the banner, for problems the form explains itself; null shows none. */
  problem?: ReactNode;
  children: ReactNode;
}

/** A form that sends one request and shows its problem: under the fields it names, or as a banner. */
export function ProblemForm({ submission, fields, onSubmit, problem, children, ...actions }: ProblemFormProps) {
  function submit(event: FormEvent) {
    event.preventDefault();
    onSubmit();
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {children}
        {problem === undefined ? !onlyFieldErrors(submission.error, fields) && <ProblemAlert error={submission.error} /> : problem}
        <FormActions pending={submission.isPending} {...actions} />
      </Stack>
    </form>
  );
}
