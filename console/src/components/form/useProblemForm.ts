import { useState, type ChangeEvent } from 'react';
import { errorFor, fieldErrors } from '../../api/problem.ts';

type TextKey<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V] & string;

interface Submission {
  error: unknown;
  reset?: () => void;
}

/**
 * A form's values, with the problem of the request it sends mapped onto its fields
 * (`errors[].field`). Each field's key is the body field the server names in its errors.
 */
export function useProblemForm<V extends object>(submission: Submission, initial: V) {
  const [values, setValues] = useState<V>(initial);
  const errors = fieldErrors(submission.error);

  function set<K extends keyof V>(key: K, value: V[K]) {
    setValues((current) => ({ ...current, [key]: value }));
  }

  return {
    values,
    errors,
    set,
    error: (...names: string[]) => errorFor(errors, ...names),
    /** `value`, `onChange` and `error` of a text input or textarea. */
    text: <K extends TextKey<V>>(key: K) => ({
      value: values[key] as string,
      onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(key, event.currentTarget.value as V[K]),
      error: errorFor(errors, key),
    }),
    /** `value`, `onChange` and `error` of an input that reports its value (select, number input). */
    field: <K extends keyof V & string>(key: K) => ({ value: values[key], onChange: (value: V[K]) => set(key, value), error: errorFor(errors, key) }),
    /** Back to the initial values, and forget the last problem. */
    reset() {
      setValues(initial);
      submission.reset?.();
    },
  };
}
