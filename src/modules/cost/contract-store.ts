import { sql, type ColumnType, type Selectable } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';
import type { BudgetPeriodKind } from './budgets.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ContractTables = {
  cost_contracts: {
    id: string;
    org_id: string;
    name: string;
    period: BudgetPeriodKind;
    commitment_micros: string;
    overage_rate_bp: number;
    currency: string;
    starts_on: ColumnType<string, string, string>;
    ends_on: ColumnType<string | null, string | null, string | null>;
    version: ColumnType<number, undefined, never>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
};

export type ContractRow = Selectable<ContractTables['cost_contracts']>;
export type NewContract = Omit<ContractRow, 'version' | 'created_at' | 'updated_at'>;
export type ContractChanges = Partial<Pick<ContractRow, 'name' | 'commitment_micros' | 'overage_rate_bp' | 'ends_on'>>;

function q(db: Queryable) {
  return db.withTables<ContractTables>();
}

// Dates as text: a DATE is a calendar day, not an instant in the server's zone.
const columns = ['id', 'org_id', 'name', 'period', 'commitment_micros', 'overage_rate_bp', 'currency', 'version', 'created_at', 'updated_at'] as const;
const days = [sql<string>`starts_on::text`.as('starts_on'), sql<string | null>`ends_on::text`.as('ends_on')];

export async function insertContract(db: Queryable, row: NewContract): Promise<ContractRow> {
  await q(db).insertInto('cost_contracts').values(row).execute();
  return (await findContract(db, row.org_id, row.id))!;
}

export async function findContract(db: Queryable, orgId: string, id: string): Promise<ContractRow | undefined> {
  return q(db).selectFrom('cost_contracts').select([...columns, ...days]).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listContracts(db: Queryable, orgId: string, after: string | null, limit: number): Promise<ContractRow[]> {
  let query = q(db).selectFrom('cost_contracts').select([...columns, ...days]).where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function updateContract(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: ContractChanges): Promise<ContractRow | undefined> {
  let query = q(db)
    .updateTable('cost_contracts')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  const updated = await query.returning('id').executeTakeFirst();
  return updated ? findContract(db, orgId, id) : undefined;
}

export async function deleteContract(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined): Promise<ContractRow | undefined> {
  const row = await findContract(db, orgId, id);
  if (!row) return undefined;
  let query = q(db).deleteFrom('cost_contracts').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  const deleted = await query.returning('id').executeTakeFirst();
  return deleted ? row : undefined;
}
