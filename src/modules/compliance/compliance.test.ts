import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import { inviteAndSignIn } from '../../../test/support/world.ts';
import { sealPending } from '../audit/index.ts';
import { leafHash, verifyInclusion } from '../audit/merkle.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let auditor: Credentials & { kind: 'session' };
let orgId: string;

const api = (path: string) => `/api/v1/orgs/${orgId}${path}`;
const CARD = '4111 1111 1111 1111';

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Masked', slug: 'masked' } })).id;
  auditor = await inviteAndSignIn(t, admin, orgId, 'auditor@masked.test', 'org-security-auditor');
}, 120_000);

afterAll(async () => {
  await t?.close();
});

async function rawEvent(eventId: string) {
  const r = await sql<{ after: unknown; target_name: string | null }>`SELECT after, target_name FROM audit_events WHERE id = ${eventId}`.execute(t.db);
  return r.rows[0]!;
}

async function eventsOf(action: string, who: Credentials = admin, query: Record<string, string> = {}) {
  return (await expectJson(t.app, who, 'GET', api('/audit-events'), 200, { query: { action, ...query } })).items as Array<{ id: string; after: any; target: any; actor: any }>;
}

async function newestEventId(action: string): Promise<string> {
  const r = await sql<{ id: string }>`SELECT id FROM audit_events WHERE org_id = ${orgId} AND action = ${action} ORDER BY id DESC LIMIT 1`.execute(t.db);
  return r.rows[0]!.id;
}

