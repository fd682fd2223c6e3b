import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { openSecret, sealSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { enqueue } from '../../kernel/outbox.ts';
import type { ModuleDeps } from '../deps.ts';
import type { WorkspaceView } from '../tenancy/index.ts';
import type { ClusterDriver, ConnectCluster } from './driver.ts';
import { normalizeApiUrl } from './endpoints.ts';
import { manifestsToYaml, namespaceFor, workspaceManifests } from './manifests.ts';
import {
  clusterCheckMessage,
  reconcileMessage,
  type ClusterView,
  type CreateClusterInput,
  type ReconciliationView,
  type UpdateClusterInput,
} from './schemas.ts';
import * as store from './store.ts';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function clusterView(row: store.ClusterRow): ClusterView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    apiUrl: row.api_url,
    caData: row.ca_data,
    labels: row.labels,
    status: row.status,
    statusMessage: row.status_message,
    kubernetesVersion: row.kubernetes_version,
    checkedAt: iso(row.checked_at),
    version: row.version,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

function unplaced(orgId: string, workspace: WorkspaceView): ReconciliationView {
  return {
    workspaceId: workspace.id,
    orgId,
    cluster: null,
    namespace: null,
    status: 'unplaced',
    generation: workspace.version,
    observedGeneration: null,
    attempts: 0,
    lastError: null,
    lastAppliedAt: null,
    updatedAt: null,
  };
}

/** An applied placement is `pending` again as soon as the workspace has moved on. */
export function reconciliationView(row: store.PlacementRow, cluster: { id: string; name: string }, workspace: WorkspaceView | undefined): ReconciliationView {
  const generation = workspace?.version ?? null;
  const stale = row.status === 'applied' && generation !== null && row.observed_generation !== generation;
  return {
    workspaceId: row.workspace_id,
    orgId: row.org_id,
    cluster: { id: cluster.id, name: cluster.name },
    namespace: row.namespace,
    status: stale ? 'pending' : row.status,
    generation,
    observedGeneration: row.observed_generation,
    attempts: row.attempts,
    lastError: row.last_error,
    lastAppliedAt: iso(row.last_applied_at),
    updatedAt: iso(row.updated_at),
  };
}

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

function clusterResource(row: store.ClusterRow): Resource {
  return { type: 'cluster', id: row.id, orgId: row.org_id, attrs: { name: row.name, labels: row.labels } };
}

/** The workspace, with the cluster it would be placed on, so policies can restrict placement by cluster labels. */
function workspaceResource(ws: WorkspaceView, cluster?: store.ClusterRow): Resource {
  return {
    type: 'workspace',
    id: ws.id,
    orgId: ws.orgId,
    workspaceId: ws.id,
    attrs: {
      name: ws.name,
      slug: ws.slug,
      labels: ws.labels,
      ...(cluster ? { cluster: { id: cluster.id, name: cluster.name, labels: cluster.labels } } : {}),
    },
  };
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

/** Additional authenticated data binds a sealed token to its cluster row. */
const tokenAad = (clusterId: string) => `cluster:${clusterId}`;

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;

export function createIntegrationsService(deps: ModuleDeps, connect: ConnectCluster) {
  const { db, authz, keys, log } = deps;
  const drivers = new Map<string, ClusterDriver>();

  function tx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return db.transaction().execute(work);
  }

  async function requireCluster(orgId: string, clusterId: string) {
    const row = await store.findCluster(db, orgId, clusterId);
    if (!row) throw problems.notFound('cluster', clusterId);
    return row;
  }

  async function requireWorkspace(orgId: string, workspaceId: string) {
    const ws = await deps.services.tenancy.findWorkspace(orgId, workspaceId);
    if (!ws) throw problems.notFound('workspace', workspaceId);
    return ws;
  }

  /** One driver per cluster version: a changed URL, CA or token gets a fresh client. */
  async function driverFor(cluster: store.ClusterRow): Promise<ClusterDriver> {
    const key = `${cluster.id}:${cluster.version}`;
    let driver = drivers.get(key);
    if (!driver) {
      const token = await openSecret(keys, cluster.token_sealed, tokenAad(cluster.id));
      driver = connect({ apiUrl: cluster.api_url, caData: cluster.ca_data, token });
      for (const k of drivers.keys()) if (k.startsWith(`${cluster.id}:`)) drivers.delete(k);
      if (drivers.size >= 200) drivers.clear();
      drivers.set(key, driver);
    }
    return driver;
  }

  function nameTaken(name: string) {
    return problems.conflict('name-taken', `A cluster named ${name} exists in this organization.`, 'name');
  }

  return {
    // ---- clusters ----

    async createCluster(p: Principal, orgId: string, input: CreateClusterInput) {
      await authz.require(p, 'cluster:create', orgResource(orgId));
      const id = newId('cluster');
      const sealed = await sealSecret(keys, input.token, tokenAad(id));
      return tx(async (t) => {
        let row: store.ClusterRow;
        try {
          row = await store.insertCluster(t, {
            id,
            org_id: orgId,
            name: input.name,
            api_url: normalizeApiUrl(input.apiUrl),
            ca_data: input.caData,
            token_sealed: sealed,
            labels: input.labels,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name);
          throw error;
        }
        const view = clusterView(row);
        await recordAudit(t, p, { action: 'cluster:create', orgId, target: { type: 'cluster', id, name: row.name }, after: view });
        await enqueue(t, 'cluster.check', { orgId, clusterId: id }, orgId);
        return view;
      });
    },

    async listClusters(p: Principal, orgId: string, page: PageQuery): Promise<Page<ClusterView>> {
      await authz.require(p, 'cluster:read', orgResource(orgId));
      const rows = await store.listClusters(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(clusterView), nextCursor: result.nextCursor };
    },

    async getCluster(p: Principal, orgId: string, clusterId: string) {
      const row = await requireCluster(orgId, clusterId);
      await authz.require(p, 'cluster:read', clusterResource(row));
      return clusterView(row);
    },

    async updateCluster(p: Principal, orgId: string, clusterId: string, expectedVersion: number | undefined, input: UpdateClusterInput) {
      const before = await requireCluster(orgId, clusterId);
      await authz.require(p, 'cluster:update', clusterResource(before));
      const sealed = input.token !== undefined ? await sealSecret(keys, input.token, tokenAad(clusterId)) : undefined;
      return tx(async (t) => {
        let row: store.ClusterRow | undefined;
        try {
          row = await store.updateCluster(t, orgId, clusterId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.apiUrl !== undefined ? { api_url: normalizeApiUrl(input.apiUrl) } : {}),
            ...(input.caData !== undefined ? { ca_data: input.caData } : {}),
            ...(sealed ? { token_sealed: sealed } : {}),
            ...(input.labels !== undefined ? { labels: input.labels } : {}),
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name ?? before.name);
          throw error;
        }
        if (!row) throw expectedVersion === undefined ? problems.notFound('cluster', clusterId) : problems.preconditionFailed();
        const view = clusterView(row);
        await recordAudit(t, p, {
          action: 'cluster:update',
          orgId,
          target: { type: 'cluster', id: clusterId, name: row.name },
          before: clusterView(before),
          // The token never enters the audit log; that it changed does.
          after: { ...view, ...(sealed ? { authReplaced: true } : {}) },
        });
        if (input.apiUrl !== undefined || input.caData !== undefined || sealed) {
          await enqueue(t, 'cluster.check', { orgId, clusterId }, orgId);
        }
        return view;
      });
    },

    async deleteCluster(p: Principal, orgId: string, clusterId: string) {
      const before = await requireCluster(orgId, clusterId);
      await authz.require(p, 'cluster:delete', clusterResource(before));
      await tx(async (t) => {
        if ((await store.countPlacements(t, orgId, clusterId)) > 0) {
          throw problems.conflict('cluster-in-use', 'Workspaces are placed on this cluster; take them off it first.');
        }
        if (!(await store.deleteCluster(t, orgId, clusterId))) throw problems.notFound('cluster', clusterId);
        await recordAudit(t, p, { action: 'cluster:delete', orgId, target: { type: 'cluster', id: clusterId, name: before.name }, before: clusterView(before) });
      });
    },

    // ---- placement ----

    async placeWorkspace(p: Principal, orgId: string, workspaceId: string, input: { clusterId: string }) {
      const ws = await requireWorkspace(orgId, workspaceId);
      const cluster = await store.findCluster(db, orgId, input.clusterId);
      await authz.require(p, 'cluster:assign', workspaceResource(ws, cluster));
      if (!cluster) throw problems.unprocessable('unknown-cluster', `No cluster ${input.clusterId} in this organization.`, 'clusterId');
      return tx(async (t) => {
        const existing = await store.lockPlacement(t, orgId, workspaceId);
        if (existing && existing.cluster_id !== cluster.id) {
          throw problems.conflict(
            'already-placed',
            'The workspace is placed on another cluster. Take it off that cluster first (DELETE its placement), which deletes its namespace there.',
            'clusterId',
          );
        }
        if (existing?.status === 'deleting') {
          throw problems.conflict('placement-deleting', 'The workspace is being taken off this cluster; wait until that finishes.', 'clusterId');
        }
        let row: store.PlacementRow;
        try {
          row = await store.upsertPlacement(t, {
            org_id: orgId,
            workspace_id: workspaceId,
            cluster_id: cluster.id,
            namespace: existing?.namespace ?? namespaceFor(ws.slug),
            placed_by: p.id,
          });
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw problems.conflict('namespace-taken', `Another workspace already uses namespace ${namespaceFor(ws.slug)} on this cluster.`, 'clusterId');
          }
          throw error;
        }
        const view = reconciliationView(row, cluster, ws);
        await recordAudit(t, p, {
          action: 'cluster:assign',
          orgId,
          workspaceId,
          target: { type: 'workspace', id: workspaceId, name: ws.name },
          ...(existing ? { before: { clusterId: existing.cluster_id, namespace: existing.namespace } } : {}),
          after: { clusterId: cluster.id, clusterName: cluster.name, namespace: row.namespace },
        });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId }, orgId);
        return view;
      });
    },

    /** Takes a workspace off its cluster: the reconciler deletes the namespace, then the placement. */
    async unplaceWorkspace(p: Principal, orgId: string, workspaceId: string) {
      const ws = await requireWorkspace(orgId, workspaceId);
      const current = await store.findPlacement(db, orgId, workspaceId);
      const cluster = current ? await store.findCluster(db, orgId, current.cluster_id) : undefined;
      await authz.require(p, 'cluster:assign', workspaceResource(ws, cluster));
      if (!current || !cluster) throw problems.notFound('placement of workspace', workspaceId);
      return tx(async (t) => {
        const row = await store.setPlacementStatus(t, orgId, workspaceId, 'deleting');
        if (!row) throw problems.notFound('placement of workspace', workspaceId);
        await recordAudit(t, p, {
          action: 'cluster:assign',
          orgId,
          workspaceId,
          target: { type: 'workspace', id: workspaceId, name: ws.name },
          before: { clusterId: cluster.id, clusterName: cluster.name, namespace: row.namespace },
          after: null,
        });
        await enqueue(t, 'workspace.reconcile', { orgId, workspaceId }, orgId);
        return reconciliationView(row, cluster, ws);
      });
    },

    async getReconciliation(p: Principal, orgId: string, workspaceId: string): Promise<ReconciliationView> {
      const ws = await requireWorkspace(orgId, workspaceId);
      await authz.require(p, 'workspace:read', workspaceResource(ws));
      const row = await store.findPlacement(db, orgId, workspaceId);
      if (!row) return unplaced(orgId, ws);
      const cluster = await store.findCluster(db, orgId, row.cluster_id);
      return reconciliationView(row, { id: row.cluster_id, name: cluster?.name ?? row.cluster_id }, ws);
    },

    /** The YAML the workspace becomes, in the namespace it has (or would get) on its cluster. */
    async workspaceManifests(p: Principal, orgId: string, workspaceId: string): Promise<string> {
      const ws = await requireWorkspace(orgId, workspaceId);
      await authz.require(p, 'workspace:read', workspaceResource(ws));
      const placement = await store.findPlacement(db, orgId, workspaceId);
      return manifestsToYaml(workspaceManifests(ws, placement?.namespace ?? namespaceFor(ws.slug)));
    },

    // ---- workers (outbox handlers; no principal: the change was authorized when it was made) ----

    /**
     * Level-triggered: whatever the message says, it makes the cluster match the workspace as
     * it is now. The placement row stays locked meanwhile, so two replicas never apply one
     * workspace at once. A failure is recorded on the placement and rethrown, so the outbox
     * retries with backoff.
     */
    async reconcileWorkspace(payload: unknown): Promise<void> {
      const message = reconcileMessage.parse(payload);
      const { orgId, workspaceId } = message;
      const failure = await tx(async (t) => {
        const placement = await store.lockPlacement(t, orgId, workspaceId);
        if (!placement) return null;
        const workspace = message.deleted ? undefined : await deps.services.tenancy.findWorkspace(orgId, workspaceId);
        const removing = !workspace || placement.status === 'deleting';
        // Several messages may name one change (the workspace's own and the placement's).
        if (!removing && placement.status === 'applied' && placement.observed_generation === workspace.version) return null;
        try {
          const cluster = await store.findCluster(t, orgId, placement.cluster_id);
          if (!cluster) throw new Error(`cluster ${placement.cluster_id} is gone`);
          const driver = await driverFor(cluster);
          if (removing) {
            await driver.delete(placement.namespace, { workspaceId });
            await store.deletePlacement(t, orgId, workspaceId);
          } else {
            await driver.apply(workspaceManifests(workspace, placement.namespace));
            await store.markApplied(t, orgId, workspaceId, workspace.version);
          }
          return null;
        } catch (error) {
          await store.markFailed(t, orgId, workspaceId, removing ? 'deleting' : 'failed', errorMessage(error));
          return error;
        }
      });
      if (failure) {
        log.warn({ orgId, workspaceId, err: errorMessage(failure) }, 'workspace reconciliation failed');
        throw failure;
      }
    },

    /** Checks that a cluster answers and accepts its token; retried with backoff while it does not. */
    async checkCluster(payload: unknown): Promise<void> {
      const { orgId, clusterId } = clusterCheckMessage.parse(payload);
      const cluster = await store.findCluster(db, orgId, clusterId);
      if (!cluster) return;
      let version: string;
      try {
        version = (await (await driverFor(cluster)).ping()).version;
      } catch (error) {
        await store.recordClusterCheck(db, orgId, clusterId, cluster.version, { status: 'unreachable', kubernetesVersion: null, message: errorMessage(error) });
        throw error;
      }
      await store.recordClusterCheck(db, orgId, clusterId, cluster.version, { status: 'ready', kubernetesVersion: version, message: null });
    },
  };
}
