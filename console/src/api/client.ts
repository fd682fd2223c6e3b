import { createHexaplaneClient, unwrap, type paths } from '../../../src/sdk/index.ts';

/**
 * The CSRF token of the console session. The session cookie itself is httpOnly; this token
 * (returned at sign-in and by GET /me) must be echoed on every state-changing request.
 * sessionStorage keeps it across reloads of this tab only.
 */
const CSRF_KEY = 'hexaplane.csrf';
let csrfToken: string | null = readStoredCsrf();

function readStoredCsrf(): string | null {
  try {
    return window.sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  try {
    if (token) window.sessionStorage.setItem(CSRF_KEY, token);
    else window.sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // storage may be disabled; the in-memory copy still works for this page
  }
}

/** The typed client generated from the server's OpenAPI document; cookies go along same-origin. */
export const api = createHexaplaneClient({ baseUrl: window.location.origin, csrfToken: () => csrfToken });

/** Awaits an API call and returns its body, or throws the `ApiProblem` the server answered with. */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  return unwrap(await pending);
}

/** `If-Match` for the version the caller read: the server answers 412 if it changed since. */
export function ifMatch(version: number): { headers: { 'if-match': string } } {
  return { headers: { 'if-match': `"v${version}"` } };
}

/** The JSON body an operation accepts. */
export type BodyOf<P extends keyof paths, M extends 'post' | 'put' | 'patch'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The query parameters an operation accepts. */
export type QueryOf<P extends keyof paths, M extends 'get'> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
