import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';
import { createHarness, type Harness } from './harness.ts';

describe('integrations HTTP API', () => {
  let h: Harness;
  let fake: FakeApiServer;
  let orgId: string;
  let otherOrgId: string;
  let workspaceId: string;
  const as = (user: string) => ({ 'x-test-user': user });
  let admin: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeApiServer({ token: 'route-token' });
    h = await createHarness();
    admin = as(h.admin.id);
    orgId = await h.createOrg('routes');
    otherOrgId = await h.createOrg('elsewhere');
    const ws = await h.deps.services.tenancy.createWorkspace(h.user(undefined, orgId), orgId, {
      name: 'Payments', slug: 'payments', description: '', labels: { team: 'payments' }, quota: { cpu: '4', pods: 20 },
    });
    workspaceId = ws.id;
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  const clusterBody = (extra: Record<string, unknown> = {}) => ({ name: 'prod-eu', apiUrl: `${fake.url}/`, token: 'route-token', labels: { env: 'prod' }, ...extra });

  it('registers, reads, changes and removes a cluster without ever returning its token', async () => {
    const created = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody() });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"v1"');
    const cluster = created.json();
    expect(cluster).toMatchObject({ orgId, name: 'prod-eu', apiUrl: fake.url, caData: null, labels: { env: 'prod' }, status: 'unknown', version: 1 });
    expect(cluster.id).toMatch(/^cls_/);
    expect(created.body).not.toContain('route-token');

    const list = await h.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/clusters?limit=10`, headers: admin });
    expect(list.json()).toEqual({ items: [expect.objectContaining({ id: cluster.id })], nextCursor: null });

    const stale = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/clusters/${cluster.id}`, headers: { ...admin, 'if-match': '"v7"' }, payload: { name: 'x' } });
    expect(stale.statusCode).toBe(412);

    const renamed = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/clusters/${cluster.id}`, headers: { ...admin, 'if-match': '"v1"' }, payload: { name: 'prod-eu-1', token: 'rotated-token' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.headers.etag).toBe('"v2"');
    expect(renamed.body).not.toContain('rotated-token');
    const audit = await h.db.selectFrom('audit_events').select(['action', 'before', 'after']).where('target_id', '=', cluster.id).orderBy('occurred_at').execute();
    expect(audit.map((a) => a.action)).toEqual(['cluster:create', 'cluster:update']);
    expect(audit[1]!.after).toMatchObject({ name: 'prod-eu-1', authReplaced: true });
    expect(JSON.stringify(audit)).not.toMatch(/route-token|rotated-token/);

    const gone = await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/clusters/${cluster.id}`, headers: admin });
    expect(gone.statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/clusters/${cluster.id}`, headers: admin })).statusCode).toBe(404);
  });

  it.each([
    [{ apiUrl: 'http://k8s.example.com' }, 'body.apiUrl'],
    [{ apiUrl: 'not a url' }, 'body.apiUrl'],
    [{ caData: 'not a certificate' }, 'body.caData'],
    [{ token: 'has a space' }, 'body.token'],
    [{ name: '' }, 'body.name'],
    [{ labels: { 'bad key!': 'x' } }, 'body.labels.bad key!'],
    [{ surprise: true }, 'body.surprise'],
  ])('refuses %o naming the field', async (change, field) => {
    const response = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'bad', ...change }) });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a second cluster with the same name', async () => {
    const first = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'Twin' }) });
    expect(first.statusCode).toBe(201);
    const second = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'twin' }) });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ type: 'https://hexaplane.dev/problems/name-taken', field: 'name' });
  });

  it('places a workspace, reports its reconciliation, and serves its manifests as YAML', async () => {
    const cluster = (await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'placement' }) })).json();
    const base = `/api/v1/orgs/${orgId}/workspaces/${workspaceId}`;

    const before = await h.app.inject({ method: 'GET', url: `${base}/reconciliation`, headers: admin });
    expect(before.json()).toMatchObject({ workspaceId, status: 'unplaced', cluster: null, namespace: null, generation: 1 });

    const unknown = await h.app.inject({ method: 'PUT', url: `${base}/placement`, headers: admin, payload: { clusterId: 'cls_01jabcdefghjkmnpqrstvwxyz0' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ field: 'clusterId' });

    const placed = await h.app.inject({ method: 'PUT', url: `${base}/placement`, headers: admin, payload: { clusterId: cluster.id } });
    expect(placed.statusCode).toBe(200);
    expect(placed.json()).toMatchObject({ status: 'pending', namespace: 'hx-payments', cluster: { id: cluster.id, name: 'placement' } });
    const [audit] = await h.db.selectFrom('audit_events').select(['action', 'after', 'workspace_id']).where('action', '=', 'cluster:assign').execute();
    expect(audit).toMatchObject({ workspace_id: workspaceId, after: { clusterId: cluster.id, namespace: 'hx-payments' } });

    await h.deps.outbox.drain();
    const after = await h.app.inject({ method: 'GET', url: `${base}/reconciliation`, headers: admin });
    expect(after.json()).toMatchObject({ status: 'applied', observedGeneration: 1, attempts: 0, lastError: null });

    const yaml = await h.app.inject({ method: 'GET', url: `${base}/manifests`, headers: admin });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.headers['content-type']).toBe('text/yaml; charset=utf-8');
    const docs = parseAllDocuments(yaml.body);
    expect(Array.isArray(docs) && docs.map((d) => d.toJS().kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange', 'RoleBinding', 'RoleBinding', 'RoleBinding']);
    expect(yaml.body).toContain("requests.cpu: \"4\"");

    const other = (await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'another' }) })).json();
    const moved = await h.app.inject({ method: 'PUT', url: `${base}/placement`, headers: admin, payload: { clusterId: other.id } });
    expect(moved.statusCode).toBe(409);
    expect(moved.json()).toMatchObject({ type: 'https://hexaplane.dev/problems/already-placed' });

    const inUse = await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/clusters/${cluster.id}`, headers: admin });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json()).toMatchObject({ type: 'https://hexaplane.dev/problems/cluster-in-use' });

    const off = await h.app.inject({ method: 'DELETE', url: `${base}/placement`, headers: admin });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ status: 'deleting' });
    await h.deps.outbox.drain();
    expect((await h.app.inject({ method: 'GET', url: `${base}/reconciliation`, headers: admin })).json()).toMatchObject({ status: 'unplaced' });
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/clusters/${cluster.id}`, headers: admin })).statusCode).toBe(204);
  });

  it('refuses and audits what the caller may not do', async () => {
    h.denied.add('* cluster:create');
    try {
      const response = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'denied' }) });
      expect(response.statusCode).toBe(403);
      const denial = await h.db.selectFrom('audit_events').selectAll().where('action', '=', 'cluster:create').where('outcome', '=', 'denied').execute();
      expect(denial).toHaveLength(1);
    } finally {
      h.denied.delete('* cluster:create');
    }
  });

  it('keeps organizations apart', async () => {
    const mine = (await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/clusters`, headers: admin, payload: clusterBody({ name: 'mine' }) })).json();
    // Through another organization's URL, the cluster does not exist.
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/orgs/${otherOrgId}/clusters/${mine.id}`, headers: admin })).statusCode).toBe(404);
    const placeAcross = await h.app.inject({ method: 'PUT', url: `/api/v1/orgs/${otherOrgId}/workspaces/${workspaceId}/placement`, headers: admin, payload: { clusterId: mine.id } });
    expect(placeAcross.statusCode).toBe(404);
    // A principal who is not a member of the organization sees nothing of it.
    const outsider = as('usr_01joutsider000000000000000');
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/clusters`, headers: outsider })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/workspaces/${workspaceId}/manifests`, headers: outsider })).statusCode).toBe(404);
  });

  it('describes every route in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((methods) => Object.values(methods).map((m) => m.operationId));
    for (const id of ['createCluster', 'listClusters', 'getCluster', 'updateCluster', 'deleteCluster', 'placeWorkspace', 'unplaceWorkspace', 'getWorkspaceReconciliation', 'getWorkspaceManifests']) {
      expect(operations).toContain(id);
    }
    const manifests = doc.paths['/api/v1/orgs/{orgId}/workspaces/{workspaceId}/manifests'].get;
    expect(Object.keys(manifests.responses['200'].content)).toEqual(['text/yaml']);
  });
});