describe('rules', () => {
  it('starts an org with the documented defaults', async () => {
    const rules = (await expectJson(t.app, admin, 'GET', api('/pii-rules'), 200)).items;
    expect(rules.map((r: any) => [r.detector, r.mode, r.style])).toEqual(expect.arrayContaining([
      ['payment-card', 'write', 'partial'], ['my-number', 'write', 'redact'], ['email', 'read', 'partial'], ['phone', 'read', 'partial'], ['iban', 'read', 'partial'],
    ]));
    expect(rules).toHaveLength(5);
  });

  it('creates, reads, updates with If-Match, and deletes a rule, each change audited once', async () => {
    const created = await call(t.app, admin, 'POST', api('/pii-rules'), { body: { name: 'Client IPs', detector: 'ip-address', mode: 'read', style: 'partial', appliesTo: { payload: false, actorIp: true } } });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"v1"');
    const rule = created.json();
    expect(rule).toMatchObject({ id: expect.stringMatching(/^pii_/), appliesTo: { payload: false, fields: [], actorIp: true, targetName: false }, enabled: true, defaultCountry: null });
    expect(await expectJson(t.app, admin, 'GET', api(`/pii-rules/${rule.id}`), 200)).toEqual(rule);

    const stale = await call(t.app, admin, 'PATCH', api(`/pii-rules/${rule.id}`), { body: { enabled: false }, headers: { 'if-match': '"v7"' } });
    expect(stale.statusCode).toBe(412);
    const updated = await expectJson(t.app, admin, 'PATCH', api(`/pii-rules/${rule.id}`), 200, { body: { enabled: false }, headers: { 'if-match': '"v1"' } });
    expect(updated).toMatchObject({ enabled: false, version: 2 });

    const dup = await call(t.app, admin, 'POST', api('/pii-rules'), { body: { name: 'Client IPs', detector: 'email', mode: 'read', style: 'redact' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().field).toBe('name');

    expect((await call(t.app, admin, 'DELETE', api(`/pii-rules/${rule.id}`))).statusCode).toBe(204);
    expect((await call(t.app, admin, 'GET', api(`/pii-rules/${rule.id}`))).statusCode).toBe(404);
    for (const action of ['pii-rule:create', 'pii-rule:update', 'pii-rule:delete']) {
      const events = await eventsOf(action);
      expect(events.filter((e) => e.target.id === rule.id), action).toHaveLength(1);
    }
  });

  it('refuses bad rules with a problem naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', detector: 'passport', mode: 'read', style: 'redact' }, 'detector'],
      [{ name: 'x', detector: 'phone', mode: 'later', style: 'redact' }, 'mode'],
      [{ name: 'x', detector: 'phone', mode: 'read', style: 'redact', defaultCountry: 'XX' }, 'defaultCountry'],
      [{ name: 'x', detector: 'phone', mode: 'read', style: 'redact', appliesTo: { everywhere: true } }, 'appliesTo'],
      [{ name: '', detector: 'phone', mode: 'read', style: 'redact' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await call(t.app, admin, 'POST', api('/pii-rules'), { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().field).toContain(field);
    }
  });

  it('lets a security auditor read rules but not change them', async () => {
    expect((await call(t.app, auditor, 'GET', api('/pii-rules'))).statusCode).toBe(200);
    expect((await call(t.app, auditor, 'POST', api('/pii-rules'), { body: { name: 'nope', detector: 'email', mode: 'read', style: 'redact' } })).statusCode).toBe(403);
  });

  it('previews the current rules and a proposed set without changing anything', async () => {
    const text = `card ${CARD}, mail alice@example.com`;
    const current = await expectJson(t.app, admin, 'POST', api('/pii-rules/preview'), 200, { body: { text } });
    expect(current.stored).toBe('card [card ****1111], mail alice@example.com');
    expect(current.masked).toBe('card [card ****1111], mail ***@example.com');
    expect(current.matches).toEqual(expect.arrayContaining([{ ruleName: 'Payment card numbers', detector: 'payment-card', mode: 'write', count: 1 }]));

    const proposed = await expectJson(t.app, admin, 'POST', api('/pii-rules/preview'), 200, {
      body: { event: { after: { contact: 'alice@example.com', note: 'alice@example.com' } }, rules: [{ name: 'Mail', detector: 'email', mode: 'write', style: 'hash', appliesTo: { fields: ['contact'] } }] },
    });
    expect(proposed.stored.after.contact).toMatch(/^\[email#[a-p]{16}\]$/);
    expect(proposed.stored.after.note).toBe('alice@example.com');
    expect(proposed.matches).toEqual([{ ruleName: 'Mail', detector: 'email', mode: 'write', count: 1 }]);

    const both = await call(t.app, admin, 'POST', api('/pii-rules/preview'), { body: { text: 'x', event: {} } });
    expect(both.statusCode).toBe(400);
    expect(both.json().field).toContain('text');
  });
});

describe('masking audit events', () => {
  let eventId: string;

  it('masks a card number at write: the stored row holds only the masked form', async () => {
    const ws = await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Billing', slug: 'billing', description: `paid with ${CARD}` } });
    eventId = await newestEventId('workspace:create');
    const row = await rawEvent(eventId);
    expect(JSON.stringify(row.after)).not.toContain('4111 1111');
    expect((row.after as any).description).toBe('paid with [card ****1111]');
    expect(ws.description).toBe(`paid with ${CARD}`); // the business data is not the audit trail
  });

  it('seals the masked event, and its inclusion proof verifies', async () => {
    await sealPending(t.deps);
    const proof = await expectJson(t.app, admin, 'GET', api(`/audit-events/${eventId}/proof`), 200);
    expect(proof.leafData).toContain('[card ****1111]');
    const leaf = leafHash(Buffer.from(proof.leafData, 'utf8'));
    expect(leaf.toString('base64')).toBe(proof.leafHash);
    expect(verifyInclusion(leaf, proof.leafIndex, proof.treeSize, proof.auditPath.map((h: string) => Buffer.from(h, 'base64')), Buffer.from(proof.checkpoint.rootHash, 'base64'))).toBe(true);
  });

  it('a rule created now applies to the very next write (cache dropped on change)', async () => {
    await expectJson(t.app, admin, 'POST', api('/pii-rules'), 201, { body: { name: 'Phones at write', detector: 'phone', mode: 'write', style: 'redact', defaultCountry: 'JP' } });
    await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: 'Support', slug: 'support', description: 'call 03-1234-5678' } });
    expect(((await rawEvent(await newestEventId('workspace:create'))).after as any).description).toBe('call [phone]');
  });

  describe('read-mode e-mail masking', () => {
    let inviteEventId: string;
    beforeAll(async () => {
      await expectJson(t.app, admin, 'POST', api('/invitations'), 201, { body: { email: 'carol@example.com', roleId: 'org-member' } });
      inviteEventId = await newestEventId('invitation:create');
    });

    it('stores the address and masks it on search and get', async () => {
      expect(JSON.stringify((await rawEvent(inviteEventId)).after)).toContain('carol@example.com');
      const [listed] = await eventsOf('invitation:create');
      expect(listed!.after.email).toBe('***@example.com');
      const got = await expectJson(t.app, auditor, 'GET', api(`/audit-events/${inviteEventId}`), 200);
      expect(JSON.stringify(got)).not.toContain('carol@');
    });

    it('withholds leafData from a masked reader, and the proof still verifies by leafHash', async () => {
      await sealPending(t.deps);
      const proof = await expectJson(t.app, auditor, 'GET', api(`/audit-events/${inviteEventId}/proof`), 200);
      expect(proof.leafData).toBeNull();
      const path = proof.auditPath.map((h: string) => Buffer.from(h, 'base64'));
      expect(verifyInclusion(Buffer.from(proof.leafHash, 'base64'), proof.leafIndex, proof.treeSize, path, Buffer.from(proof.checkpoint.rootHash, 'base64'))).toBe(true);
    });

    it('refuses ?unmasked=true without audit:read-unmasked, and audits the refusal', async () => {
      const res = await call(t.app, auditor, 'GET', api(`/audit-events/${inviteEventId}`), { query: { unmasked: 'true' } });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const denied = await eventsOf('audit:read-unmasked', admin, { outcome: 'denied' });
      expect(denied.some((e) => e.actor.id === auditor.userId)).toBe(true);
      expect((await call(t.app, auditor, 'GET', api('/audit-events'), { query: { unmasked: 'true' } })).statusCode).toBe(403);
    });

    it('gives the stored value with the permission, and records one audit:read-unmasked event per request', async () => {
      const before = (await eventsOf('audit:read-unmasked', admin, { outcome: 'success' })).length;
      const got = await expectJson(t.app, admin, 'GET', api(`/audit-events/${inviteEventId}`), 200, { query: { unmasked: 'true' } });
      expect(got.after.email).toBe('carol@example.com');
      const page = await expectJson(t.app, admin, 'GET', api('/audit-events'), 200, { query: { unmasked: 'true', action: 'invitation:', limit: '5' } });
      expect(page.items.some((e: any) => e.after?.email === 'carol@example.com')).toBe(true);
      const proof = await expectJson(t.app, admin, 'GET', api(`/audit-events/${inviteEventId}/proof`), 200, { query: { unmasked: 'true' } });
      expect(proof.leafData).toContain('carol@example.com');

      const reads = await eventsOf('audit:read-unmasked', admin, { outcome: 'success' });
      expect(reads.length - before).toBe(3);
      const single = reads.find((e) => e.target.id === inviteEventId)!;
      expect(single.after).toEqual({ eventIds: [inviteEventId] });
      const listRead = reads.find((e) => e.target.id === null)!;
      expect(listRead.after.eventIds).toEqual(page.items.map((e: any) => e.id));
    });

    it('exposes the same masking to other modules (export)', async () => {
      const stored = await expectJson(t.app, admin, 'GET', api(`/audit-events/${inviteEventId}`), 200, { query: { unmasked: 'true' } });
      const [masked] = await t.deps.services.compliance.maskAuditEvents(orgId, [stored], { unmasked: false });
      expect(masked!.after).toMatchObject({ email: '***@example.com' });
      expect(await t.deps.services.compliance.maskAuditEvents(orgId, [stored], { unmasked: true })).toEqual([stored]);
      expect(await t.deps.services.compliance.maskText(orgId, 'from dave@example.com')).toBe('from ***@example.com');
    });
  });
});
