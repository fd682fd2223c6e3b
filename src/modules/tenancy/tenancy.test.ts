import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import { acceptInvitation, PASSWORD } from '../../../test/support/world.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', timeZone: 'Asia/Tokyo', currency: 'JPY' } })).id;
});
afterAll(async () => t?.close());

async function auditActions(target: string): Promise<string[]> {
  const rows = await t.db.selectFrom('audit_events').select('action').where('org_id', '=', orgId).where('target_id', '=', target).orderBy('id').execute();
  return rows.map((r) => r.action);
}

describe('organizations', () => {
  it('refuses a taken slug with a conflict naming the field', async () => {
    const res = await call(t.app, admin, 'POST', '/api/v1/orgs', { body: { name: 'Other', slug: 'acme' } });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ type: 'https://hexaplane.dev/problems/slug-taken', field: 'slug' });
  });

  it('refuses an unknown time zone', async () => {
    const res = await call(t.app, admin, 'PATCH', `/api/v1/orgs/${orgId}`, { body: { timeZone: 'Mars/Olympus' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.timeZone');
  });

  it('honours If-Match and bumps the ETag', async () => {
    const got = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}`);
    const etag = got.headers.etag as string;
    const stale = await call(t.app, admin, 'PATCH', `/api/v1/orgs/${orgId}`, { body: { name: 'Acme Group' }, headers: { 'if-match': '"v999"' } });
    expect(stale.statusCode).toBe(412);
    const ok = await call(t.app, admin, 'PATCH', `/api/v1/orgs/${orgId}`, { body: { name: 'Acme Group' }, headers: { 'if-match': etag } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).not.toBe(etag);
  });
});

describe('workspaces and projects', () => {
  let wsId: string;

  it('creates a workspace with labels and a quota, and audits it once', async () => {
    const ws = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, {
      body: { name: 'Finance-BU', slug: 'finance-bu', labels: { 'cost-center': 'cc-100' }, quota: { cpu: '8', memory: '32Gi', pods: 100 } },
    });
    wsId = ws.id;
    expect(ws.quota).toEqual({ cpu: '8', memory: '32Gi', storage: null, pods: 100 });
    expect(await auditActions(ws.id)).toEqual(['workspace:create']);
  });

  it('filters by label and text, and pages with a cursor', async () => {
    for (const slug of ['retail-apps', 'healthcare-analytics']) {
      await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, 201, { body: { name: slug, slug, labels: { tier: 'gold' } } });
    }
    const gold = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/workspaces`, 200, { query: { label: 'tier=gold' } });
    expect(gold.items.map((w: { slug: string }) => w.slug).sort()).toEqual(['healthcare-analytics', 'retail-apps']);
    const text = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/workspaces`, 200, { query: { q: 'FINANCE' } });
    expect(text.items).toHaveLength(1);
    const first = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/workspaces`, 200, { query: { limit: '2' } });
    expect(first.items).toHaveLength(2);
    const second = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/workspaces`, 200, { query: { limit: '2', cursor: first.nextCursor } });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const bad = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/workspaces`, { query: { cursor: 'garbage' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('query.cursor');
  });

  it('keeps project quotas inside the workspace quota', async () => {
    const a = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/projects`, 201, { body: { workspaceId: wsId, name: 'Ledger', slug: 'ledger', quota: { cpu: '6' } } });
    const over = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/projects`, { body: { workspaceId: wsId, name: 'Risk', slug: 'risk', quota: { cpu: '2500m' } } });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ type: 'https://hexaplane.dev/problems/quota-exceeds-workspace', field: 'quota.cpu' });
    expect(await t.db.withTables<{ projects: { slug: string } }>().selectFrom('projects').select('slug').where('slug', '=', 'risk').execute()).toHaveLength(0);
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/projects`, 201, { body: { workspaceId: wsId, name: 'Risk', slug: 'risk', quota: { cpu: '2' } } });
    // Lowering the workspace below what its projects hold is refused too.
    const lower = await call(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/workspaces/${wsId}/quota`, { body: { cpu: '4' } });
    expect(lower.statusCode).toBe(422);
    const raise = await call(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/projects/${a.id}/quota`, { body: { cpu: '6500m' } });
    expect(raise.statusCode).toBe(422);
    await expectJson(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/projects/${a.id}/quota`, 200, { body: { cpu: '5' } });
  });

  it('refuses to delete a workspace that still has projects', async () => {
    const res = await call(t.app, admin, 'DELETE', `/api/v1/orgs/${orgId}/workspaces/${wsId}`);
    expect(res.statusCode).toBe(409);
  });

  it('replays a POST with the same Idempotency-Key and refuses the key with another body', async () => {
    const body = { name: 'Idem', slug: 'idem' };
    const headers = { 'idempotency-key': 'create-idem-1' };
    const first = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, { body, headers });
    const again = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, { body, headers });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect(await auditActions(first.json().id)).toEqual(['workspace:create']);
    const reused = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/workspaces`, { body: { name: 'Other', slug: 'other' }, headers });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().field).toBe('idempotency-key');
  });
});

describe('invitations and members', () => {
  it('invites, accepts with a new account, lists the member, and removes them', async () => {
    const inv = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/invitations`, 201, { body: { email: 'New.Person@Acme.test', roleId: 'org-member' } });
    expect(inv.email).toBe('new.person@acme.test');
    expect(inv.acceptUrl).toContain('/accept-invitation?token=');
    const listed = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/invitations`, 200);
    expect(JSON.stringify(listed)).not.toContain(new URL(inv.acceptUrl).searchParams.get('token'));
    await acceptInvitation(t, inv.acceptUrl, 'New Person');
    const reuse = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', {
      body: { token: new URL(inv.acceptUrl).searchParams.get('token'), password: PASSWORD },
    });
    expect(reuse.statusCode).toBe(400);
    const person = await signIn(t.app, 'new.person@acme.test', PASSWORD);
    const orgs = await expectJson(t.app, person, 'GET', '/api/v1/orgs', 200);
    expect(orgs.items.map((o: { id: string }) => o.id)).toEqual([orgId]);
    const members = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/members`, 200);
    expect(members.items.map((m: { email: string }) => m.email)).toContain('new.person@acme.test');
    await expectJson(t.app, admin, 'DELETE', `/api/v1/orgs/${orgId}/members/${person.userId}`, 204);
    const after = await call(t.app, person, 'GET', `/api/v1/orgs/${orgId}`);
    expect(after.statusCode).toBe(404);
  });

  it('refuses an expired invitation and a revoked one', async () => {
    const inv = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/invitations`, 201, { body: { email: 'late@acme.test', roleId: 'org-member', expiresInHours: 1 } });
    await t.db.withTables<{ invitations: { id: string; expires_at: Date } }>().updateTable('invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', inv.id).execute();
    const token = new URL(inv.acceptUrl).searchParams.get('token');
    const res = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token, password: PASSWORD } });
    expect(res.statusCode).toBe(400);
    const listed = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgId}/invitations`, 200, { query: { status: 'expired' } });
    expect(listed.items.map((i: { id: string }) => i.id)).toContain(inv.id);

    const other = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/invitations`, 201, { body: { email: 'revoked@acme.test', roleId: 'org-member' } });
    await expectJson(t.app, admin, 'DELETE', `/api/v1/orgs/${orgId}/invitations/${other.id}`, 200);
    const revoked = await call(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', {
      body: { token: new URL(other.acceptUrl).searchParams.get('token'), password: PASSWORD },
    });
    expect(revoked.statusCode).toBe(400);
  });
});
