import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import type { Principal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.ts';
import { createSealer, rotateSigningKey, sealOrgBatch, sealPending } from './sealer.ts';
import { checkpointText, verifyCheckpointSignature, verifyEventsAgainstCheckpoint, type SignedCheckpoint } from './sealing.ts';
import { signedCheckpointOf } from './service.ts';
import * as store from './store.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;

const system: Principal = {
  kind: 'system', id: 'system', orgId: null, displayName: 'Sealing test', platformAdmin: false,
  sessionId: null, apiKeyId: null, ip: '192.0.2.7', userAgent: 'vitest', requestId: null, mfaAt: null,
};

async function recordEvents(org: string, count: number): Promise<void> {
  await t.db.transaction().execute(async (tx) => {
    for (let i = 0; i < count; i++) {
      await recordAudit(tx, system, {
        action: 'workspace:update', orgId: org, target: { type: 'workspace', id: `ws_${i}`, name: `Workspace ${i}` },
        before: { labels: { tier: 'gold', 'cost-center': String(i) } }, after: { description: `change ${i}`, n: i },
      });
    }
  });
}

async function countEvents(org: string): Promise<number> {
  const row = await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', org).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function newOrg(slug: string): Promise<string> {
  return (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: slug, slug } })).id;
}

/** Seals until nothing is pending (the worker does the same, batch after batch). */
async function sealAll(batchSize: number): Promise<number> {
  let total = 0;
  for (let n = await sealPending(t.deps, batchSize); n > 0; n = await sealPending(t.deps, batchSize)) total += n;
  return total;
}

const api = (path: string) => `/api/v1/orgs/${orgId}${path}`;
const b64 = (s: string) => Buffer.from(s, 'base64');

/** The checkpoint as an offline verifier rebuilds it from the API's JSON. */
function checkpointFromJson(c: { orgId: string; treeSize: number; rootHash: string; signedAt: string; keyId: string; signature: string }): SignedCheckpoint {
  return { orgId: c.orgId, treeSize: c.treeSize, rootHash: b64(c.rootHash), signedAt: new Date(c.signedAt), keyId: c.keyId, signature: b64(c.signature) };
}

async function publicKeyOf(keyId: string): Promise<string> {
  const keys = await expectJson(t.app, { kind: 'anonymous' }, 'GET', '/api/v1/audit/public-keys', 200);
  const key = keys.items.find((k: { keyId: string }) => k.keyId === keyId);
  expect(key, `public key ${keyId} is published`).toBeTruthy();
  return key.publicKey as string;
}

async function storedLog(org: string) {
  const checkpoint = signedCheckpointOf((await store.latestCheckpoint(t.db, org))!);
  const events = await store.sealedEvents(t.db, org, 1, checkpoint.treeSize);
  const leaves = await store.leafHashes(t.db, org, checkpoint.treeSize);
  const key = (await store.findSigningKey(t.db, checkpoint.keyId))!;
  return { checkpoint, events, leaves, publicKey: key.public_key };
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = await newOrg('sealed');
});
afterAll(async () => t?.close());

/** The org's events in id order with the seq the sealer gave each (null while queued). */
async function eventsWithSeq(org: string): Promise<{ id: string; seq: number | null }[]> {
  const rows = await sql<{ id: string; seq: string | null }>`
    SELECT e.id, l.seq FROM audit_events e LEFT JOIN audit_leaves l ON l.org_id = e.org_id AND l.event_id = e.id
    WHERE e.org_id = ${org} ORDER BY e.id`.execute(t.db);
  return rows.rows.map((r) => ({ id: r.id, seq: r.seq === null ? null : Number(r.seq) }));
}

