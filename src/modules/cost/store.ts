import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { CostModel, HourlySample } from './allocate.ts';
import type { Amortisation } from './prices.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type Version = ColumnType<number, number | undefined, number>;
// int8 comes back as a string (kernel/db); rates are far below 2^53 and are read with Number().
type Int8 = ColumnType<string, number | string, number | string>;

export interface LastRun {
  at: string;
  from: string;
  to: string;
  status: 'succeeded' | 'failed';
  samples: number;
  error: string | null;
}

export type CostTables = {
  cost_prices: {
    id: string;
    org_id: string;
    provider: string;
    region: string;
    effective_from: Timestamp;
    currency: string;
    kind: 'list' | 'on-prem';
    cpu_core_hour: Int8;
    memory_gib_hour: Int8;
    storage_gib_month: Int8;
    gpu_hour: Int8;
    egress_gib: Int8;
    discount_bp: number;
    amortisation: Json<Amortisation | null> | null;
    note: string;
    version: Version;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  cost_settings: {
    org_id: string;
    settings: Json<unknown>;
    version: Version;
    updated_at: Timestamp;
  };
  cost_sources: {
    id: string;
    org_id: string;
    name: string;
    cluster: string;
    url: string;
    provider: string;
    region: string;
    bearer_token: Json<SealedSecret | null> | null;
    collected_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    last_run: Json<LastRun | null> | null;
    version: Version;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  cost_clusters: { org_id: string; cluster: string; provider: string; region: string };
  cost_pod_labels: { org_id: string; cluster: string; namespace: string; pod: string; labels: Json<Record<string, string>>; seen_at: Timestamp };
};

export type PriceRow = Selectable<CostTables['cost_prices']>;
export type SourceRow = Selectable<CostTables['cost_sources']>;
export type NewPriceRow = Omit<PriceRow, 'version' | 'created_at' | 'updated_at' | 'amortisation' | 'cpu_core_hour' | 'memory_gib_hour' | 'storage_gib_month' | 'gpu_hour' | 'egress_gib'> & {
  amortisation: Amortisation | null;
  cpu_core_hour: number;
  memory_gib_hour: number;
  storage_gib_month: number;
  gpu_hour: number;
  egress_gib: number;
};

function q(db: Queryable) {
  return db.withTables<CostTables>();
}

// ---- prices ----

const priceRow = (r: NewPriceRow) => ({ ...r, amortisation: JSON.stringify(r.amortisation) });

export async function insertPrice(db: Queryable, row: NewPriceRow): Promise<PriceRow> {
  return q(db).insertInto('cost_prices').values(priceRow(row)).returningAll().executeTakeFirstOrThrow();
}

export async function findPrice(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('cost_prices').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findPriceAt(db: Queryable, orgId: string, provider: string, region: string, effectiveFrom: Date) {
  return q(db).selectFrom('cost_prices').selectAll().where('org_id', '=', orgId).where('provider', '=', provider).where('region', '=', region).where('effective_from', '=', effectiveFrom).executeTakeFirst();
}

export async function listPrices(db: Queryable, orgId: string, filter: { provider?: string; region?: string }, after: string | null, limit: number) {
  let query = q(db).selectFrom('cost_prices').selectAll().where('org_id', '=', orgId);
  if (filter.provider) query = query.where('provider', '=', filter.provider);
  if (filter.region) query = query.where('region', '=', filter.region);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function allPrices(db: Queryable, orgId: string): Promise<PriceRow[]> {
  return q(db).selectFrom('cost_prices').selectAll().where('org_id', '=', orgId).orderBy('provider').orderBy('region').orderBy('effective_from').execute();
}

export async function updatePrice(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: Partial<Pick<NewPriceRow, 'cpu_core_hour' | 'memory_gib_hour' | 'storage_gib_month' | 'gpu_hour' | 'egress_gib' | 'discount_bp' | 'note' | 'currency' | 'kind'>>) {
  let query = q(db)
    .updateTable('cost_prices')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deletePrice(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined) {
  let query = q(db).deleteFrom('cost_prices').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

// ---- settings ----

export async function getSettings(db: Queryable, orgId: string) {
  return q(db).selectFrom('cost_settings').select(['settings', 'version']).where('org_id', '=', orgId).executeTakeFirst();
}

export async function lockSettings(db: Queryable, orgId: string) {
  return q(db).selectFrom('cost_settings').select(['settings', 'version']).where('org_id', '=', orgId).forUpdate().executeTakeFirst();
}

/** Writes the settings (the caller checked the version under `lockSettings`). */
export async function putSettings(db: Queryable, orgId: string, settings: unknown) {
  const json = JSON.stringify(settings);
  return q(db)
    .insertInto('cost_settings')
    .values({ org_id: orgId, settings: json })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ settings: json, version: sql`cost_settings.version + 1`, updated_at: sql`now()` }))
    .returning(['settings', 'version'])
    .executeTakeFirstOrThrow();
}

// ---- sources and clusters ----

export async function insertSource(db: Queryable, row: Omit<SourceRow, 'version' | 'created_at' | 'updated_at' | 'bearer_token' | 'last_run' | 'collected_until'> & { bearer_token: SealedSecret | null }) {
  return q(db).insertInto('cost_sources').values({ ...row, bearer_token: JSON.stringify(row.bearer_token), last_run: 'null' }).returningAll().executeTakeFirstOrThrow();
}

export async function findSource(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('cost_sources').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listSources(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('cost_sources').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

/** Every source of every org: the hourly collector's work list. */
export async function allSources(db: Queryable) {
  return q(db).selectFrom('cost_sources').select(['id', 'org_id']).orderBy('id').execute();
}

export async function updateSource(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: { name?: string; url?: string; provider?: string; region?: string; bearer_token?: SealedSecret | null }) {
  const { bearer_token, ...rest } = changes;
  let query = q(db)
    .updateTable('cost_sources')
    .set({ ...rest, ...(bearer_token !== undefined ? { bearer_token: JSON.stringify(bearer_token) } : {}), version: sql`version + 1`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function recordRun(db: Queryable, orgId: string, id: string, run: LastRun, collectedUntil: Date | null) {
  await q(db)
    .updateTable('cost_sources')
    .set({ last_run: JSON.stringify(run), ...(collectedUntil ? { collected_until: sql`greatest(collected_until, ${collectedUntil})` } : {}) })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteSource(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined) {
  let query = q(db).deleteFrom('cost_sources').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function upsertCluster(db: Queryable, orgId: string, cluster: string, provider: string, region: string, overwrite: boolean) {
  await q(db)
    .insertInto('cost_clusters')
    .values({ org_id: orgId, cluster, provider, region })
    .onConflict((oc) => (overwrite ? oc.columns(['org_id', 'cluster']).doUpdateSet({ provider, region }) : oc.columns(['org_id', 'cluster']).doNothing()))
    .execute();
}

export async function listClusters(db: Queryable, orgId: string) {
  return q(db).selectFrom('cost_clusters').selectAll().where('org_id', '=', orgId).execute();
}

// ---- usage ----

export interface SampleRow extends HourlySample {
  cluster: string;
  namespace: string;
  pod: string;
  hour: Date;
}

/** Makes sure the monthly partitions of [from, to] exist, so rows never land in the default partition. */
export async function ensurePartitions(db: Queryable, from: Date, to: Date): Promise<void> {
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth() + 1;
  await sql`SELECT ensure_cost_usage_partitions(${from.toISOString().slice(0, 10)}::date, ${months})`.execute(db);
}

const SAMPLE_COLUMNS = ['cluster', 'namespace', 'pod', 'hour', 'cpu_request_mcores', 'cpu_usage_mcores', 'memory_request_mib', 'memory_usage_mib', 'storage_mib', 'gpu_milli', 'egress_mib'] as const;

/**
 * Writes samples keyed by (cluster, namespace, pod, hour): a second write of the same hour
 * replaces the first, so re-running a collection or re-pushing a batch changes nothing.
 * One statement per 2,000 rows (unnest of column arrays: 11 parameters whatever the size).
 */
export async function upsertSamples(db: Queryable, orgId: string, rows: readonly SampleRow[], source: 'push' | 'prometheus'): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    const col = <K extends keyof SampleRow>(k: K) => chunk.map((r) => (r[k] instanceof Date ? (r[k] as Date).toISOString() : r[k]));
    await sql`
      INSERT INTO cost_usage_samples (org_id, source, ${sql.join(SAMPLE_COLUMNS.map((c) => sql.ref(c)))})
      SELECT ${orgId}, ${source}, * FROM unnest(
        ${col('cluster')}::text[], ${col('namespace')}::text[], ${col('pod')}::text[], ${col('hour')}::timestamptz[],
        ${col('cpuRequestMcores')}::int[], ${col('cpuUsageMcores')}::int[], ${col('memoryRequestMib')}::int[], ${col('memoryUsageMib')}::int[],
        ${col('storageMib')}::int[], ${col('gpuMilli')}::int[], ${col('egressMib')}::int[])
      ON CONFLICT (org_id, cluster, namespace, pod, hour) DO UPDATE SET
        cpu_request_mcores = excluded.cpu_request_mcores, cpu_usage_mcores = excluded.cpu_usage_mcores,
        memory_request_mib = excluded.memory_request_mib, memory_usage_mib = excluded.memory_usage_mib,
        storage_mib = excluded.storage_mib, gpu_milli = excluded.gpu_milli, egress_mib = excluded.egress_mib, source = excluded.source`.execute(db);
  }
}

export async function upsertLabels(db: Queryable, orgId: string, rows: ReadonlyArray<{ cluster: string; namespace: string; pod: string; labels: Record<string, string>; seenAt: Date }>): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    await q(db)
      .insertInto('cost_pod_labels')
      .values(chunk.map((r) => ({ org_id: orgId, cluster: r.cluster, namespace: r.namespace, pod: r.pod, labels: JSON.stringify(r.labels), seen_at: r.seenAt })))
      .onConflict((oc) => oc.columns(['org_id', 'cluster', 'namespace', 'pod']).doUpdateSet((eb) => ({ labels: eb.ref('excluded.labels'), seen_at: eb.ref('excluded.seen_at') })))
      .execute();
  }
}

export async function upsertCapacity(db: Queryable, orgId: string, cluster: string, rows: ReadonlyArray<{ hour: Date; cpuMcores: number; memoryMib: number; gpuMilli: number }>): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO cost_capacity_samples (org_id, cluster, hour, cpu_mcores, memory_mib, gpu_milli)
    SELECT ${orgId}, ${cluster}, * FROM unnest(${rows.map((r) => r.hour.toISOString())}::timestamptz[], ${rows.map((r) => r.cpuMcores)}::bigint[], ${rows.map((r) => r.memoryMib)}::bigint[], ${rows.map((r) => r.gpuMilli)}::bigint[])
    ON CONFLICT (org_id, cluster, hour) DO UPDATE SET cpu_mcores = excluded.cpu_mcores, memory_mib = excluded.memory_mib, gpu_milli = excluded.gpu_milli`.execute(db);
}

export async function podLabels(db: Queryable, orgId: string) {
  return q(db).selectFrom('cost_pod_labels').select(['cluster', 'namespace', 'pod', 'labels']).where('org_id', '=', orgId).execute();
}

// ---- the allocation's input ----

export interface BillableRow {
  cluster: string;
  namespace: string;
  pod: string;
  /** The bucket between cut points (width_bucket over `cuts`: 0 before the first cut). */
  bucket: number;
  cpu: string;
  mem: string;
  storage: string;
  gpu: string;
  egress: string;
}

const billable = (model: CostModel, request: string, usage: string) =>
  model === 'max' ? sql`greatest(${sql.ref(request)}, ${sql.ref(usage)})` : sql.ref(model === 'request' ? request : usage);

/** At least one cut: width_bucket wants a non-empty array. */
const cutsOf = (cuts: readonly Date[]) => (cuts.length ? cuts : [new Date(0)]).map((d) => d.toISOString());

/**
 * Billable quantities per pod and bucket over [from, to). The cuts (price changes and, for a
 * day series, the org's midnights) are computed by the caller, so each row needs one binary
 * search, not a time-zone conversion. The cost model applies per hour, before summing.
 */
export async function billableUsage(db: Queryable, orgId: string, window: { from: Date; to: Date; model: CostModel; cuts: readonly Date[] }): Promise<BillableRow[]> {
  const r = await sql<BillableRow>`
    SELECT cluster, namespace, pod, width_bucket(hour, ${cutsOf(window.cuts)}::timestamptz[]) AS bucket,
      sum(${billable(window.model, 'cpu_request_mcores', 'cpu_usage_mcores')})::int8 AS cpu,
      sum(${billable(window.model, 'memory_request_mib', 'memory_usage_mib')})::int8 AS mem,
      sum(storage_mib)::int8 AS storage, sum(gpu_milli)::int8 AS gpu, sum(egress_mib)::int8 AS egress
    FROM cost_usage_samples
    WHERE org_id = ${orgId} AND hour >= ${window.from} AND hour < ${window.to}
    GROUP BY 1, 2, 3, 4`.execute(db);
  return r.rows;
}

export interface CapacityRow {
  cluster: string;
  bucket: number;
  cpu: string;
  mem: string;
  gpu: string;
}

export async function capacity(db: Queryable, orgId: string, window: { from: Date; to: Date; cuts: readonly Date[] }): Promise<CapacityRow[]> {
  const r = await sql<CapacityRow>`
    SELECT cluster, width_bucket(hour, ${cutsOf(window.cuts)}::timestamptz[]) AS bucket,
      sum(cpu_mcores)::int8 AS cpu, sum(memory_mib)::int8 AS mem, sum(gpu_milli)::int8 AS gpu
    FROM cost_capacity_samples
    WHERE org_id = ${orgId} AND hour >= ${window.from} AND hour < ${window.to}
    GROUP BY 1, 2`.execute(db);
  return r.rows;
}
