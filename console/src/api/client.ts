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

/**
 * Step-up (ADR 0013): a sensitive action answers 403 `step-up-required` when the session's second
 * factor is older than the organization allows. Every call goes through `fetchWithStepUp`, so the
 * console asks once — wherever the call came from — and retries the call after the user proved a
 * factor; calls that fail that way at the same time share the one prompt.
 */
export const STEP_UP_PROBLEM = 'https://hexaplane.dev/problems/step-up-required';
const STEP_UP_PATH = '/api/v1/me/step-up';

/** Shows the prompt; true once a factor was proved, false when the user gave up. */
export type StepUpHandler = (problem: { detail?: string; maxAgeSeconds?: number }) => Promise<boolean>;
let stepUpHandler: StepUpHandler | null = null;
let pendingStepUp: Promise<boolean> | null = null;

export function setStepUpHandler(handler: StepUpHandler | null): void {
  stepUpHandler = handler;
}

async function stepUpProblemOf(response: Response): Promise<{ detail?: string; maxAgeSeconds?: number } | null> {
  if (response.status !== 403 || !response.headers.get('content-type')?.includes('json')) return null;
  const body = (await response.clone().json().catch(() => null)) as { type?: string; detail?: string; maxAgeSeconds?: number } | null;
  return body?.type === STEP_UP_PROBLEM ? body : null;
}

async function fetchWithStepUp(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  // The body can be read once: keep a copy for the retry.
  const retry = request.clone();
  const response = await fetch(request);
  if (!stepUpHandler || new URL(request.url).pathname === STEP_UP_PATH) return response;
  const problem = await stepUpProblemOf(response);
  if (!problem) return response;
  pendingStepUp ??= stepUpHandler(problem).finally(() => {
    pendingStepUp = null;
  });
  if (!(await pendingStepUp)) return response;
  return fetch(retry);
}

/** The typed client generated from the server's OpenAPI document; cookies go along same-origin. */
export const api = createHexaplaneClient({ baseUrl: window.location.origin, csrfToken: () => csrfToken, fetch: fetchWithStepUp });

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
