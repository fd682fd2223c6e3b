import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.ts';
import { newId } from '../../src/kernel/ids.ts';
import { accessLogWriterOf, runRetention, sealPending, type RetentionReport } from '../../src/modules/audit/index.ts';
import { verifyExportBundle } from '../../src/modules/audit/export-bundle.ts';
import { leafHash, verifyInclusion } from '../../src/modules/audit/merkle.ts';
import { DAY_MS, mayDelete, planRetention } from '../../src/modules/audit/retention.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';

/**
 * Retention end to end: events across many months, sealed; retention settings with a workspace
 * override; a workspace hold (and a released one); one run. Exactly the right events go, the
 * tree, leaves and checkpoints stay, every removal is recorded, proofs of the survivors still
 * verify against the old checkpoints, and a whole eligible month is dropped as a partition.
 */

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgA: string;
let orgB: string;
let orgC: string;
let heldWs: string;
let shortWs: string;
let otherWs: string;
const now = new Date();
const clock = fixedClock(now);

interface Inserted {
  id: string;
  orgId: string;
  workspaceId: string | null;
  at: Date;
}
const inserted: Inserted[] = [];

const daysAgo = (d: number) => new Date(now.getTime() - d * DAY_MS);
const monthStart = (monthsAgo: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsAgo, 1));

async function insertEvents(orgId: string, workspaceId: string | null, at: Date, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const id = newId('auditEvent');
    const occurred = new Date(at.getTime() + i * 60_000);
    await sql`
      WITH e AS (
        INSERT INTO audit_events (id, org_id, workspace_id, occurred_at, actor_kind, actor_id, action, target_type, target_id, outcome, after)
        VALUES (${id}, ${orgId}, ${workspaceId}, ${occurred}, 'system', 'test', 'workspace:update', 'workspace', ${workspaceId}, 'success', ${JSON.stringify({ i })}::jsonb)
        RETURNING org_id, id, occurred_at)
      INSERT INTO audit_unsealed (org_id, event_id, occurred_at) SELECT org_id, id, occurred_at FROM e`.execute(t.db);
    inserted.push({ id, orgId, workspaceId, at: occurred });
  }
}

async function sealAll(): Promise<void> {
  while ((await sealPending(t.deps)) > 0);
}

async function count(query: string): Promise<number> {
  const result = await sql<{ n: string }>`${sql.raw(`SELECT count(*) AS n FROM ${query}`)}`.execute(t.db);
  return Number(result.rows[0]!.n);
}

