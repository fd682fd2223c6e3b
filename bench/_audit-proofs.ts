/**
 * Inclusion proofs through the API on a large tree (issue 4: "inclusion-proof latency at 10
 * million events"). Sealing 10 million real events would take the better part of an hour, so the
 * tree is built directly: the org's real events are sealed, then the tree is extended to `size`
 * leaves (sampled positions hold real events, the rest filler leaves), every perfect node is
 * stored as the sealer stores it, and a checkpoint is signed with the server's key. Then each
 * sampled event's proof is fetched through the HTTP API and verified offline.
 * Baseline in the same run: GET of the same events (one indexed read each, same auth and path).
 */
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/kernel/config.ts';
import type { Db } from '../src/kernel/db/index.ts';
import { newId } from '../src/kernel/ids.ts';
import { appendLeaves, frontierRoot, leafHashOfText, verifyInclusion, type Frontier } from '../src/modules/audit/merkle.ts';
import { activeSigningKey, loadFrontier, sealPending } from '../src/modules/audit/sealer.ts';
import { eventLeafHash, leafData, signCheckpoint, verifyCheckpointSignature, type AuditLeafRow } from '../src/modules/audit/sealing.ts';
import * as store from '../src/modules/audit/store.ts';
import { bootstrapAdministrator } from '../src/modules/identity/index.ts';
import { percentile, withBenchDatabase } from './_database.ts';

const CHUNK = 500_000;
const INSERT_BATCH = 50_000;


function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Number(percentile(sorted, p).toFixed(3));
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

/** A sampled event as the sealer would hash it (occurred_at with microseconds, as PostgreSQL returns it). */
function sampleEvent(orgId: string, seq: number): AuditLeafRow {
  return {
    id: newId('auditEvent'), org_id: orgId, workspace_id: null,
    occurred_at: new Date(Date.UTC(2026, 0, 1) + seq).toISOString().replace('Z', '000Z'),
    actor_kind: 'apiKey', actor_id: 'key_bench', actor_name: 'ci-deployer', actor_ip: '10.1.2.3', actor_user_agent: 'bench',
    session_id: null, api_key_id: 'key_bench', action: 'project:create', target_type: 'project', target_id: `prj_${seq}`,
    target_name: `Project ${seq}`, outcome: 'success', reason: null, request_id: `req_${seq}`, before: null, after: { n: seq, team: 'payments' },
  };
}

async function insertSamples(db: Db, orgId: string, samples: Map<number, AuditLeafRow>): Promise<void> {
  for (const [seq, e] of samples) {
    await sql`INSERT INTO audit_events (id, org_id, workspace_id, occurred_at, actor_kind, actor_id, actor_name, actor_ip, actor_user_agent,
        session_id, api_key_id, action, target_type, target_id, target_name, outcome, reason, request_id, before, after)
      VALUES (${e.id}, ${orgId}, null, ${e.occurred_at}, ${e.actor_kind}, ${e.actor_id}, ${e.actor_name}, ${e.actor_ip}, ${e.actor_user_agent},
        null, ${e.api_key_id}, ${e.action}, ${e.target_type}, ${e.target_id}, ${e.target_name}, ${e.outcome}, null, ${e.request_id}, null, ${JSON.stringify(e.after)}::jsonb)`.execute(db);
    await sql`INSERT INTO audit_leaves (org_id, seq, event_id) VALUES (${orgId}, ${seq}, ${e.id})`.execute(db);
  }
}

/** Extends the org's tree from its sealed size to `size` leaves, storing every completed node. */
async function extendTree(db: Db, orgId: string, size: number, samples: Map<number, AuditLeafRow>): Promise<Frontier> {
  const sealedSize = await store.treeSize(db, orgId);
  let frontier = await loadFrontier(db, orgId, sealedSize);
  for (let start = sealedSize; start < size; start += CHUNK) {
    const end = Math.min(size, start + CHUNK);
    const leaves = Array.from({ length: end - start }, (_, i) => {
      const seq = start + i + 1;
      const sample = samples.get(seq);
      return sample ? eventLeafHash(sample) : leafHashOfText(`filler ${seq}`);
    });
    const { frontier: next, completed } = appendLeaves(frontier, leaves);
    frontier = next;
    for (let i = 0; i < completed.length; i += INSERT_BATCH) {
      await db.transaction().execute((tx) => store.insertNodes(tx, orgId, completed.slice(i, i + INSERT_BATCH)));
    }
  }
  return frontier;
}

