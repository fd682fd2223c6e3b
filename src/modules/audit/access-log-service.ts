import type { Principal } from '../../kernel/authz.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import type { AccessLogEntryView, AccessLogQuery, AccessLogSummaryQuery, AccessLogSummaryView } from './access-log-schemas.ts';
import * as store from './access-log-store.ts';

const DAY_MS = 86_400_000;
/** A summary covers at most this much time: 90 days of hours is 2,160 buckets. */
const MAX_SUMMARY_MS = 92 * DAY_MS;

export function accessLogEntryView(row: store.AccessLogRow): AccessLogEntryView {
  return {
    id: String(row.id),
    at: new Date(row.at).toISOString(),
    orgId: row.org_id,
    workspaceId: row.workspace_id,
    method: row.method,
    route: row.route,
    status: row.status,
    latencyMs: Math.round(row.latency_ms * 1000) / 1000,
    principal: row.principal_kind && row.principal_id
      ? { kind: row.principal_kind, id: row.principal_id, apiKeyId: row.api_key_id, sessionId: row.session_id }
      : null,
    ip: row.ip,
    userAgent: row.user_agent,
    bytesIn: Number(row.bytes_in),
    bytesOut: Number(row.bytes_out),
    requestId: row.request_id,
  };
}

/** The cursor is the (at, id) of the last entry seen. */
function decodeEntryCursor(cursor: string | undefined): store.AccessLogCursor | null {
  const after = decodeCursor(cursor);
  if (after === null) return null;
  const match = /^(\d{4}-\d{2}-\d{2}T[0-9:.]+Z)\|(\d{1,19})$/.exec(after);
  const at = match ? new Date(match[1]!) : null;
  if (!match || !at || Number.isNaN(at.getTime())) throw problems.badRequest('invalid-cursor', 'cursor is not a cursor this API returned.', 'query.cursor');
  return { at, id: match[2]! };
}

function checkRange(from: string | undefined, to: string | undefined): void {
  if (from && to && new Date(from) >= new Date(to)) throw problems.validation([{ field: 'query.to', message: 'must be after from' }]);
}

export type AccessLogService = ReturnType<typeof createAccessLogService>;

export function createAccessLogService(deps: ModuleDeps) {
  const { db, authz, clock } = deps;
  return {
    async list(p: Principal, orgId: string, query: PageQuery & AccessLogQuery): Promise<Page<AccessLogEntryView>> {
      await authz.require(p, 'access-log:read', { type: 'organization', id: orgId, orgId });
      checkRange(query.from, query.to);
      const rows = await store.listEntries(db, orgId, query, decodeEntryCursor(query.cursor), query.limit);
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return {
        items: items.map(accessLogEntryView),
        nextCursor: rows.length > query.limit && last ? encodeCursor(`${new Date(last.at).toISOString()}|${last.id}`) : null,
      };
    },

    async summary(p: Principal, orgId: string, query: AccessLogSummaryQuery): Promise<AccessLogSummaryView> {
      await authz.require(p, 'access-log:read', { type: 'organization', id: orgId, orgId });
      checkRange(query.from, query.to);
      const to = query.to ? new Date(query.to) : clock.now();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - (query.bucket === 'day' ? 30 : 1) * DAY_MS);
      if (to.getTime() - from.getTime() > MAX_SUMMARY_MS) {
        throw problems.validation([{ field: 'query.from', message: 'a summary covers at most 92 days' }]);
      }
      const rows = await store.summarize(db, orgId, from, to, query.bucket);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        bucket: query.bucket,
        buckets: rows.map((r) => ({
          start: new Date(r.start).toISOString(),
          total: Number(r.total),
          s2xx: Number(r.s2xx),
          s3xx: Number(r.s3xx),
          s4xx: Number(r.s4xx),
          s5xx: Number(r.s5xx),
        })),
      };
    },
  };
}