async function partitions(parent: string): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ${parent}::regclass`.execute(t.db);
  return result.rows.map((r) => r.name);
}

const monthName = (d: Date) => `audit_events_${d.toISOString().slice(0, 7).replace('-', '')}`;
const dayName = (d: Date) => `access_log_${d.toISOString().slice(0, 10).replace(/-/g, '')}`;
const oldMonth = monthStart(22); // older than every retention: dropped whole
const heldMonth = monthStart(20); // holds events of the held workspace: kept, trimmed row by row
const midMonth = monthStart(5);
const oldDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 200 * DAY_MS);
const heldDay = new Date(oldDay.getTime() + DAY_MS);

let checkpointBefore: { treeSize: number; rootHash: string };
let leavesBefore: number;
let nodesBefore: number;
let checkpointsBefore: number;
let dry: RetentionReport;
let report: RetentionReport;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t.app);
  const org = async (slug: string) => (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: slug, slug } })).id as string;
  orgA = await org('retention-a');
  orgB = await org('retention-b');
  orgC = await org('retention-c');
  const ws = async (slug: string) => (await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/workspaces`, 201, { body: { name: slug, slug } })).id as string;
  heldWs = await ws('held');
  shortWs = await ws('short');
  otherWs = await ws('other');

  await sql`SELECT ensure_audit_partitions(${oldMonth.toISOString().slice(0, 10)}::date, 24)`.execute(t.db);
  await insertEvents(orgA, null, new Date(oldMonth.getTime() + 2 * DAY_MS), 3);
  await insertEvents(orgB, null, new Date(oldMonth.getTime() + 3 * DAY_MS), 2);
  await insertEvents(orgA, heldWs, new Date(heldMonth.getTime() + 2 * DAY_MS), 3);
  await insertEvents(orgA, null, new Date(heldMonth.getTime() + 4 * DAY_MS), 2);
  await insertEvents(orgA, null, new Date(midMonth.getTime() + 2 * DAY_MS), 2);
  await insertEvents(orgA, shortWs, new Date(midMonth.getTime() + 2 * DAY_MS), 2);
  await insertEvents(orgA, otherWs, daysAgo(60), 2); // within A's 90 days: kept
  await insertEvents(orgA, shortWs, daysAgo(45), 2); // past the workspace's 30 days: removed
  await insertEvents(orgA, heldWs, daysAgo(45), 1);
  await insertEvents(orgB, null, new Date(midMonth.getTime() + 2 * DAY_MS), 2); // B keeps 400 days
  await insertEvents(orgC, null, new Date(heldMonth.getTime() + 2 * DAY_MS), 2); // C is held whole
  await sealAll();

  // Retention as the organizations set it, and holds as they place them.
  await expectJson(t.app, admin, 'PUT', `/api/v1/orgs/${orgA}/retention`, 200, {
    body: { auditDays: 90, accessLogDays: 30, workspaces: [{ workspaceId: shortWs, auditDays: 30 }] },
  });
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/legal-holds`, 201, {
    body: { name: 'Litigation 2026-17', reason: 'Preserve the held workspace', scope: { type: 'workspace', id: heldWs } },
  });
  const released = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/legal-holds`, 201, {
    body: { name: 'Old matter', reason: 'Ended', scope: { type: 'workspace', id: shortWs } },
  });
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/legal-holds/${released.id}/release`, 200, { body: { reason: 'Matter closed' } });
  await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgC}/legal-holds`, 201, {
    body: { name: 'Regulator', reason: 'Inquiry', scope: { type: 'organization', id: orgC } },
  });
  await sealAll();

  // The access log: old days with A's, B's and the held C's entries.
  await sql`SELECT ensure_access_log_partitions(${oldDay.toISOString().slice(0, 10)}::date, 2)`.execute(t.db);
  const writer = accessLogWriterOf(t.deps);
  const entry = (orgId: string | null, at: Date) => ({
    at, orgId, workspaceId: null, method: 'GET', routeTemplate: '/api/v1/orgs/:orgId', status: 200, latencyMs: 1.5, principalKind: 'user', principalId: 'usr_x',
    apiKeyId: null, sessionId: null, ip: '192.0.2.1', userAgent: 'test', bytesIn: 0, bytesOut: 10, requestId: 'req_test',
  });
  await writer.flush();
  for (const org of [orgA, orgB, null]) writer.record(entry(org, new Date(oldDay.getTime() + 3_600_000)));
  for (const org of [orgA, orgC]) writer.record(entry(org, new Date(heldDay.getTime() + 3_600_000)));
  writer.record(entry(orgA, daysAgo(45)));
  writer.record(entry(orgB, daysAgo(45)));
  await writer.flush();

  const latest = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/audit/checkpoints/latest`, 200);
  checkpointBefore = latest;
  leavesBefore = await count('audit_leaves');
  nodesBefore = await count('audit_tree_nodes');
  checkpointsBefore = await count('audit_checkpoints');

  dry = (await runRetention({ db: t.db, clock, log: t.deps.log }, { dryRun: true }))!;
  report = (await runRetention({ db: t.db, clock, log: t.deps.log }))!;
  await sealAll();
}, 120_000);

afterAll(async () => t?.close());

async function remainingIds(): Promise<Set<string>> {
  const rows = await t.db.selectFrom('audit_events').select('id').execute();
  return new Set(rows.map((r) => r.id));
}

describe('a retention run', () => {
  it('removes exactly the sealed events past their retention and outside any hold', async () => {
    const plan = planRetention({
      log: 'audit', now, holds: [{ id: 'h', orgId: orgA, scope: { type: 'workspace', id: heldWs }, until: null, releasedAt: null }, { id: 'c', orgId: orgC, scope: { type: 'organization', id: orgC }, until: null, releasedAt: null }],
      settings: [{ orgId: orgA, auditDays: 90, accessLogDays: 30, workspaces: [{ workspaceId: shortWs, auditDays: 30, accessLogDays: null }] }],
    });
    const expectedGone = inserted.filter((e) => mayDelete(plan, { ...e, sealed: true })).map((e) => e.id).sort();
    const remaining = await remainingIds();
    const gone = inserted.filter((e) => !remaining.has(e.id)).map((e) => e.id).sort();
    expect(gone).toEqual(expectedGone);
    expect(gone.length).toBe(3 + 2 + 2 + 2 + 2 + 2);
    // Held: the workspace hold of A and the organization hold of C.
    for (const e of inserted.filter((x) => x.workspaceId === heldWs || x.orgId === orgC)) expect(remaining.has(e.id)).toBe(true);
  });

  it('reported the same in a dry run first, and the dry run changed nothing', () => {
    const purged = (r: RetentionReport) => Object.fromEntries(r.orgs.map((o) => [o.orgId, o.auditPurged]));
    expect(dry.dryRun).toBe(true);
    expect(purged(dry)).toEqual(purged(report));
    expect(dry.auditPartitionsDropped.map((p) => p.name)).toEqual(report.auditPartitionsDropped.map((p) => p.name));
  });

  it('keeps every leaf hash, leaf position and checkpoint', async () => {
    // Nothing went; the two retention:purge events (A and B) were sealed on top.
    expect(await count('audit_leaves')).toBe(leavesBefore + 2);
    expect(await count('audit_tree_nodes WHERE level = 0')).toBe(leavesBefore + 2);
    expect(await count('audit_tree_nodes')).toBeGreaterThan(nodesBefore);
    expect(await count('audit_checkpoints')).toBeGreaterThan(checkpointsBefore);
  });

  it('lists every removed event in audit_purged with its seq, under the run', async () => {
    const rows = await sql<{ event_id: string; seq: string; run_id: string }>`
      SELECT p.event_id, p.seq, p.run_id FROM audit_purged p JOIN audit_leaves l ON l.org_id = p.org_id AND l.event_id = p.event_id AND l.seq = p.seq`.execute(t.db);
    const remaining = await remainingIds();
    const gone = inserted.filter((e) => !remaining.has(e.id)).map((e) => e.id).sort();
    expect(rows.rows.map((r) => r.event_id).sort()).toEqual(gone);
    expect(new Set(rows.rows.map((r) => r.run_id))).toEqual(new Set([report.runId]));
  });

  it('writes one retention:purge event per organization, which is sealed', async () => {
    const events = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'retention:purge').execute();
    expect(events.map((e) => e.org_id).sort()).toEqual([orgA, orgB].sort());
    const a = events.find((e) => e.org_id === orgA)!;
    const after = a.after as { runId: string; count: number; ranges: { fromSeq: number; toSeq: number }[]; before: string };
    expect(after.runId).toBe(report.runId);
    expect(after.count).toBe(report.orgs.find((o) => o.orgId === orgA)!.auditPurged);
    const seqs = await sql<{ seq: string }>`SELECT seq FROM audit_purged WHERE org_id = ${orgA} ORDER BY seq`.execute(t.db);
    const covered = after.ranges.flatMap((r) => Array.from({ length: r.toSeq - r.fromSeq + 1 }, (_, i) => r.fromSeq + i));
    expect(covered).toEqual(seqs.rows.map((r) => Number(r.seq)));
    expect(a.actor_kind).toBe('system');
    expect(await count(`audit_leaves WHERE event_id = '${a.id}'`)).toBe(1);
  });

  it('still proves the surviving events against the checkpoints signed before the run', async () => {
    const remaining = await remainingIds();
    const survivors = inserted.filter((e) => e.orgId === orgA && remaining.has(e.id));
    expect(survivors.length).toBeGreaterThan(3);
    for (const e of survivors) {
      const proof = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/audit-events/${e.id}/proof`, 200, { query: { treeSize: String(checkpointBefore.treeSize) } });
      expect(proof.checkpoint.rootHash).toBe(checkpointBefore.rootHash);
      const leaf = leafHash(Buffer.from(proof.leafData, 'utf8'));
      const path = proof.auditPath.map((h: string) => Buffer.from(h, 'base64'));
      expect(verifyInclusion(leaf, proof.leafIndex, proof.treeSize, path, Buffer.from(proof.rootHash ?? proof.checkpoint.rootHash, 'base64'))).toBe(true);
    }
  });

  it('exports after the run verify offline, the purged seqs accounted for; a row deleted by hand is still a finding', async () => {
    await sealAll();
    const exportOf = async () => {
      const created = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA}/audit-exports`, 201, { body: {} });
      const file = await call(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/audit-exports/${created.id}/file`);
      const proof = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/audit-exports/${created.id}/proof`, 200);
      return { manifest: created.manifest, file: file.rawPayload, proof };
    };
    const purged = report.orgs.find((o) => o.orgId === orgA)!.auditPurged;
    expect(verifyExportBundle(await exportOf())).toMatchObject({ ok: true, purged });
    // A survivor outside the held workspace (the tests below use those).
    const survivor = [...(await remainingIds())].find((id) => inserted.some((e) => e.id === id && e.orgId === orgA && e.workspaceId !== heldWs))!;
    await t.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`DELETE FROM audit_events WHERE org_id = ${orgA} AND id = ${survivor}`.execute(tx);
    });
    expect(verifyExportBundle(await exportOf())).toMatchObject({ ok: false, problem: 'missing-event' });
  });

  it('dropped the whole eligible month as a partition and kept the month with held events', async () => {
    const names = await partitions('audit_events');
    expect(report.auditPartitionsDropped.map((p) => p.name)).toContain(monthName(oldMonth));
    expect(names).not.toContain(monthName(oldMonth));
    expect(names).toContain(monthName(heldMonth));
  });

  it('lists the run for the organization, and not for others', async () => {
    const runs = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA}/retention/runs`, 200);
    const run = runs.items.find((r: { id: string; dryRun: boolean }) => r.id === report.runId);
    expect(run).toMatchObject({ status: 'succeeded', dryRun: false, auditPurged: report.orgs.find((o) => o.orgId === orgA)!.auditPurged });
    expect(run.heldBy).toHaveLength(1);
    const c = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgC}/retention/runs`, 200);
    expect(c.items.find((r: { id: string }) => r.id === report.runId)).toMatchObject({ auditPurged: 0, heldBy: [expect.stringMatching(/^hold_/)] });
  });

  it('trims the access log: old days dropped, held organizations kept, shorter settings deleted row by row', async () => {
    const names = await partitions('access_log');
    expect(names).not.toContain(dayName(oldDay));
    expect(names).toContain(dayName(heldDay));
    const rows = await sql<{ org_id: string | null; at: Date }>`SELECT org_id, at FROM access_log WHERE at < ${daysAgo(30)}`.execute(t.db);
    const orgs = rows.rows.map((r) => r.org_id).sort();
    // C (held) keeps its old entry; A's older than 30 days are gone; B keeps its 45-day-old entry.
    expect(orgs).toEqual([orgB, orgC].sort());
  });
});

describe('outside a retention run', () => {
  it('still refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    const survivor = inserted.find((e) => e.workspaceId === heldWs)!;
    await expect(sql`UPDATE audit_events SET action = 'x:y' WHERE id = ${survivor.id}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_events WHERE id = ${survivor.id}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('refuses a DELETE that names a run but whose purge record another transaction wrote', async () => {
    const survivor = inserted.find((e) => e.workspaceId === heldWs)!;
    await sql`INSERT INTO audit_purged (org_id, seq, event_id, run_id, purged_at)
      SELECT org_id, seq, event_id, ${report.runId}, now() FROM audit_leaves WHERE event_id = ${survivor.id}`.execute(t.db);
    await expect(
      t.db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('hexaplane.retention_run', ${report.runId}, true)`.execute(tx);
        await sql`DELETE FROM audit_events WHERE id = ${survivor.id}`.execute(tx);
      }),
    ).rejects.toThrow(/append-only/);
    // audit_purged itself is append-only.
    await expect(sql`DELETE FROM audit_purged WHERE event_id = ${survivor.id}`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('refuses a hold on a workspace of another organization, and deleting or editing holds', async () => {
    const res = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgB}/legal-holds`, { body: { name: 'x', reason: 'y', scope: { type: 'workspace', id: heldWs } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.scope.id');
    await expect(sql`DELETE FROM legal_holds`.execute(t.db)).rejects.toThrow(/legal_holds/);
  });
});
