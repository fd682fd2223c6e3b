import type { Principal } from '../../kernel/authz.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import type { AuditEventView, AuditQuery } from './schemas.ts';
import * as store from './store.ts';

export function auditEventView(row: store.AuditEventRow): AuditEventView {
  return {
    id: row.id,
    orgId: row.org_id,
    workspaceId: row.workspace_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actor: {
      kind: row.actor_kind,
      id: row.actor_id,
      name: row.actor_name,
      ip: row.actor_ip,
      userAgent: row.actor_user_agent,
      sessionId: row.session_id,
      apiKeyId: row.api_key_id,
    },
    action: row.action,
    target: { type: row.target_type, id: row.target_id, name: row.target_name },
    outcome: row.outcome,
    reason: row.reason,
    requestId: row.request_id,
    before: row.before ?? null,
    after: row.after ?? null,
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

export function createAuditService(deps: ModuleDeps) {
  const { db, authz } = deps;
  return {
    async listEvents(p: Principal, orgId: string, query: PageQuery & AuditQuery): Promise<Page<AuditEventView>> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      if (query.from && query.to && new Date(query.from) >= new Date(query.to)) {
        throw problems.validation([{ field: 'query.to', message: 'must be after from' }]);
      }
      const rows = await store.listEvents(db, orgId, query, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      return { items: page.items.map(auditEventView), nextCursor: page.nextCursor };
    },

    async getEvent(p: Principal, orgId: string, eventId: string): Promise<AuditEventView> {
      await authz.require(p, 'audit:read', { type: 'organization', id: orgId, orgId });
      const row = await store.findEvent(db, orgId, eventId);
      if (!row) throw problems.notFound('audit event', eventId);
      return auditEventView(row);
    },
  };
}
