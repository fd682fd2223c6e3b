import { sql, type ColumnType, type Selectable } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';
import type { AccessLogEntry } from '../../kernel/http/server.ts';
import type { AccessLogQuery } from './access-log-schemas.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type AccessLogTables = {
  access_log: {
    id: ColumnType<string, never, never>;
    at: Timestamp;
    org_id: string | null;
    workspace_id: string | null;
    method: string;
    route: string | null;
    status: number;
    latency_ms: number;
    principal_kind: string | null;
    principal_id: string | null;
    api_key_id: string | null;
    session_id: string | null;
    ip: string | null;
    user_agent: string | null;
    bytes_in: ColumnType<string, number, never>;
    bytes_out: ColumnType<string, number, never>;
    request_id: string | null;
  };
};

export type AccessLogRow = Selectable<AccessLogTables['access_log']>;

function accessLog(db: Queryable) {
  return db.withTables<AccessLogTables>();
}

/** One multi-row INSERT for a whole buffer of entries. */
export async function insertEntries(db: Queryable, entries: AccessLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await accessLog(db)
    .insertInto('access_log')
    .values(
      entries.map((e) => ({
        at: e.at,
        org_id: e.orgId,
        workspace_id: e.workspaceId,
        method: e.method,
        route: e.routeTemplate,
        status: e.status,
        latency_ms: e.latencyMs,
        principal_kind: e.principalKind,
        principal_id: e.principalId,
        api_key_id: e.apiKeyId,
        session_id: e.sessionId,
        ip: e.ip,
        user_agent: e.userAgent,
        bytes_in: e.bytesIn,
        bytes_out: e.bytesOut,
        request_id: e.requestId,
      })),
    )
    .execute();
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface AccessLogCursor {
  at: Date;
  id: string;
}

/** Newest first, by (at, id); `before` pages backwards. */
export async function listEntries(db: Queryable, orgId: string, filter: AccessLogQuery, before: AccessLogCursor | null, limit: number): Promise<AccessLogRow[]> {
  let query = accessLog(db).selectFrom('access_log').selectAll().where('org_id', '=', orgId);
  if (filter.principalId) query = query.where('principal_id', '=', filter.principalId);
  if (filter.method) query = query.where('method', '=', filter.method);
  if (filter.route) query = query.where('route', 'like', `${escapeLike(filter.route)}%`);
  if (filter.status) {
    const klass = /^([1-5])xx$/.exec(filter.status);
    query = klass
      ? query.where('status', '>=', Number(klass[1]) * 100).where('status', '<', Number(klass[1]) * 100 + 100)
      : query.where('status', '=', Number(filter.status));
  }
  if (filter.ip) query = query.where('ip', '=', filter.ip);
  if (filter.from) query = query.where('at', '>=', new Date(filter.from));
  if (filter.to) query = query.where('at', '<', new Date(filter.to));
  if (before) query = query.where(sql<boolean>`(at, id) < (${before.at}, ${before.id}::bigint)`);
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

export interface BucketRow {
  start: Date;
  total: string;
  s2xx: string;
  s3xx: string;
  s4xx: string;
  s5xx: string;
}

/** Requests per bucket and status class, oldest bucket first; empty buckets are left out. */
export async function summarize(db: Queryable, orgId: string, from: Date, to: Date, bucket: 'hour' | 'day'): Promise<BucketRow[]> {
  const result = await sql<BucketRow>`
    SELECT date_trunc(${bucket}, at, 'UTC') AS start,
           count(*) AS total,
           count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS s2xx,
           count(*) FILTER (WHERE status BETWEEN 300 AND 399) AS s3xx,
           count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS s4xx,
           count(*) FILTER (WHERE status >= 500) AS s5xx
    FROM access_log
    WHERE org_id = ${orgId} AND at >= ${from} AND at < ${to}
    GROUP BY 1 ORDER BY 1`.execute(db);
  return result.rows;
}
