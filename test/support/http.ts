import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './app.ts';

/** How a test caller authenticates: a console session (cookie + CSRF) or an API key. */
export type Credentials =
  | { kind: 'session'; cookie: string; csrfToken: string; userId: string }
  | { kind: 'apiKey'; token: string; keyId: string }
  | { kind: 'anonymous' };

export interface CallOptions {
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call(
  app: FastifyInstance,
  who: Credentials,
  method: string,
  url: string,
  options: CallOptions = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'user-agent': 'hexaplane-tests', ...options.headers };
  if (who.kind === 'session') {
    headers.cookie = who.cookie;
    if (method !== 'GET') headers['x-csrf-token'] = who.csrfToken;
  } else if (who.kind === 'apiKey') {
    headers.authorization = `Bearer ${who.token}`;
  }
  return app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(options.query ? { query: options.query } : {}),
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
}

/** Calls and returns the JSON body, failing the test with the problem when the status differs. */
export async function expectJson<T = any>(
  app: FastifyInstance,
  who: Credentials,
  method: string,
  url: string,
  status: number,
  options: CallOptions = {},
): Promise<T> {
  const res = await call(app, who, method, url, options);
  if (res.statusCode !== status) {
    throw new Error(`${method} ${url}: expected ${status}, got ${res.statusCode}: ${res.body}`);
  }
  return (res.body ? res.json() : undefined) as T;
}

export async function signIn(app: FastifyInstance, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<Credentials & { kind: 'session' }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password }, headers: { 'user-agent': 'hexaplane-tests' } });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${email} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'hxp_session');
  if (!cookie) throw new Error('sign-in set no hxp_session cookie');
  const body = res.json() as { csrfToken: string; user: { id: string } };
  return { kind: 'session', cookie: `hxp_session=${cookie.value}`, csrfToken: body.csrfToken, userId: body.user.id };
}
