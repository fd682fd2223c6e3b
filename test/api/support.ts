import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { call, type Credentials } from '../support/http.ts';
import type { Example } from '../support/examples.ts';
import { examples } from '../support/examples.ts';
import type { World } from '../support/world.ts';
import { describe as describeOp, urlOf, type Operation } from './openapi.ts';

/**
 * The suites generated from the OpenAPI document run every operation in one test: their time
 * grows with the API, and a busy CI machine is slower, so they get more than the default.
 */
export const GENERATED_SUITE_TIMEOUT_MS = 300_000;

export interface RequestShape {
  params: Record<string, string>;
  query?: Record<string, string>;
  /** A JS value sent as JSON, unless `rawBody` is given. */
  body?: unknown;
  /** Sent as-is (malformed JSON, another media type); needs a content-type header. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Sends an operation's request through `app.inject` (no network). */
export async function send(world: World, who: Credentials, op: Operation, request: RequestShape, rawUrl?: string): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...request.headers };
  let body: unknown;
  if (request.rawBody !== undefined) {
    body = request.rawBody;
  } else if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  return call(world.t.app, who, op.method, rawUrl ?? urlOf(op, request.params), {
    ...(request.query ? { query: request.query } : {}),
    ...(body !== undefined ? { body } : {}),
    headers,
  });
}

/** The example for an operation, or a message saying why there is none. */
export async function exampleFor(world: World, op: Operation): Promise<Example | string> {
  const build = examples[op.operationId];
  if (!build) return `${describeOp(op)}: no example in test/support/examples.ts`;
  try {
    return await build(world);
  } catch (error) {
    return `${describeOp(op)}: building the example failed: ${(error as Error).message}`;
  }
}

/**
 * The secrets of A that a response (body or headers) contains, ignoring those the request
 * itself carries (`requestText`: its URL, and its query and body where they name A's ids).
 */
export function leakedSecrets(world: World, response: LightMyRequestResponse, requestText: string): string[] {
  const secrets = [world.orgA.id, ...world.secretsOfA()];
  const text = `${response.body}\n${JSON.stringify(response.headers)}`;
  return [...new Set(secrets)].filter(
    (s) => s.length >= 4 && !requestText.includes(s) && !requestText.includes(encodeURIComponent(s)) && text.includes(s),
  );
}

const ID = /^[a-z]+_[0-9a-z]{26}$/;

/** The ids of A's resources a request names outside its `orgId`: where a tenant could confuse them. */
export function idsOfAIn(world: World, request: RequestShape): { inPath: string[]; inQuery: string[]; inBody: string[] } {
  const ids = [world.orgA.id, ...world.secretsOfA()].filter((s) => ID.test(s));
  const pathValues = Object.entries(request.params).filter(([k]) => k !== 'orgId').map(([, v]) => v);
  const queryText = JSON.stringify(request.query ?? {});
  const bodyText = JSON.stringify(request.body ?? null);
  return {
    inPath: ids.filter((id) => pathValues.includes(id)),
    inQuery: ids.filter((id) => queryText.includes(id)),
    inBody: ids.filter((id) => bodyText.includes(id)),
  };
}

export function snippet(response: LightMyRequestResponse): string {
  const body = response.body.length > 300 ? `${response.body.slice(0, 300)}...` : response.body;
  return `${response.statusCode} ${body}`;
}

export interface ProblemJson {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  field?: unknown;
  errors?: { field: string; message: string }[];
}

export function problemOf(response: LightMyRequestResponse): ProblemJson | null {
  try {
    return JSON.parse(response.body) as ProblemJson;
  } catch {
    return null;
  }
}

/** What is wrong with an error response as RFC 9457 problem+json (empty: nothing). */
export function problemShapeErrors(response: LightMyRequestResponse): string[] {
  const errors: string[] = [];
  const contentType = String(response.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/problem+json')) errors.push(`content-type is ${contentType || 'missing'}`);
  const problem = problemOf(response);
  if (!problem) return [...errors, 'body is not JSON'];
  if (typeof problem.type !== 'string' || problem.type === '') errors.push('no type');
  if (typeof problem.detail !== 'string' || problem.detail === '') errors.push('no detail');
  if (problem.status !== undefined && problem.status !== response.statusCode) errors.push(`status ${String(problem.status)} in the body`);
  return errors;
}

/** Row counts of every table of the public schema, in one statement. */
export async function tableCounts(world: World): Promise<Record<string, number>> {
  // The access log is left out: every request, refused ones included, adds a row to it (once
  // its writer flushes), so its count says nothing about whether a refused request wrote.
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND left(table_name, 10) <> 'access_log'
    ORDER BY table_name`.execute(world.t.db);
  const names = tables.rows.map((r) => r.table_name);
  if (names.length === 0) return {};
  const columns = names.map((n) => sql`(SELECT count(*) FROM ${sql.table(n)})::int AS ${sql.ref(n)}`);
  const result = await sql<Record<string, number>>`SELECT ${sql.join(columns)}`.execute(world.t.db);
  return result.rows[0] ?? {};
}

export function countChanges(before: Record<string, number>, after: Record<string, number>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).map((n) => `${n} ${before[n] ?? 0} -> ${after[n] ?? 0}`);
}

export interface AuditRow {
  id: string;
  org_id: string;
  action: string;
  outcome: string;
  actor_id: string;
  target_type: string;
  target_id: string | null;
}

/** The newest audit event id of an org (or of all orgs), as a watermark for `auditSince`. */
export async function auditWatermark(world: World): Promise<string> {
  const row = await world.t.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.id ?? '';
}

/** Events written after the watermark (ids are time-ordered ULIDs), optionally of one org. */
export async function auditSince(world: World, watermark: string, orgId?: string): Promise<AuditRow[]> {
  let query = world.t.db
    .selectFrom('audit_events')
    .select(['id', 'org_id', 'action', 'outcome', 'actor_id', 'target_type', 'target_id'])
    .where('id', '>', watermark);
  if (orgId) query = query.where('org_id', '=', orgId);
  return (await query.orderBy('id').execute()) as AuditRow[];
}

export function describeEvents(rows: AuditRow[]): string {
  return rows.length === 0 ? 'none' : rows.map((r) => `${r.action}/${r.outcome}`).join(', ');
}

/** FNV-1a: a stable fast-check seed per operation, so adding a route does not reshuffle others. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
