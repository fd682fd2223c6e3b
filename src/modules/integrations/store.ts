import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import { countRows, type Queryable } from '../../kernel/db/index.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Labels = ColumnType<Record<string, string>, string | undefined, string>;

export type PlacementStatus = 'pending' | 'applied' | 'failed' | 'deleting';

export type IntegrationsTables = {
  clusters: {
    id: string;
    org_id: string;
    name: string;
    api_url: string;
    ca_data: string | null;
    token_sealed: ColumnType<SealedSecret, string, string>;
    labels: Labels;
    status: ColumnType<'unknown' | 'ready' | 'unreachable', undefined, 'unknown' | 'ready' | 'unreachable'>;
    kubernetes_version: ColumnType<string | null, undefined, string | null>;
    status_message: ColumnType<string | null, undefined, string | null>;
    checked_at: NullableTimestamp;
    version: ColumnType<number, undefined, number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  workspace_placements: {
    workspace_id: string;
    org_id: string;
    cluster_id: string;
    namespace: string;
    status: ColumnType<PlacementStatus, PlacementStatus | undefined, PlacementStatus>;
    attempts: ColumnType<number, number | undefined, number>;
    last_error: ColumnType<string | null, string | null | undefined, string | null>;
    last_applied_at: NullableTimestamp;
    observed_generation: ColumnType<number | null, number | null | undefined, number | null>;
    placed_by: string;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
};

export type ClusterRow = Selectable<IntegrationsTables['clusters']>;
export type PlacementRow = Selectable<IntegrationsTables['workspace_placements']>;

function q(db: Queryable) {
  return db.withTables<IntegrationsTables>();
}

// ---- clusters ----

export async function insertCluster(
  db: Queryable,
  row: { id: string; org_id: string; name: string; api_url: string; ca_data: string | null; token_sealed: SealedSecret; labels: Record<string, string> },
) {
  return q(db)
    .insertInto('clusters')
    .values({ ...row, token_sealed: JSON.stringify(row.token_sealed), labels: JSON.stringify(row.labels) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCluster(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('clusters').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listClusters(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('clusters').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export interface ClusterChanges {
  name?: string;
  api_url?: string;
  ca_data?: string | null;
  token_sealed?: SealedSecret;
  labels?: Record<string, string>;
}

/** A changed endpoint or credential makes the last connection check stale. */
export async function updateCluster(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined, changes: ClusterChanges) {
  const reachChanged = changes.api_url !== undefined || changes.ca_data !== undefined || changes.token_sealed !== undefined;
  let query = q(db)
    .updateTable('clusters')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.api_url !== undefined ? { api_url: changes.api_url } : {}),
      ...(changes.ca_data !== undefined ? { ca_data: changes.ca_data } : {}),
      ...(changes.token_sealed !== undefined ? { token_sealed: JSON.stringify(changes.token_sealed) } : {}),
      ...(changes.labels !== undefined ? { labels: JSON.stringify(changes.labels) } : {}),
      ...(reachChanged ? { status: 'unknown' as const, status_message: null, checked_at: null } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteCluster(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const result = await q(db).deleteFrom('clusters').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Records a connection check, unless the cluster changed since the check began. */
export async function recordClusterCheck(
  db: Queryable,
  orgId: string,
  id: string,
  checkedVersion: number,
  result: { status: 'ready' | 'unreachable'; kubernetesVersion: string | null; message: string | null },
) {
  await q(db)
    .updateTable('clusters')
    .set({
      status: result.status,
      kubernetes_version: result.kubernetesVersion,
      status_message: result.message,
      checked_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('version', '=', checkedVersion)
    .execute();
}

// ---- placements ----

export async function countPlacements(db: Queryable, orgId: string, clusterId: string): Promise<number> {
  return countRows(q(db).selectFrom('workspace_placements').where('org_id', '=', orgId).where('cluster_id', '=', clusterId));
}

export async function findPlacement(db: Queryable, orgId: string, workspaceId: string) {
  return q(db)
    .selectFrom('workspace_placements')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
}

/** Serialises work on one workspace's placement across replicas. */
export async function lockPlacement(db: Queryable, orgId: string, workspaceId: string) {
  return q(db)
    .selectFrom('workspace_placements')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .forUpdate()
    .executeTakeFirst();
}

/** Places a workspace (or asks for it to be applied again); a fresh try starts at zero attempts. */
export async function upsertPlacement(
  db: Queryable,
  row: { org_id: string; workspace_id: string; cluster_id: string; namespace: string; placed_by: string },
) {
  return q(db)
    .insertInto('workspace_placements')
    .values({ ...row, status: 'pending' })
    .onConflict((oc) =>
      oc.column('workspace_id').doUpdateSet({ status: 'pending', attempts: 0, last_error: null, placed_by: row.placed_by, updated_at: sql`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function setPlacementStatus(db: Queryable, orgId: string, workspaceId: string, status: PlacementStatus) {
  return q(db)
    .updateTable('workspace_placements')
    .set({ status, attempts: 0, last_error: null, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .returningAll()
    .executeTakeFirst();
}

export async function markApplied(db: Queryable, orgId: string, workspaceId: string, generation: number) {
  await q(db)
    .updateTable('workspace_placements')
    .set({ status: 'applied', attempts: 0, last_error: null, observed_generation: generation, last_applied_at: sql`now()`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export async function markFailed(db: Queryable, orgId: string, workspaceId: string, status: 'failed' | 'deleting', error: string) {
  await q(db)
    .updateTable('workspace_placements')
    .set({ status, attempts: sql`attempts + 1`, last_error: error, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export async function deletePlacement(db: Queryable, orgId: string, workspaceId: string): Promise<void> {
  await q(db).deleteFrom('workspace_placements').where('org_id', '=', orgId).where('workspace_id', '=', workspaceId).execute();
}