describe('sealing', () => {
  it('assigns seq 1..n in id order and signs a checkpoint that verifies offline', async () => {
    await recordEvents(orgId, 37);
    expect(await sealAll(10)).toBeGreaterThanOrEqual(37);
    const rows = await eventsWithSeq(orgId);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));

    const latest = await expectJson(t.app, admin, 'GET', api('/audit/checkpoints/latest'), 200);
    expect(latest.treeSize).toBe(rows.length);
    expect(latest.signedText).toBe(checkpointText(checkpointFromJson(latest)));
    expect(verifyCheckpointSignature(checkpointFromJson(latest), await publicKeyOf(latest.keyId))).toBe(true);

    // Batches of 10: one checkpoint per batch, newest first, paged.
    const first = await expectJson(t.app, admin, 'GET', api('/audit/checkpoints'), 200, { query: { limit: '2' } });
    expect(first.items.map((c: { treeSize: number }) => c.treeSize)).toEqual([rows.length, 30]);
    const second = await expectJson(t.app, admin, 'GET', api('/audit/checkpoints'), 200, { query: { limit: '2', cursor: first.nextCursor } });
    expect(second.items.map((c: { treeSize: number }) => c.treeSize)).toEqual([20, 10]);
  });

  it('proves one event in a checkpoint with only the public key', async () => {
    const events = await eventsWithSeq(orgId);
    for (const event of [events[0]!, events[17]!, events[events.length - 1]!]) {
      for (const treeSize of [undefined, 30, events.length]) {
        if (treeSize !== undefined && Number(event.seq) > treeSize) continue;
        const proof = await expectJson(t.app, admin, 'GET', api(`/audit-events/${event.id}/proof`), 200, treeSize ? { query: { treeSize: String(treeSize) } } : {});
        const checkpoint = checkpointFromJson(proof.checkpoint);
        const publicKey = await publicKeyOf(checkpoint.keyId);
        // Everything below is what an offline verifier does: the data names the event, hashes to the leaf, and the leaf is in the signed tree.
        expect(JSON.parse(proof.leafData).id).toBe(event.id);
        const leaf = leafHash(Buffer.from(proof.leafData, 'utf8'));
        expect(leaf.toString('base64')).toBe(proof.leafHash);
        expect(verifyCheckpointSignature(checkpoint, publicKey)).toBe(true);
        expect(verifyInclusion(leaf, proof.leafIndex, checkpoint.treeSize, proof.auditPath.map(b64), checkpoint.rootHash)).toBe(true);
        expect(verifyInclusion(leaf, proof.leafIndex, checkpoint.treeSize, proof.auditPath.map(b64), b64(proof.checkpoint.rootHash).reverse())).toBe(false);
      }
    }
    const beyond = await call(t.app, admin, 'GET', api(`/audit-events/${events[events.length - 1]!.id}/proof`), { query: { treeSize: '10' } });
    expect(beyond.statusCode).toBe(409);
    const noCheckpoint = await call(t.app, admin, 'GET', api(`/audit-events/${events[0]!.id}/proof`), { query: { treeSize: '11' } });
    expect(noCheckpoint.statusCode).toBe(404);
  });

  it('proves consistency between two checkpoints', async () => {
    const latest = await expectJson(t.app, admin, 'GET', api('/audit/checkpoints/latest'), 200);
    for (const from of [10, 20, 30]) {
      const res = await expectJson(t.app, admin, 'GET', api('/audit/consistency'), 200, { query: { from: String(from), to: String(latest.treeSize) } });
      const older = checkpointFromJson(res.from);
      const newer = checkpointFromJson(res.to);
      expect(verifyCheckpointSignature(older, await publicKeyOf(older.keyId))).toBe(true);
      expect(verifyConsistency(older.treeSize, newer.treeSize, res.proof.map(b64), older.rootHash, newer.rootHash)).toBe(true);
    }
    const backwards = await call(t.app, admin, 'GET', api('/audit/consistency'), { query: { from: String(latest.treeSize), to: '10' } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().field).toBe('query.from');
  });

  it('re-verifies the stored log and names the first event changed directly in PostgreSQL', async () => {
    const log = await storedLog(orgId);
    expect(verifyEventsAgainstCheckpoint(log.events, log.checkpoint, log.publicKey, log.leaves)).toEqual({ ok: true, verified: log.checkpoint.treeSize });

    const victims = [log.events[12]!, log.events[25]!];
    // A superuser can switch the trigger off; the seal still catches the change.
    await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(t.db);
    try {
      for (const v of victims) {
        await sql`UPDATE audit_events SET after = jsonb_set(after, '{n}', '999') WHERE org_id = ${orgId} AND id = ${v.id}`.execute(t.db);
      }
    } finally {
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`.execute(t.db);
    }
    const tampered = await storedLog(orgId);
    expect(verifyEventsAgainstCheckpoint(tampered.events, tampered.checkpoint, tampered.publicKey, tampered.leaves)).toMatchObject({
      ok: false, reason: 'event-changed', eventId: victims[0]!.id, seq: 13,
    });
    // Without the stored leaves the change is still caught, as a root mismatch.
    expect(verifyEventsAgainstCheckpoint(tampered.events, tampered.checkpoint, tampered.publicKey)).toMatchObject({ ok: false, reason: 'root-mismatch' });
    // A deleted event is named by the seq that went missing.
    const withoutOne = tampered.events.filter((e) => e.seq !== 5);
    expect(verifyEventsAgainstCheckpoint(withoutOne, tampered.checkpoint, tampered.publicKey, tampered.leaves)).toMatchObject({ ok: false, reason: 'missing-event', seq: 5 });
    // A forged checkpoint does not verify against the published key.
    const forged = { ...tampered.checkpoint, treeSize: tampered.checkpoint.treeSize - 1 };
    expect(verifyEventsAgainstCheckpoint(tampered.events, forged, tampered.publicKey, tampered.leaves)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('keeps every sealing table and the events append-only', async () => {
    const event = (await store.sealedEvents(t.db, orgId, 1, 1))[0]!;
    await expect(sql`UPDATE audit_events SET reason = 'edited' WHERE id = ${event.id}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_leaves SET seq = 99 WHERE event_id = ${event.id}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_checkpoints SET tree_size = 1 WHERE org_id = ${orgId}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_tree_nodes WHERE org_id = ${orgId}`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('lets two concurrent sealers share an org without assigning a seq twice', async () => {
    const org = await newOrg('contended');
    await recordEvents(org, 250);
    await Promise.all([sealOrgBatch(t.deps, org, 7), sealOrgBatch(t.deps, org, 7), sealPending(t.deps, 13), sealPending(t.deps, 13)]);
    // Drain what the contended round left.
    while ((await sealOrgBatch(t.deps, org, 50)) > 0);
    const seqs = (await eventsWithSeq(org)).map((r) => r.seq);
    expect(await t.db.selectFrom('audit_unsealed').select('event_id').where('org_id', '=', org).execute()).toHaveLength(0);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const log = await storedLog(org);
    expect(log.checkpoint.treeSize).toBe(seqs.length);
    expect(verifyEventsAgainstCheckpoint(log.events, log.checkpoint, log.publicKey, log.leaves)).toMatchObject({ ok: true });
  });

  it('runs as an interval worker that seals what arrives and stops cleanly', async () => {
    const org = await newOrg('worker');
    await recordEvents(org, 5);
    const sealer = createSealer(t.deps, { intervalMs: 20 });
    sealer.start();
    try {
      await vi.waitFor(async () => expect((await store.latestCheckpoint(t.db, org))?.tree_size).toBe(String(await countEvents(org))), { timeout: 5000, interval: 25 });
      await recordEvents(org, 2);
      await vi.waitFor(async () => expect((await store.latestCheckpoint(t.db, org))?.tree_size).toBe(String(await countEvents(org))), { timeout: 5000, interval: 25 });
    } finally {
      await sealer.stop();
    }
  });

  it('rotates the signing key and keeps the old public key published', async () => {
    const before = await expectJson(t.app, admin, 'GET', api('/audit/checkpoints/latest'), 200);
    const newKey = await rotateSigningKey(t.deps);
    await recordEvents(orgId, 3);
    await sealOrgBatch(t.deps, orgId);
    const after = await expectJson(t.app, admin, 'GET', api('/audit/checkpoints/latest'), 200);
    expect(after.keyId).toBe(newKey);
    expect(after.keyId).not.toBe(before.keyId);
    const keys = (await expectJson(t.app, { kind: 'anonymous' }, 'GET', '/api/v1/audit/public-keys', 200)).items;
    expect(keys.find((k: { keyId: string }) => k.keyId === before.keyId).retiredAt).not.toBeNull();
    expect(keys.find((k: { keyId: string }) => k.keyId === newKey).retiredAt).toBeNull();
    expect(verifyCheckpointSignature(checkpointFromJson(before), await publicKeyOf(before.keyId))).toBe(true);
    expect(verifyCheckpointSignature(checkpointFromJson(after), await publicKeyOf(newKey))).toBe(true);
    expect(verifyCheckpointSignature(checkpointFromJson(after), await publicKeyOf(before.keyId))).toBe(false);
    // The private key is sealed at rest, never stored in the clear.
    const row = await store.findSigningKey(t.db, newKey);
    expect(JSON.stringify(row!.private_key_sealed)).not.toContain('PRIVATE KEY');
  });

  it('keeps checkpoints and proofs to the organization', async () => {
    const other = await newOrg('other-sealed');
    const event = (await store.sealedEvents(t.db, orgId, 1, 1))[0]!;
    const res = await call(t.app, admin, 'GET', `/api/v1/orgs/${other}/audit-events/${event.id}/proof`);
    expect(res.statusCode).toBe(404);
    const none = await call(t.app, admin, 'GET', `/api/v1/orgs/${other}/audit/checkpoints/latest`);
    expect(none.statusCode).toBe(404);
  });
});
