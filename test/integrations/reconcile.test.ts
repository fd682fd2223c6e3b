import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/kernel/authz.ts';
import type { IntegrationsTables } from '../../src/modules/integrations/store.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';
import { createHarness, type Harness } from './harness.ts';

const TOKEN = 'reconciler-token';

describe('workspace reconciliation through the outbox, against the Kubernetes API fake', () => {
  let h: Harness;
  let fake: FakeApiServer;
  let p: Principal;
  let orgId: string;
  let clusterId: string;

  beforeAll(async () => {
    fake = await startFakeApiServer({ token: TOKEN });
    h = await createHarness();
    orgId = await h.createOrg('acme');
    p = h.user(undefined, orgId);
    const cluster = await h.integrations.createCluster(p, orgId, { name: 'dev', apiUrl: fake.url, caData: null, token: TOKEN, labels: { env: 'dev' } });
    clusterId = cluster.id;
    await h.deps.outbox.drain();
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  const tables = () => h.db.withTables<IntegrationsTables>();
  const outboxRows = (topic: string) => h.db.selectFrom('outbox').selectAll().where('topic', '=', topic).orderBy('id').execute();
  const patches = () => fake.calls().filter((c) => c.method === 'PATCH');

  it('checks a new cluster: ready, with its version', async () => {
    const cluster = await h.integrations.getCluster(p, orgId, clusterId);
    expect(cluster).toMatchObject({ status: 'ready', kubernetesVersion: 'v1.31.0', statusMessage: null, labels: { env: 'dev' } });
    expect(cluster.checkedAt).not.toBeNull();
  });

  it('stores the token sealed, and never shows it', async () => {
    const row = await tables().selectFrom('clusters').selectAll().where('id', '=', clusterId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row.token_sealed)).not.toContain(TOKEN);
    expect(row.token_sealed).toMatchObject({ v: 1, kek: expect.stringMatching(/^local:/) });
    expect(JSON.stringify(await h.integrations.getCluster(p, orgId, clusterId))).not.toContain(TOKEN);
    const audit = await h.db.selectFrom('audit_events').select(['action', 'after']).where('target_id', '=', clusterId).execute();
    expect(audit.map((a) => a.action)).toEqual(['cluster:create']);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('does nothing on the cluster for a workspace that is not placed', async () => {
    await h.deps.services.tenancy.createWorkspace(p, orgId, { name: 'Loose', slug: 'loose', description: '', labels: {} });
    await h.deps.outbox.drain();
    expect(fake.calls()).toEqual([]);
  });

  it('create, quota change and delete each end up on the cluster', async () => {
    const ws = await h.deps.services.tenancy.createWorkspace(p, orgId, {
      name: 'Payments', slug: 'payments', description: '', labels: { team: 'payments' }, quota: { cpu: '8', memory: '32Gi' },
    });
    const placed = await h.integrations.placeWorkspace(p, orgId, ws.id, { clusterId });
    expect(placed).toMatchObject({ status: 'pending', namespace: 'hx-payments', cluster: { id: clusterId, name: 'dev' }, generation: 1, observedGeneration: null });

    // create
    await h.deps.outbox.drain();
    expect(fake.calls().map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v1/namespaces/hx-payments',
      'PATCH /api/v1/namespaces/hx-payments',
      'PATCH /api/v1/namespaces/hx-payments/resourcequotas/hexaplane-quota',
      'PATCH /api/v1/namespaces/hx-payments/limitranges/hexaplane-defaults',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/hx-payments/rolebindings/hexaplane-workspace-admin',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/hx-payments/rolebindings/hexaplane-workspace-developer',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/hx-payments/rolebindings/hexaplane-workspace-viewer',
    ]);
    for (const patch of patches()) {
      expect(patch).toMatchObject({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'hexaplane', force: 'true' }, authorization: `Bearer ${TOKEN}` });
    }
    expect(patches()[0]!.body).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'hx-payments', labels: { 'hexaplane.dev/org': orgId, 'hexaplane.dev/workspace': ws.id, team: 'payments' } },
    });
    expect(patches()[1]!.body).toMatchObject({ kind: 'ResourceQuota', spec: { hard: { 'requests.cpu': '8', 'requests.memory': '32Gi' } } });
    expect(patches()[3]!.body).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: expect.arrayContaining([expect.objectContaining({ kind: 'Group', name: `hexaplane:${ws.id}:workspace-admin` })]) });
    expect(await h.integrations.getReconciliation(p, orgId, ws.id)).toMatchObject({ status: 'applied', generation: 1, observedGeneration: 1, attempts: 0, lastError: null });

    // quota change
    fake.requests.length = 0;
    const changed = await h.deps.services.tenancy.setWorkspaceQuota(p, orgId, ws.id, undefined, { cpu: '16', memory: null, storage: '1Ti', pods: 50 });
    expect((await h.integrations.getReconciliation(p, orgId, ws.id)).status).toBe('pending');
    await h.deps.outbox.drain();
    const quota = patches().find((c) => c.path.endsWith('/resourcequotas/hexaplane-quota'));
    expect(quota?.body).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: {
        name: 'hexaplane-quota',
        namespace: 'hx-payments',
        labels: { 'app.kubernetes.io/managed-by': 'hexaplane', 'hexaplane.dev/org': orgId, 'hexaplane.dev/workspace': ws.id },
      },
      spec: { hard: { 'requests.cpu': '16', 'requests.storage': '1Ti', pods: '50' } },
    });
    expect(fake.objects.get('resourcequotas/hx-payments/hexaplane-quota')?.spec).toEqual({ hard: { 'requests.cpu': '16', 'requests.storage': '1Ti', pods: '50' } });
    expect(await h.integrations.getReconciliation(p, orgId, ws.id)).toMatchObject({ status: 'applied', generation: changed.version, observedGeneration: changed.version });

    // delete
    fake.requests.length = 0;
    await h.deps.services.tenancy.deleteWorkspace(p, orgId, ws.id);
    await h.deps.outbox.drain();
    expect(fake.calls().map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/v1/namespaces/hx-payments', 'DELETE /api/v1/namespaces/hx-payments']);
    expect(fake.calls()[1]!.query).toEqual({ propagationPolicy: 'Background' });
    expect([...fake.objects.keys()].filter((k) => k.includes('hx-payments'))).toEqual([]);
    expect(await tables().selectFrom('workspace_placements').selectAll().where('workspace_id', '=', ws.id).execute()).toEqual([]);
    await expect(h.integrations.getReconciliation(p, orgId, ws.id)).rejects.toMatchObject({ status: 404 });
  });

  it('records a failure, lets the outbox retry with backoff, and recovers', async () => {
    const ws = await h.deps.services.tenancy.createWorkspace(p, orgId, { name: 'Ledger', slug: 'ledger', description: '', labels: {} });
    await h.deps.outbox.drain();
    await h.integrations.placeWorkspace(p, orgId, ws.id, { clusterId });
    fake.failNext(500, 1, 'PATCH');
    await h.deps.outbox.drain();

    const failed = await h.integrations.getReconciliation(p, orgId, ws.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, observedGeneration: null });
    expect(failed.lastError).toMatch(/applying Namespace hx-ledger: the API server answered 500: fake failure injected by the test/);
    const [message] = (await outboxRows('workspace.reconcile')).filter((r) => (r.payload as { workspaceId: string }).workspaceId === ws.id && r.status === 'pending');
    expect(message).toMatchObject({ status: 'pending', attempts: 1 });
    expect(message!.last_error).toMatch(/500/);
    expect(new Date(message!.next_attempt_at).getTime()).toBeGreaterThan(Date.now());

    // The backoff has not passed: nothing runs.
    fake.requests.length = 0;
    await h.deps.outbox.drain();
    expect(fake.calls()).toEqual([]);

    // Once it has, the retry applies everything.
    await h.db.updateTable('outbox').set({ next_attempt_at: sql`now()` }).where('id', '=', message!.id).execute();
    await h.deps.outbox.drain();
    expect(patches()).toHaveLength(6);
    expect(await h.integrations.getReconciliation(p, orgId, ws.id)).toMatchObject({ status: 'applied', attempts: 0, lastError: null, observedGeneration: ws.version });
    const done = await h.db.selectFrom('outbox').selectAll().where('id', '=', message!.id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('counts consecutive failures and keeps deleting state while a namespace removal fails', async () => {
    const ws = await h.deps.services.tenancy.createWorkspace(p, orgId, { name: 'Risk', slug: 'risk', description: '', labels: {} });
    await h.integrations.placeWorkspace(p, orgId, ws.id, { clusterId });
    await h.deps.outbox.drain();
    const unplacing = await h.integrations.unplaceWorkspace(p, orgId, ws.id);
    expect(unplacing.status).toBe('deleting');
    fake.failNext(503, 2, 'DELETE');
    await h.deps.outbox.drain();
    expect(await h.integrations.getReconciliation(p, orgId, ws.id)).toMatchObject({ status: 'deleting', attempts: 1 });
    await h.db.updateTable('outbox').set({ next_attempt_at: sql`now()` }).where('status', '=', 'pending').execute();
    await h.deps.outbox.drain();
    expect(await h.integrations.getReconciliation(p, orgId, ws.id)).toMatchObject({ status: 'deleting', attempts: 2 });
    await h.db.updateTable('outbox').set({ next_attempt_at: sql`now()` }).where('status', '=', 'pending').execute();
    await h.deps.outbox.drain();
    expect(await h.integrations.getReconciliation(p, orgId, ws.id)).toMatchObject({ status: 'unplaced', cluster: null });
    expect(fake.objects.has('namespaces//hx-risk')).toBe(false);
  });

  it('refuses to take over a namespace that exists without this workspace label', async () => {
    fake.objects.set('namespaces//hx-legacy', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hx-legacy', labels: {} } });
    const ws = await h.deps.services.tenancy.createWorkspace(p, orgId, { name: 'Legacy', slug: 'legacy', description: '', labels: {} });
    await h.deps.outbox.drain();
    await h.integrations.placeWorkspace(p, orgId, ws.id, { clusterId });
    await h.deps.outbox.drain();
    const status = await h.integrations.getReconciliation(p, orgId, ws.id);
    expect(status).toMatchObject({ status: 'failed', attempts: 1 });
    expect(status.lastError).toMatch(/does not belong to workspace/);
    expect(patches()).toEqual([]);
  });

  it('marks a cluster unreachable when its check fails', async () => {
    const other = await h.integrations.createCluster(p, orgId, { name: 'gone', apiUrl: 'http://127.0.0.1:9', caData: null, token: 'x', labels: {} });
    await h.deps.outbox.drain();
    const cluster = await h.integrations.getCluster(p, orgId, other.id);
    expect(cluster.status).toBe('unreachable');
    expect(cluster.statusMessage).toMatch(/reading the API server version/);
    const [check] = (await outboxRows('cluster.check')).filter((r) => (r.payload as { clusterId: string }).clusterId === other.id);
    expect(check).toMatchObject({ status: 'pending', attempts: 1 });
    await h.integrations.deleteCluster(p, orgId, other.id);
  });
});
