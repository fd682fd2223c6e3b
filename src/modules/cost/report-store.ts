import { sql, type ColumnType, type Selectable } from 'kysely';
import type { Queryable } from '../../kernel/db/index.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ReportTables = {
  cost_report_schedules: {
    id: string;
    org_id: string;
    name: string;
    format: 'pdf' | 'csv';
    label_key: string | null;
    recipients: 'managers' | 'emails';
    emails: string[];
    day_of_month: number;
    enabled: boolean;
    version: ColumnType<number, undefined, never>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  cost_report_deliveries: {
    org_id: string;
    schedule_id: string;
    period: string;
    messages: number;
    sent_at: Timestamp;
  };
};

export type ScheduleRow = Selectable<ReportTables['cost_report_schedules']>;
export type NewSchedule = Omit<ScheduleRow, 'version' | 'created_at' | 'updated_at'>;
export type ScheduleChanges = Partial<Pick<ScheduleRow, 'name' | 'format' | 'label_key' | 'recipients' | 'emails' | 'day_of_month' | 'enabled'>>;

function q(db: Queryable) {
  return db.withTables<ReportTables>();
}

export async function insertSchedule(db: Queryable, row: NewSchedule): Promise<ScheduleRow> {
  return q(db).insertInto('cost_report_schedules').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findSchedule(db: Queryable, orgId: string, id: string): Promise<ScheduleRow | undefined> {
  return q(db).selectFrom('cost_report_schedules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listSchedules(db: Queryable, orgId: string, after: string | null, limit: number): Promise<ScheduleRow[]> {
  let query = q(db).selectFrom('cost_report_schedules').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function updateSchedule(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: ScheduleChanges): Promise<ScheduleRow | undefined> {
  let query = q(db)
    .updateTable('cost_report_schedules')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteSchedule(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined): Promise<ScheduleRow | undefined> {
  let query = q(db).deleteFrom('cost_report_schedules').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

/** Enabled schedules of every organization, by id (the worker pages through them). */
export async function enabledSchedules(db: Queryable, after: string | null, limit: number): Promise<ScheduleRow[]> {
  let query = q(db).selectFrom('cost_report_schedules').selectAll().where('enabled', '=', true);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit).execute();
}

/** The last month the worker sent for a schedule. */
export async function lastSentPeriod(db: Queryable, orgId: string, scheduleId: string): Promise<string | null> {
  const row = await q(db)
    .selectFrom('cost_report_deliveries')
    .select('period')
    .where('org_id', '=', orgId)
    .where('schedule_id', '=', scheduleId)
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.period ?? null;
}

/** Claims the delivery of a schedule's month; false when another pass (or replica) already did. */
export async function claimDelivery(db: Queryable, orgId: string, scheduleId: string, period: string): Promise<boolean> {
  const row = await q(db)
    .insertInto('cost_report_deliveries')
    .values({ org_id: orgId, schedule_id: scheduleId, period, messages: 0 })
    .onConflict((oc) => oc.doNothing())
    .returning('period')
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordDelivery(db: Queryable, orgId: string, scheduleId: string, period: string, messages: number): Promise<void> {
  await q(db).updateTable('cost_report_deliveries').set({ messages }).where('org_id', '=', orgId).where('schedule_id', '=', scheduleId).where('period', '=', period).execute();
}

/** Gives a claim back when sending failed, so the next pass retries. */
export async function releaseDelivery(db: Queryable, orgId: string, scheduleId: string, period: string): Promise<void> {
  await q(db).deleteFrom('cost_report_deliveries').where('org_id', '=', orgId).where('schedule_id', '=', scheduleId).where('period', '=', period).execute();
}
