import type { Selectable } from 'kysely';
import type { KernelTables, Queryable } from '../../kernel/db/index.ts';
import type { AuditQuery } from './schemas.ts';

/** The audit module reads the kernel's append-only audit_events table; it never writes it. */
export type AuditEventRow = Selectable<KernelTables['audit_events']>;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listEvents(db: Queryable, orgId: string, filter: AuditQuery, before: string | null, limit: number) {
  let query = db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.action) {
    query = filter.action.includes(':') && !filter.action.endsWith(':')
      ? query.where('action', '=', filter.action)
      : query.where('action', 'like', `${escapeLike(filter.action)}%`);
  }
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  if (filter.workspaceId) query = query.where('workspace_id', '=', filter.workspaceId);
  if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
  if (filter.from) query = query.where('occurred_at', '>=', new Date(filter.from));
  if (filter.to) query = query.where('occurred_at', '<', new Date(filter.to));
  if (filter.q) {
    const like = `%${escapeLike(filter.q)}%`;
    query = query.where((eb) =>
      eb.or([eb('action', 'ilike', like), eb('actor_name', 'ilike', like), eb('target_name', 'ilike', like), eb('reason', 'ilike', like)]),
    );
  }
  // Newest first: ids are time-ordered, so "before this id" pages backwards in time.
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit + 1).execute();
}

export async function findEvent(db: Queryable, orgId: string, id: string) {
  return db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}
