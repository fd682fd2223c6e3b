import { sql, type ColumnType, type Selectable } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';
import type { ExportManifest } from './export-bundle.ts';
import type { AuditQuery } from './schemas.ts';
import type { SealedEventRow } from './sealing.ts';
import { auditFilterSql, leafColumns, occurredAtIso, sealing } from './store.ts';

type ExportTables = {
  audit_exports: {
    id: string;
    org_id: string;
    format: 'jsonl' | 'csv';
    filters: ColumnType<Record<string, string>, string, never>;
    complete: boolean;
    from_seq: ColumnType<string, number, never>;
    to_seq: ColumnType<string, number, never>;
    event_count: ColumnType<string, number, never>;
    sha256: string;
    bytes: ColumnType<string, number, never>;
    manifest: ColumnType<ExportManifest, string, never>;
    created_by: string;
    created_at: ColumnType<Date, Date, never>;
  };
};

export type ExportRow = Selectable<ExportTables['audit_exports']>;

const exportsDb = (db: Queryable) => db.withTables<ExportTables>();

/** The smallest seq (up to toSeq) of an event matching the filters; null when none does. */
export async function firstMatchingSeq(db: Queryable, orgId: string, filter: AuditQuery, toSeq: number): Promise<number | null> {
  const row = await sealing(db)
    .selectFrom('audit_leaves as l')
    .innerJoin('audit_events as e', (join) => join.onRef('e.org_id', '=', 'l.org_id').onRef('e.id', '=', 'l.event_id'))
    .select((eb) => eb.fn.min('l.seq').as('seq'))
    .where('l.org_id', '=', orgId)
    .where('l.seq', '<=', sql<string>`${toSeq}`)
    .where(auditFilterSql(filter, 'e'))
    .executeTakeFirst();
  return row?.seq == null ? null : Number(row.seq);
}

/**
 * The next sealed events of the range after `afterSeq`, in seq order, that match the filters.
 * A seq window bounds each query, so a sparse filter never scans the whole range at once.
 */
export async function exportEvents(
  db: Queryable,
  orgId: string,
  filter: AuditQuery,
  afterSeq: number,
  toSeq: number,
  window: number,
): Promise<SealedEventRow[]> {
  const rows = await sealing(db)
    .selectFrom('audit_leaves as l')
    .innerJoin('audit_events as e', (join) => join.onRef('e.org_id', '=', 'l.org_id').onRef('e.id', '=', 'l.event_id'))
    .select([...leafColumns, occurredAtIso.as('occurred_at'), 'l.seq'])
    .where('l.org_id', '=', orgId)
    .where(sql<boolean>`l.seq > ${afterSeq} AND l.seq <= ${Math.min(toSeq, afterSeq + window)}`)
    .where(auditFilterSql(filter, 'e'))
    .orderBy('l.seq')
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** Stored leaf hashes of seq fromSeq..toSeq (leaf index = seq - 1), in order. */
export async function leafHashRange(db: Queryable, orgId: string, fromSeq: number, toSeq: number): Promise<Buffer[]> {
  if (toSeq < fromSeq) return [];
  const rows = await sealing(db)
    .selectFrom('audit_tree_nodes')
    .select('hash')
    .where('org_id', '=', orgId)
    .where('level', '=', 0)
    .where(sql<boolean>`idx BETWEEN ${fromSeq - 1} AND ${toSeq - 1}`)
    .orderBy('idx')
    .execute();
  return rows.map((r) => r.hash);
}

export async function insertExport(db: Queryable, row: {
  id: string; orgId: string; format: 'jsonl' | 'csv'; filters: Record<string, string>; complete: boolean; fromSeq: number; toSeq: number;
  eventCount: number; sha256: string; bytes: number; manifest: ExportManifest; createdBy: string; createdAt: Date;
}): Promise<void> {
  await exportsDb(db)
    .insertInto('audit_exports')
    .values({
      id: row.id, org_id: row.orgId, format: row.format, filters: JSON.stringify(row.filters), complete: row.complete,
      from_seq: row.fromSeq, to_seq: row.toSeq, event_count: row.eventCount, sha256: row.sha256, bytes: row.bytes,
      manifest: JSON.stringify(row.manifest), created_by: row.createdBy, created_at: row.createdAt,
    })
    .execute();
}

export async function findExport(db: Queryable, orgId: string, id: string): Promise<ExportRow | undefined> {
  return exportsDb(db).selectFrom('audit_exports').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listExports(db: Queryable, orgId: string, before: string | null, limit: number): Promise<ExportRow[]> {
  let query = exportsDb(db).selectFrom('audit_exports').selectAll().where('org_id', '=', orgId);
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit + 1).execute();
}

/** What retention removed in seq fromSeq..toSeq (ADR 0009), for an export's proof. */
export async function purgedInRange(db: Queryable, orgId: string, fromSeq: number, toSeq: number) {
  const result = await sql<{ seq: string; event_id: string; run_id: string }>`
    SELECT seq, event_id, run_id FROM audit_purged
    WHERE org_id = ${orgId} AND seq BETWEEN ${fromSeq} AND ${toSeq} ORDER BY seq`.execute(db);
  return result.rows.map((r) => ({ seq: Number(r.seq), eventId: r.event_id, runId: r.run_id }));
}
