import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peerAvailable } from '../support/peers.ts';
import { ClusterError } from '../../src/modules/integrations/driver.ts';
import { kubernetesDriver } from '../../src/modules/integrations/kubernetes.ts';
import { workspaceManifests, type WorkspaceForManifests } from '../../src/modules/integrations/manifests.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';

const TOKEN = 'fake-service-account-token';

const workspace: WorkspaceForManifests = {
  id: 'ws_01jabcdefghjkmnpqrstvwxyz0',
  orgId: 'org_01jabcdefghjkmnpqrstvwxyz0',
  name: 'Payments',
  slug: 'payments',
  labels: { team: 'payments' },
  quota: { cpu: '8', memory: '32Gi', storage: null, pods: 100 },
  version: 1,
};

describe('Kubernetes adapter against the API fake (plain HTTP on loopback)', () => {
  let fake: FakeApiServer;
  beforeEach(async () => {
    fake = await startFakeApiServer({ token: TOKEN });
  });
  afterEach(async () => {
    await fake.close();
  });

  const driver = () => kubernetesDriver({ apiUrl: fake.url, caData: null, token: TOKEN });

  it('pings /version with the bearer token', async () => {
    expect(await driver().ping()).toEqual({ version: 'v1.31.0' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/version', authorization: `Bearer ${TOKEN}` });
  });

  it('applies every object with server-side apply, namespace first', async () => {
    const manifests = workspaceManifests(workspace);
    await driver().apply(manifests);
    const calls = fake.calls();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v1/namespaces/hx-payments',
      'PATCH /api/v1/namespaces/hx-payments',
      'PATCH /api/v1/namespaces/hx-payments/resourcequotas/hexaplane-quota',
      'PATCH /api/v1/namespaces/hx-payments/limitranges/hexaplane-defaults',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/hx-payments/rolebindings/hexaplane-workspace-admin',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/hx-payments/rolebindings/hexaplane-workspace-developer',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/hx-payments/rolebindings/hexaplane-workspace-viewer',
    ]);
    const patches = calls.filter((c) => c.method === 'PATCH');
    for (const [i, patch] of patches.entries()) {
      expect(patch.contentType).toBe('application/apply-patch+yaml');
      expect(patch.query).toEqual({ fieldManager: 'hexaplane', force: 'true' });
      expect(patch.authorization).toBe(`Bearer ${TOKEN}`);
      expect(patch.body).toEqual(manifests[i]);
    }
    expect(fake.objects.size).toBe(6);
  });

  it('applies again over its own namespace', async () => {
    await driver().apply(workspaceManifests(workspace));
    await driver().apply(workspaceManifests({ ...workspace, version: 2 }));
    expect(fake.calls().filter((c) => c.method === 'PATCH')).toHaveLength(12);
  });

  it('never takes over a namespace that belongs to someone else', async () => {
    fake.objects.set('namespaces//hx-payments', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hx-payments', labels: { team: 'legacy' } } });
    const error = await driver().apply(workspaceManifests(workspace)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(/exists and does not belong to workspace/);
    expect(fake.calls().filter((c) => c.method === 'PATCH')).toHaveLength(0);
    await expect(driver().delete('hx-payments', { workspaceId: workspace.id })).rejects.toThrow(/does not belong/);
    expect(fake.calls().filter((c) => c.method === 'DELETE')).toHaveLength(0);
  });

  it('deletes its namespace in the background, and a missing one is already done', async () => {
    await driver().apply(workspaceManifests(workspace));
    await driver().delete('hx-payments', { workspaceId: workspace.id });
    const deletes = fake.calls().filter((c) => c.method === 'DELETE');
    expect(deletes).toEqual([
      expect.objectContaining({ path: '/api/v1/namespaces/hx-payments', query: { propagationPolicy: 'Background' }, authorization: `Bearer ${TOKEN}` }),
    ]);
    expect(fake.objects.size).toBe(0);
    await driver().delete('hx-payments', { workspaceId: workspace.id });
    expect(fake.calls().filter((c) => c.method === 'DELETE')).toHaveLength(1);
  });

  it('reports what the API server said when it fails', async () => {
    fake.failNext(500, 1, 'PATCH');
    await expect(driver().apply(workspaceManifests(workspace))).rejects.toThrow(
      /^applying Namespace hx-payments: the API server answered 500: fake failure injected by the test$/,
    );
  });

  it('reports a refused token without echoing it', async () => {
    const error = (await kubernetesDriver({ apiUrl: fake.url, caData: null, token: 'wrong-token' }).ping().catch((e: unknown) => e)) as ClusterError;
    expect(error.status).toBe(401);
    expect(error.message).not.toContain('wrong-token');
  });

  it('gives up on an API server that does not answer', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      await expect(kubernetesDriver({ apiUrl: `http://127.0.0.1:${port}`, caData: null, token: TOKEN }, { timeoutMs: 300 }).ping()).rejects.toThrow(ClusterError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });
});

/** openssl makes the test certificates: node:crypto cannot issue X.509 certificates. */
const haveOpenssl = () => peerAvailable('openssl', '/usr/bin/openssl');

describe.skipIf(!haveOpenssl())('Kubernetes adapter against the API fake over HTTPS', () => {
  let fake: FakeApiServer;
  let cert: string;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hx-k8s-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=fake-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    fake = await startFakeApiServer({ token: TOKEN, tls: { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert } });
  });
  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the API server certificate through the cluster CA', async () => {
    const driver = kubernetesDriver({ apiUrl: fake.url, caData: cert, token: TOKEN });
    expect(await driver.ping()).toEqual({ version: 'v1.31.0' });
    await driver.apply(workspaceManifests(workspace));
    expect(fake.objects.size).toBe(6);
  });

  it('refuses an API server whose certificate the CA did not sign', async () => {
    await expect(kubernetesDriver({ apiUrl: fake.url, caData: null, token: TOKEN }).ping()).rejects.toThrow(/certificate/i);
    expect(fake.requests).toHaveLength(0);
  });
});