export async function measureProofsAtScale(size: number, sampleCount: number) {
  const password = 'bench operator passphrase 1';
  return withBenchDatabase('proofs', 8, async ({ dir, url, db, log }) => {
    const config = loadConfig({}, { databaseUrl: url, dataDir: dir, logLevel: 'warn', bootstrapAdminPassword: password, rateLimitPerMinute: 100_000_000 });
    const hexaplane = await buildApp({ config, db, log });
    const { app, deps } = hexaplane;
    await bootstrapAdministrator(deps);
    const session = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: config.bootstrapAdminEmail, password } });
    const cookie = session.cookies.find((c) => c.name === 'hxp_session')!;
    const headers = { cookie: `hxp_session=${cookie.value}`, 'x-csrf-token': (session.json() as { csrfToken: string }).csrfToken };
    const orgId = (await app.inject({ method: 'POST', url: '/api/v1/orgs', headers, payload: { name: 'Proofs', slug: 'proofs' } })).json().id as string;
    const key = (await app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/api-keys`, headers, payload: { name: 'auditor', roleId: 'org-security-auditor', rateLimitPerMinute: 1_000_000 } })).json();
    const auth = { authorization: `Bearer ${key.secret as string}` };
    while ((await sealPending(deps)) > 0);

    const sealedSize = await store.treeSize(db, orgId);
    const samples = new Map<number, AuditLeafRow>();
    while (samples.size < sampleCount) {
      const seq = sealedSize + 1 + Math.floor(Math.random() * (size - sealedSize));
      if (!samples.has(seq)) samples.set(seq, sampleEvent(orgId, seq));
    }
    const buildStart = process.hrtime.bigint();
    await insertSamples(db, orgId, samples);
    const frontier = await extendTree(db, orgId, size, samples);
    const root = frontierRoot(frontier);
    const signer = await activeSigningKey(deps);
    const checkpoint = signCheckpoint({ orgId, treeSize: size, rootHash: root, signedAt: new Date(), keyId: signer.keyId }, signer.privateKeyPem);
    await db.transaction().execute(async (tx) => {
      await store.saveTree(tx, orgId, size, root, checkpoint.signedAt);
      await store.insertCheckpoint(tx, checkpoint);
    });
    await sql`ANALYZE audit_tree_nodes`.execute(db);
    const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
    const publicKey = (await store.findSigningKey(db, signer.keyId))!.public_key;
    if (!verifyCheckpointSignature(checkpoint, publicKey)) throw new Error('checkpoint does not verify');

    const timed = async (url: string) => {
      const start = process.hrtime.bigint();
      const res = await app.inject({ method: 'GET', url, headers: auth });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return { ms, body: res.json() };
    };
    const order = [...samples.entries()].sort(() => Math.random() - 0.5);
    // Warm-up: JIT, connection pool, the top of the node index.
    for (const [, e] of order.slice(0, 50)) await timed(`/api/v1/orgs/${orgId}/audit-events/${e.id}/proof`);
    const baseline: number[] = [];
    const proofs: number[] = [];
    let verified = 0;
    for (const [seq, e] of order) {
      baseline.push((await timed(`/api/v1/orgs/${orgId}/audit-events/${e.id}`)).ms);
      const { ms, body } = await timed(`/api/v1/orgs/${orgId}/audit-events/${e.id}/proof`);
      proofs.push(ms);
      const path_ = (body.auditPath as string[]).map((h) => Buffer.from(h, 'base64'));
      const leaf = Buffer.from(body.leafHash as string, 'base64');
      if (body.leafIndex !== seq - 1 || !leaf.equals(eventLeafHash(samples.get(seq)!)) || !verifyInclusion(leaf, seq - 1, size, path_, root)) {
        throw new Error(`the proof of seq ${seq} does not verify`);
      }
      if (body.leafData !== null && body.leafData !== leafData(samples.get(seq)!)) throw new Error(`leafData of seq ${seq} differs`);
      verified += 1;
    }
    await app.close();
    const proofLatency = percentiles(proofs);
    const baselineLatency = percentiles(baseline);
    return {
      treeSize: size,
      storedNodes: Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_tree_nodes WHERE org_id = ${orgId}`.execute(db)).rows[0]!.n),
      buildSeconds: Number(buildSeconds.toFixed(1)),
      samples: sampleCount,
      verified,
      proofLatencyMs: proofLatency,
      baselineGetEventLatencyMs: baselineLatency,
      ratioP50ToBaseline: Number((proofLatency.p50 / baselineLatency.p50).toFixed(2)),
      note: 'app.inject (no network), API key auth, sequential; every proof verified against the signed root',
    };
  });
}
