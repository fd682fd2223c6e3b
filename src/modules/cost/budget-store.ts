import { sql, type ColumnType, type Selectable } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';
import type { BudgetPeriodKind, ExceededAction, Threshold, ThresholdBasis } from './budgets.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type BudgetTables = {
  cost_budgets: {
    id: string;
    org_id: string;
    name: string;
    workspace_id: string;
    project_id: string | null;
    label_key: string | null;
    label_value: string | null;
    period: BudgetPeriodKind;
    amount_micros: ColumnType<string, string, string>;
    currency: string;
    thresholds: Json<Threshold[]>;
    channel_ids: string[];
    on_exceeded: ExceededAction;
    version: ColumnType<number, undefined, never>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  cost_budget_alerts: {
    org_id: string;
    budget_id: string;
    period_start: ColumnType<string, string, never>;
    basis: ThresholdBasis;
    percent: ColumnType<string, number, never>;
    spend_micros: ColumnType<string, string, never>;
    alerted_at: Timestamp;
  };
};

export type BudgetRow = Selectable<BudgetTables['cost_budgets']>;
export type BudgetAlertRow = Selectable<BudgetTables['cost_budget_alerts']>;

function q(db: Queryable) {
  return db.withTables<BudgetTables>();
}

export interface NewBudget {
  id: string;
  org_id: string;
  name: string;
  workspace_id: string;
  project_id: string | null;
  label_key: string | null;
  label_value: string | null;
  period: BudgetPeriodKind;
  amount_micros: bigint;
  currency: string;
  thresholds: Threshold[];
  channel_ids: string[];
  on_exceeded: ExceededAction;
}

export async function insertBudget(db: Queryable, row: NewBudget): Promise<BudgetRow> {
  return q(db)
    .insertInto('cost_budgets')
    .values({ ...row, amount_micros: row.amount_micros.toString(), thresholds: JSON.stringify(row.thresholds) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findBudget(db: Queryable, orgId: string, id: string): Promise<BudgetRow | undefined> {
  return q(db).selectFrom('cost_budgets').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listBudgets(db: Queryable, orgId: string, filter: { workspaceId?: string | undefined; after: string | null; limit: number }): Promise<BudgetRow[]> {
  let query = q(db).selectFrom('cost_budgets').selectAll().where('org_id', '=', orgId);
  if (filter.workspaceId) query = query.where('workspace_id', '=', filter.workspaceId);
  if (filter.after) query = query.where('id', '>', filter.after);
  return query.orderBy('id').limit(filter.limit + 1).execute();
}

/** Every budget of a workspace: the decision for a workload there weighs them all. */
export async function budgetsOfWorkspace(db: Queryable, orgId: string, workspaceId: string): Promise<BudgetRow[]> {
  return q(db).selectFrom('cost_budgets').selectAll().where('org_id', '=', orgId).where('workspace_id', '=', workspaceId).orderBy('id').limit(1000).execute();
}

/** The orgs that have budgets, for the evaluation worker. */
export async function orgsWithBudgets(db: Queryable, after: string | null, limit: number): Promise<string[]> {
  let query = q(db).selectFrom('cost_budgets').select('org_id').distinct();
  if (after) query = query.where('org_id', '>', after);
  const rows = await query.orderBy('org_id').limit(limit).execute();
  return rows.map((r) => r.org_id);
}

export interface BudgetChanges {
  name?: string;
  amount_micros?: bigint;
  thresholds?: Threshold[];
  channel_ids?: string[];
  on_exceeded?: ExceededAction;
}

export async function updateBudget(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: BudgetChanges): Promise<BudgetRow | undefined> {
  const { amount_micros, thresholds, ...rest } = changes;
  let query = q(db)
    .updateTable('cost_budgets')
    .set({
      ...rest,
      ...(amount_micros !== undefined ? { amount_micros: amount_micros.toString() } : {}),
      ...(thresholds !== undefined ? { thresholds: JSON.stringify(thresholds) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    } as never)
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteBudget(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined): Promise<BudgetRow | undefined> {
  let query = q(db).deleteFrom('cost_budgets').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

/** The alerts sent for a budget in a period. */
export async function alertsOf(db: Queryable, orgId: string, budgetId: string, periodStart: string): Promise<BudgetAlertRow[]> {
  return q(db)
    .selectFrom('cost_budget_alerts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('budget_id', '=', budgetId)
    .where('period_start', '=', periodStart)
    .execute();
}

/** Claims the alert of one threshold in one period; false when it was already sent. */
export async function claimAlert(db: Queryable, alert: { orgId: string; budgetId: string; periodStart: string; basis: ThresholdBasis; percent: number; spendMicros: bigint }): Promise<boolean> {
  const result = await q(db)
    .insertInto('cost_budget_alerts')
    .values({
      org_id: alert.orgId,
      budget_id: alert.budgetId,
      period_start: alert.periodStart,
      basis: alert.basis,
      percent: alert.percent,
      spend_micros: alert.spendMicros.toString(),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('budget_id')
    .executeTakeFirst();
  return result !== undefined;
}
