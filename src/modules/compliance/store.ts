import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { AppliesTo, Detector, MaskStyle } from './pii.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
export type PiiMode = 'write' | 'read';

export type ComplianceTables = {
  compliance_pii_settings: {
    org_id: string;
    hmac_key: Json<SealedSecret | null> | null;
    created_at: Timestamp;
  };
  compliance_pii_rules: {
    id: string;
    org_id: string;
    name: string;
    detector: Detector;
    applies_to: Json<AppliesTo>;
    mode: PiiMode;
    style: MaskStyle;
    default_country: string | null;
    enabled: boolean;
    version: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
};

export type PiiRuleRow = Selectable<ComplianceTables['compliance_pii_rules']>;
export type NewPiiRuleRow = Omit<PiiRuleRow, 'version' | 'created_at' | 'updated_at' | 'applies_to'> & { applies_to: AppliesTo };

function q(db: Queryable) {
  return db.withTables<ComplianceTables>();
}

const toRow = (r: NewPiiRuleRow) => ({ ...r, applies_to: JSON.stringify(r.applies_to) });

/** The settings row and every rule of an org in one round trip; `settings` is null for a new org. */
export async function loadOrg(db: Queryable, orgId: string): Promise<{ settings: { hmac_key: SealedSecret | null } | null; rules: PiiRuleRow[] }> {
  const [settings, rules] = await Promise.all([
    q(db).selectFrom('compliance_pii_settings').select('hmac_key').where('org_id', '=', orgId).executeTakeFirst(),
    q(db).selectFrom('compliance_pii_rules').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
  ]);
  return { settings: settings ?? null, rules };
}

/** Creates the settings row; true when this call created it (and so must write the defaults). */
export async function createSettings(db: Queryable, orgId: string): Promise<boolean> {
  const row = await q(db)
    .insertInto('compliance_pii_settings')
    .values({ org_id: orgId, hmac_key: null })
    .onConflict((oc) => oc.column('org_id').doNothing())
    .returning('org_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Locks the org's settings row: rule changes of one org run one at a time. */
export async function lockSettings(db: Queryable, orgId: string) {
  return q(db).selectFrom('compliance_pii_settings').select('hmac_key').where('org_id', '=', orgId).forUpdate().executeTakeFirst();
}

export async function setHmacKey(db: Queryable, orgId: string, key: SealedSecret): Promise<void> {
  await q(db).updateTable('compliance_pii_settings').set({ hmac_key: JSON.stringify(key) }).where('org_id', '=', orgId).execute();
}

export async function insertRules(db: Queryable, rows: NewPiiRuleRow[]): Promise<PiiRuleRow[]> {
  if (rows.length === 0) return [];
  return q(db).insertInto('compliance_pii_rules').values(rows.map(toRow)).returningAll().execute();
}

export async function findRule(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('compliance_pii_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listRules(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('compliance_pii_rules').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function updateRule(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: Partial<Omit<NewPiiRuleRow, 'id' | 'org_id'>>,
) {
  const { applies_to, ...rest } = changes;
  let query = q(db)
    .updateTable('compliance_pii_rules')
    .set({ ...rest, ...(applies_to ? { applies_to: JSON.stringify(applies_to) } : {}), version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteRule(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined) {
  let query = q(db).deleteFrom('compliance_pii_rules').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}
