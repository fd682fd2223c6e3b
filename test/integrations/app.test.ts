/**
 * The integrations API in the whole app: signed in as the bootstrap administrator, with
 * the real identity and access modules deciding.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/app.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';

describe('integrations in the whole app', () => {
  let t: TestApp;
  let fake: FakeApiServer;
  let smtp: SMTPServer;
  const mails: string[] = [];
  let headers: Record<string, string> = {};

  beforeAll(async () => {
    fake = await startFakeApiServer({ token: 'app-token' });
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    t = await createTestApp({ smtpUrl: `smtp://127.0.0.1:${port}` });
    const session = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(session.statusCode).toBe(200);
    const cookie = session.cookies.find((c) => c.name === 'hxp_session')!;
    headers = { cookie: `hxp_session=${cookie.value}`, 'x-csrf-token': (session.json() as { csrfToken: string }).csrfToken };
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('registers a cluster, places a workspace on it and applies it', async () => {
    const org = (await post('/api/v1/orgs', { name: 'Acme', slug: 'acme-integrations' })).json() as { id: string };
    const ws = (await post(`/api/v1/orgs/${org.id}/workspaces`, { name: 'Payments', slug: 'payments', quota: { cpu: '8', memory: '32Gi' } })).json() as { id: string };
    const created = await post(`/api/v1/orgs/${org.id}/clusters`, { name: 'dev', apiUrl: fake.url, token: 'app-token' });
    expect(created.statusCode).toBe(201);
    const cluster = created.json() as { id: string };

    const placed = await t.app.inject({ method: 'PUT', url: `/api/v1/orgs/${org.id}/workspaces/${ws.id}/placement`, headers, payload: { clusterId: cluster.id } });
    expect(placed.statusCode).toBe(200);
    await t.deps.outbox.drain();

    const status = await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/workspaces/${ws.id}/reconciliation`, headers });
    expect(status.json()).toMatchObject({ status: 'applied', namespace: 'hx-payments', cluster: { id: cluster.id } });
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/clusters/${cluster.id}`, headers })).json()).toMatchObject({ status: 'ready', kubernetesVersion: 'v1.31.0' });
    expect(fake.objects.get('resourcequotas/hx-payments/hexaplane-quota')?.spec).toEqual({ hard: { 'requests.cpu': '8', 'requests.memory': '32Gi' } });

    const yaml = await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/workspaces/${ws.id}/manifests`, headers });
    expect(yaml.headers['content-type']).toMatch(/^text\/yaml/);
    expect(yaml.body).toContain('name: hx-payments');

    const catalog = await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/actions?limit=200`, headers });
    const names = (catalog.json() as { items: { name: string }[] }).items.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['cluster:create', 'cluster:read', 'cluster:update', 'cluster:delete', 'cluster:assign']));
  });

  it('sends the invitation e-mail with its accept link', async () => {
    const org = (await post('/api/v1/orgs', { name: 'Mail', slug: 'mail-integrations' })).json() as { id: string };
    const invitation = await post(`/api/v1/orgs/${org.id}/invitations`, { email: 'new.person@example.com', roleId: 'org-member' });
    expect(invitation.statusCode).toBe(201);
    const token = new URL((invitation.json() as { acceptUrl: string }).acceptUrl).searchParams.get('token')!;
    await t.deps.outbox.drain();
    expect(mails).toHaveLength(1);
    // Quoted-printable soft line breaks may split the link; the token itself is URL-safe base64.
    expect(mails[0]!.replace(/=\r?\n/g, '')).toContain(token);
  });
});
