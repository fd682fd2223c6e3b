import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import type { Principal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import type { Tx } from '../../kernel/db/index.ts';
import { verifyExportBundle, type ExportManifest, type ExportProof, type ExportVerdict } from './export-bundle.ts';
import { sealPending } from './sealer.ts';

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;

const system: Principal = {
  kind: 'system', id: 'system', orgId: null, displayName: 'Export test', platformAdmin: false,
  sessionId: null, apiKeyId: null, ip: '192.0.2.9', userAgent: 'vitest', requestId: null, mfaAt: null,
};

const api = (path: string) => `/api/v1/orgs/${orgId}${path}`;

async function recordEvents(count: number, action = 'workspace:update'): Promise<void> {
  await t.db.transaction().execute(async (tx) => {
    for (let i = 0; i < count; i++) {
      await recordAudit(tx, system, {
        action, orgId, workspaceId: i % 2 === 0 ? 'ws_01exportexportexportexport' : null,
        target: { type: 'workspace', id: `ws_${i}`, name: i % 7 === 0 ? '' : `Workspace "${i}", the ${i}th` },
        before: i % 3 === 0 ? null : { labels: { tier: 'gold', n: i } }, after: { description: `change\n${i}`, ok: true },
      });
    }
  });
}

async function sealAll(): Promise<void> {
  while ((await sealPending(t.deps)) > 0);
}

interface Bundle {
  manifest: ExportManifest;
  file: Buffer;
  proof: ExportProof;
}

/** Creates an export over the API and downloads what `hexaplane audit export` writes to disk. */
async function exportBundle(body: Record<string, unknown>): Promise<Bundle> {
  const created = await expectJson(t.app, admin, 'POST', api('/audit-exports'), 201, { body });
  const file = await call(t.app, admin, 'GET', api(`/audit-exports/${created.id}/file`));
  expect(file.statusCode).toBe(200);
  const proof = await expectJson(t.app, admin, 'GET', api(`/audit-exports/${created.id}/proof`), 200);
  return { manifest: created.manifest, file: file.rawPayload, proof };
}

/** A superuser's session: triggers off, as someone tampering with the database directly would do. */
async function asSuperuser(change: (tx: Tx) => Promise<unknown>): Promise<void> {
  await t.db.transaction().execute(async (tx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(tx);
    await change(tx);
  });
}

async function eventAtSeq(seq: number): Promise<string> {
  const row = await sql<{ event_id: string }>`SELECT event_id FROM audit_leaves WHERE org_id = ${orgId} AND seq = ${seq}`.execute(t.db);
  return row.rows[0]!.event_id;
}

function failed(verdict: ExportVerdict): Extract<ExportVerdict, { ok: false }> {
  if (verdict.ok) throw new Error('expected the export not to verify');
  return verdict;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Exported', slug: 'exported' } })).id;
  await recordEvents(40);
  await recordEvents(5, 'member:remove');
  await sealAll();
});
afterAll(async () => t?.close());

