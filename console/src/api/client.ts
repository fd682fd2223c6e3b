import { ApiProblem, type ProblemBody } from './problem.ts';

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

export function getCsrfToken(): string | null {
  return csrfToken;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** The version the caller read; sent as `If-Match: "v<version>"`. */
  ifMatch?: number;
}

function toSearch(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Calls the API on this origin and returns the JSON body, or throws an `ApiProblem`. */
export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.ifMatch !== undefined) headers['if-match'] = `"v${options.ifMatch}"`;
  const response = await fetch(path + toSearch(options.query), {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? parseJson(text) : undefined;
  if (!response.ok) {
    const problem = (typeof data === 'object' && data !== null ? data : { detail: text || response.statusText }) as ProblemBody;
    throw new ApiProblem(response.status, problem);
  }
  return data as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Encodes a path segment; ids are safe already, but names typed by users may not be. */
export const seg = (value: string): string => encodeURIComponent(value);
