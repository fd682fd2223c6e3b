/**
 * RFC 9457 problem details. Every error the API returns is one of these, with a stable
 * `type` URI that clients may switch on and a human `detail`.
 */
export const PROBLEM_BASE = 'https://hexaplane.dev/problems/';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  field?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: { field?: string; errors?: FieldError[]; [k: string]: unknown } = {},
  ) {
    super(detail);
  }

  body(instance?: string): ProblemBody {
    return {
      type: PROBLEM_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const problems = {
  validation: (errors: FieldError[], detail?: string) =>
    new Problem(400, 'validation', 'Your request is not valid', detail ?? describeFieldErrors(errors), {
      field: errors[0]?.field,
      errors,
    }),
  badRequest: (slug: string, detail: string, field?: string) =>
    new Problem(400, slug, 'Bad request', detail, field ? { field, errors: [{ field, message: detail }] } : {}),
  unauthenticated: (detail = 'Sign in or send an API key to use this endpoint.') =>
    new Problem(401, 'unauthenticated', 'Authentication required', detail),
  forbidden: (action: string, detail?: string) =>
    new Problem(403, 'forbidden', 'Not allowed', detail ?? `You are not allowed to ${action}.`, { action }),
  csrf: () =>
    new Problem(403, 'csrf', 'Missing or wrong CSRF token', 'Send the x-csrf-token header given at sign-in.'),
  notFound: (what: string, id?: string) =>
    new Problem(404, 'not-found', 'Not found', id ? `No ${what} ${id} here.` : `No such ${what} here.`),
  conflict: (slug: string, detail: string, field?: string) =>
    new Problem(409, slug, 'Conflict', detail, field ? { field } : {}),
  preconditionFailed: (detail = 'The resource changed since you read it; fetch it again and retry with its new ETag.') =>
    new Problem(412, 'precondition-failed', 'Precondition failed', detail, { field: 'if-match' }),
  unprocessable: (slug: string, detail: string, field?: string) =>
    new Problem(422, slug, 'Unprocessable request', detail, field ? { field, errors: [{ field, message: detail }] } : {}),
  tooManyRequests: (retryAfterSeconds: number) =>
    new Problem(429, 'rate-limited', 'Too many requests', `Slow down; retry after ${retryAfterSeconds} s.`, {
      retryAfter: retryAfterSeconds,
    }),
  locked: (detail: string) => new Problem(423, 'locked', 'Locked', detail),
};

function describeFieldErrors(errors: FieldError[]): string {
  if (errors.length === 0) return 'The request is not valid.';
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.field}: ${first.message}${more}`;
}