describe('audit export', () => {
  it('exports every sealed event as JSONL whose manifest, file and proof verify offline', async () => {
    const bundle = await exportBundle({ format: 'jsonl' });
    const { manifest } = bundle;
    expect(manifest.complete).toBe(true);
    expect(manifest.range.fromSeq).toBe(1);
    expect(manifest.eventCount).toBe(manifest.range.toSeq);
    expect(bundle.file.toString('utf8').trim().split('\n')).toHaveLength(manifest.eventCount);
    expect(verifyExportBundle(bundle)).toMatchObject({ ok: true, events: manifest.eventCount });
    // The download is regenerated, and byte for byte the same each time.
    const again = await call(t.app, admin, 'GET', api(`/audit-exports/${manifest.exportId}/file`));
    expect(again.rawPayload.equals(bundle.file)).toBe(true);
  });

  it('exports a filtered CSV that verifies event by event', async () => {
    const bundle = await exportBundle({ format: 'csv', filters: { action: 'member:' } });
    expect(bundle.manifest.complete).toBe(false);
    expect(bundle.manifest.eventCount).toBe(5);
    expect(bundle.file.toString('utf8').split('\n')[0]).toMatch(/^seq,leaf_hash,masked,id,org_id/);
    expect(verifyExportBundle(bundle)).toMatchObject({ ok: true, events: 5 });
  });

  it('exports a range starting after seq 1, proving the prefix with its frontier', async () => {
    const bundle = await exportBundle({ fromSeq: 12 });
    expect(bundle.manifest.range.fromSeq).toBe(12);
    expect(bundle.proof.prefix.size).toBe(11);
    expect(verifyExportBundle(bundle)).toMatchObject({ ok: true, events: bundle.manifest.range.toSeq - 11 });
  });

  it('audits the export and refuses bad requests with problem+json', async () => {
    const events = await expectJson(t.app, admin, 'GET', api('/audit-events'), 200, { query: { action: 'audit:export' } });
    expect(events.items.length).toBeGreaterThanOrEqual(1);
    expect(events.items[0].after).toMatchObject({ format: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const filteredFrom = await call(t.app, admin, 'POST', api('/audit-exports'), { body: { filters: { action: 'member:' }, fromSeq: 3 } });
    expect(filteredFrom.statusCode).toBe(400);
    expect(filteredFrom.json()).toMatchObject({ errors: [{ field: 'body.fromSeq' }] });
    const noCheckpoint = await call(t.app, admin, 'POST', api('/audit-exports'), { body: { treeSize: 999_999 } });
    expect(noCheckpoint.statusCode).toBe(404);
  });

  it('names a file, manifest or checkpoint that was changed after export', async () => {
    const bundle = await exportBundle({});
    const edited = Buffer.from(bundle.file.toString('utf8').replace('"ok":true', '"ok":false'));
    expect(failed(verifyExportBundle({ ...bundle, file: edited })).problem).toBe('file-hash');
    const manifest = { ...bundle.manifest, eventCount: bundle.manifest.eventCount - 1 };
    expect(failed(verifyExportBundle({ ...bundle, manifest })).problem).toBe('manifest-signature');
    const leafHashes = [...bundle.proof.leafHashes];
    leafHashes[3] = leafHashes[4]!;
    expect(failed(verifyExportBundle({ ...bundle, proof: { ...bundle.proof, leafHashes } })).problem).toBe('root-mismatch');
    const stranger = { keyId: bundle.manifest.keyId, publicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n' };
    expect(failed(verifyExportBundle({ ...bundle, trustedKeys: [stranger] })).problem).toBe('manifest-signature');
  });
});

describe('PII in exports', () => {
  it('applies read-time masking by default; unmasked needs audit:read-unmasked; both verify', async () => {
    await t.db.transaction().execute((tx) =>
      recordAudit(tx, system, { action: 'member:update', orgId, target: { type: 'user', id: 'usr_x', name: 'Jane' }, after: { email: 'jane.doe@acme.example' } }),
    );
    await sealAll();
    const masked = await exportBundle({ filters: { action: 'member:update' } });
    expect(masked.manifest).toMatchObject({ masked: true, maskedEvents: 1 });
    expect(masked.file.toString('utf8')).not.toContain('jane.doe@acme.example');
    expect(masked.file.toString('utf8')).toContain('"masked":true');
    expect(verifyExportBundle(masked)).toMatchObject({ ok: true, events: 1, masked: 1 });
    // The leaf a masked line names is authenticated through the signed root.
    const forged = { ...masked, proof: { ...masked.proof, leafHashes: [Buffer.alloc(32).toString('base64')] } };
    expect(failed(verifyExportBundle(forged)).problem).toBe('root-mismatch');

    const clear = await exportBundle({ filters: { action: 'member:update' }, unmasked: true });
    expect(clear.manifest).toMatchObject({ masked: false, maskedEvents: 0 });
    expect(clear.file.toString('utf8')).toContain('jane.doe@acme.example');
    expect(verifyExportBundle(clear)).toMatchObject({ ok: true, events: 1, masked: 0 });

    const key = await expectJson(t.app, admin, 'POST', api('/api-keys'), 201, { body: { name: 'auditor', roleId: 'org-security-auditor' } });
    const auditor: Credentials = { kind: 'apiKey', token: key.secret, keyId: key.apiKey.id };
    expect((await call(t.app, auditor, 'POST', api('/audit-exports'), { body: { unmasked: true } })).statusCode).toBe(403);
    expect((await call(t.app, auditor, 'GET', api(`/audit-exports/${clear.manifest.exportId}/file`))).statusCode).toBe(403);
    expect((await call(t.app, auditor, 'GET', api(`/audit-exports/${masked.manifest.exportId}/file`))).statusCode).toBe(200);
  });
});

describe('tampering in PostgreSQL is caught by verify', () => {
  it('an edited row: names the event', async () => {
    const victim = await eventAtSeq(7);
    await asSuperuser((tx) => sql`UPDATE audit_events SET target_name = 'nothing to see' WHERE org_id = ${orgId} AND id = ${victim}`.execute(tx));
    const verdict = failed(verifyExportBundle(await exportBundle({})));
    expect(verdict).toMatchObject({ problem: 'event-changed', seq: 7, eventId: victim });
  });

  it('a deleted row: names the missing seq', async () => {
    const victim = await eventAtSeq(20);
    await asSuperuser((tx) => sql`DELETE FROM audit_events WHERE org_id = ${orgId} AND id = ${victim}`.execute(tx));
    const bundle = await exportBundle({ fromSeq: 8 });
    expect(failed(verifyExportBundle(bundle))).toMatchObject({ problem: 'missing-event', seq: 20 });
  });

  it('reordered rows: names the first event out of place', async () => {
    const [a, b] = [await eventAtSeq(30), await eventAtSeq(31)];
    // Swap the two events' positions in the tree (what a reorder of the log amounts to).
    await asSuperuser(async (tx) => {
      await sql`UPDATE audit_leaves SET event_id = 'swap' WHERE org_id = ${orgId} AND seq = 30`.execute(tx);
      await sql`UPDATE audit_leaves SET event_id = ${a} WHERE org_id = ${orgId} AND seq = 31`.execute(tx);
      await sql`UPDATE audit_leaves SET event_id = ${b} WHERE org_id = ${orgId} AND seq = 30`.execute(tx);
    });
    const verdict = failed(verifyExportBundle(await exportBundle({ fromSeq: 21 })));
    expect(verdict).toMatchObject({ problem: 'event-changed', seq: 30, eventId: b });
  });

  it('an event rewritten together with its stored leaf: the signed root no longer matches', async () => {
    const victim = await eventAtSeq(40);
    await asSuperuser(async (tx) => {
      await sql`UPDATE audit_events SET reason = 'rewritten' WHERE org_id = ${orgId} AND id = ${victim}`.execute(tx);
      await sql`UPDATE audit_tree_nodes SET hash = sha256(hash) WHERE org_id = ${orgId} AND level = 0 AND idx = 39`.execute(tx);
    });
    expect(failed(verifyExportBundle(await exportBundle({ fromSeq: 32 }))).problem).toBe('root-mismatch');
  });
});
