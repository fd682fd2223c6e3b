import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.d.ts';

export type { paths, components } from './schema.d.ts';

/** An RFC 9457 problem returned by the API, thrown by `unwrap`. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: { type?: string; title?: string; detail?: string; field?: string; errors?: { field: string; message: string }[] },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export interface HexaplaneClientOptions {
  baseUrl: string;
  /** An API key, `hxp_<id>_<secret>`. */
  apiKey?: string;
  /** For console sessions: the CSRF token returned at sign-in. */
  csrfToken?: () => string | null;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export type HexaplaneClient = Client<paths>;

/** The typed API client used by the CLI, the console and the tests. */
export function createHexaplaneClient(options: HexaplaneClientOptions): HexaplaneClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: options.headers ?? {},
  });
  const auth: Middleware = {
    onRequest({ request }) {
      if (options.apiKey) request.headers.set('authorization', `Bearer ${options.apiKey}`);
      const csrf = options.csrfToken?.();
      if (csrf && request.method !== 'GET') request.headers.set('x-csrf-token', csrf);
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** Returns `data`, or throws the problem the API answered with. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiProblem(result.response.status, (result.error ?? {}) as ApiProblem['problem']);
  }
  return result.data as T;
}
