import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTime = ColumnType<Date | null, Date | string | null, Date | string | null>;
type Version = ColumnType<number, number | undefined, number>;
// int8 comes back as a string (kernel/db); money is read with BigInt().
type Int8 = ColumnType<string, bigint | string, bigint | string>;

export type FocusTables = {
  cost_focus_rules: {
    id: string;
    org_id: string;
    position: number;
    tag_key: string;
    value: string | null;
    pattern: string | null;
    workspace_id: string;
    project_id: string | null;
    version: Version;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  cost_focus_imports: {
    id: string;
    org_id: string;
    sha256: string;
    currency: string;
    cost_column: 'EffectiveCost' | 'BilledCost';
    billing_period_start: NullableTime;
    billing_period_end: NullableTime;
    charge_period_start: NullableTime;
    charge_period_end: NullableTime;
    row_count: number;
    billed_total: Int8;
    effective_total: Int8;
    allocated_at: Timestamp;
    created_at: Timestamp;
  };
  cost_focus_lines: {
    org_id: string;
    import_id: string;
    line: number;
    charge_period_start: Timestamp;
    charge_period_end: Timestamp;
    charge_category: string;
    service_name: string;
    provider_name: string;
    resource_id: string | null;
    billed_cost: Int8;
    effective_cost: Int8;
    tags: ColumnType<Record<string, string>, string, string>;
    workspace_id: string | null;
    project_id: string | null;
    rule_id: string | null;
  };
};

export type RuleRow = Selectable<FocusTables['cost_focus_rules']>;
export type ImportRow = Selectable<FocusTables['cost_focus_imports']>;
export type LineRow = Selectable<FocusTables['cost_focus_lines']>;
export type NewLine = Omit<LineRow, 'tags' | 'billed_cost' | 'effective_cost'> & { tags: Record<string, string>; billed_cost: bigint; effective_cost: bigint };

function q(db: Queryable) {
  return db.withTables<FocusTables>();
}

// ---- rules ----

export async function listRules(db: Queryable, orgId: string): Promise<RuleRow[]> {
  return q(db).selectFrom('cost_focus_rules').selectAll().where('org_id', '=', orgId).orderBy('position').orderBy('id').execute();
}

export async function findRule(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('cost_focus_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function nextPosition(db: Queryable, orgId: string): Promise<number> {
  const row = await q(db).selectFrom('cost_focus_rules').select(sql<number>`coalesce(max(position), -1) + 1`.as('next')).where('org_id', '=', orgId).executeTakeFirst();
  return Number(row?.next ?? 0);
}

export async function insertRule(db: Queryable, row: Omit<RuleRow, 'version' | 'created_at' | 'updated_at'>): Promise<RuleRow> {
  return q(db).insertInto('cost_focus_rules').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateRule(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: Partial<Pick<RuleRow, 'position' | 'tag_key' | 'value' | 'pattern' | 'workspace_id' | 'project_id'>>) {
  let query = q(db).updateTable('cost_focus_rules').set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` }).where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteRule(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined) {
  let query = q(db).deleteFrom('cost_focus_rules').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

// ---- imports ----

export async function findImport(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('cost_focus_imports').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findImportBySha(db: Queryable, orgId: string, sha256: string) {
  return q(db).selectFrom('cost_focus_imports').selectAll().where('org_id', '=', orgId).where('sha256', '=', sha256).executeTakeFirst();
}

export async function listImports(db: Queryable, orgId: string, after: string | null, limit: number): Promise<ImportRow[]> {
  let query = q(db).selectFrom('cost_focus_imports').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function insertImport(db: Queryable, row: Omit<ImportRow, 'allocated_at' | 'created_at'>): Promise<ImportRow> {
  return q(db).insertInto('cost_focus_imports').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function touchImport(db: Queryable, orgId: string, id: string): Promise<void> {
  await q(db).updateTable('cost_focus_imports').set({ allocated_at: sql`now()` }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function insertLines(db: Queryable, lines: NewLine[]): Promise<void> {
  // Batches keep each INSERT under PostgreSQL's 65535 bind parameters (15 per line).
  for (let i = 0; i < lines.length; i += 2000) {
    const batch = lines.slice(i, i + 2000).map((l) => ({ ...l, tags: JSON.stringify(l.tags), billed_cost: l.billed_cost.toString(), effective_cost: l.effective_cost.toString() }));
    await q(db).insertInto('cost_focus_lines').values(batch).execute();
  }
}

export async function linesOf(db: Queryable, orgId: string, importId: string): Promise<LineRow[]> {
  return q(db).selectFrom('cost_focus_lines').selectAll().where('org_id', '=', orgId).where('import_id', '=', importId).orderBy('line').execute();
}

/** Sets one target for many lines of an import at once. */
export async function assignLines(db: Queryable, orgId: string, importId: string, lines: number[], target: { workspace_id: string | null; project_id: string | null; rule_id: string | null }): Promise<void> {
  if (lines.length === 0) return;
  await q(db).updateTable('cost_focus_lines').set(target).where('org_id', '=', orgId).where('import_id', '=', importId).where('line', 'in', lines).execute();
}

/** Σ cost per workspace and project (NULL workspace: unallocated), in micro-units as strings. */
export async function summaryOf(db: Queryable, orgId: string, importId: string, column: 'billed_cost' | 'effective_cost') {
  return q(db)
    .selectFrom('cost_focus_lines')
    .select(['workspace_id', 'project_id', sql<string>`sum(${sql.ref(column)})::text`.as('cost'), sql<string>`count(*)::text`.as('lines')])
    .where('org_id', '=', orgId)
    .where('import_id', '=', importId)
    .groupBy(['workspace_id', 'project_id'])
    .orderBy('workspace_id')
    .orderBy('project_id')
    .execute();
}

/** Every imported bill line charged in [from, to), with the cost column its import allocates. */
export async function billCosts(db: Queryable, orgId: string, window: { from: Date; to: Date }) {
  return q(db)
    .selectFrom('cost_focus_lines as l')
    .innerJoin('cost_focus_imports as i', (j) => j.onRef('i.id', '=', 'l.import_id').onRef('i.org_id', '=', 'l.org_id'))
    .select([
      'l.charge_period_start',
      'l.workspace_id',
      'l.project_id',
      sql<string>`(CASE WHEN i.cost_column = 'BilledCost' THEN l.billed_cost ELSE l.effective_cost END)::text`.as('cost'),
    ])
    .where('l.org_id', '=', orgId)
    .where('l.charge_period_start', '>=', window.from)
    .where('l.charge_period_start', '<', window.to)
    .execute();
}
