import { ApiProblem } from '../../../src/sdk/index.ts';

export { ApiProblem };

/**
 * Errors from the API are RFC 9457 problems. The console reads `detail` for messages and
 * `errors[].field` to put a message under the form field it concerns.
 */
export type ProblemBody = ApiProblem['problem'] & { status?: number; retryAfter?: number; [extension: string]: unknown };

export function isProblem(error: unknown, status?: number): error is ApiProblem {
  return error instanceof ApiProblem && (status === undefined || error.status === status);
}

/** The whole problem body, extensions included (`retryAfter`, policy `errors` with lines). */
export function problemBody(error: unknown): ProblemBody | null {
  return error instanceof ApiProblem ? (error.problem as ProblemBody) : null;
}

/** A human sentence for any error a query or mutation may throw. */
export function problemMessage(error: unknown): string {
  if (error instanceof ApiProblem) return error.problem.detail ?? error.problem.title ?? error.message;
  if (error instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/**
 * Field errors keyed by the form field they concern. The server names body fields
 * `body.<path>` (schema validation) or `<path>` (service rules); both map to `<path>`.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiProblem)) return {};
  const out: Record<string, string> = {};
  const { errors, field, detail } = error.problem;
  const entries = errors ?? (field ? [{ field, message: detail ?? 'is not valid' }] : []);
  for (const entry of entries) {
    if (typeof entry?.field !== 'string') continue;
    const key = entry.field.replace(/^body\.?/, '');
    if (key && !(key in out)) out[key] = entry.message;
  }
  return out;
}

/** The first field error whose path is one of `names` or lies under one of them. */
export function errorFor(errors: Record<string, string>, ...names: string[]): string | undefined {
  for (const name of names) {
    if (errors[name]) return errors[name];
    const nested = Object.keys(errors).find((k) => k.startsWith(`${name}.`));
    if (nested) return errors[nested];
  }
  return undefined;
}

/** True when every field the problem names has a place in the form, so no banner is needed. */
export function onlyFieldErrors(error: unknown, known: string[]): boolean {
  const keys = Object.keys(fieldErrors(error));
  return keys.length > 0 && keys.every((k) => known.some((n) => k === n || k.startsWith(`${n}.`)));
}
