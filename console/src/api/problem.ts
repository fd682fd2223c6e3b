/**
 * Errors from the API are RFC 9457 problems. The console reads `detail` for messages and
 * `errors[].field` to put a message under the form field it concerns.
 */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  errors?: { field: string; message: string }[];
  retryAfter?: number;
  [extension: string]: unknown;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export function isProblem(error: unknown, status?: number): error is ApiProblem {
  return error instanceof ApiProblem && (status === undefined || error.status === status);
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
  const entries = error.problem.errors ?? (error.problem.field ? [{ field: error.problem.field, message: error.problem.detail ?? 'is not valid' }] : []);
  for (const { field, message } of entries) {
    const key = field.replace(/^body\.?/, '');
    if (key && !(key in out)) out[key] = message;
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
