/**
 * Audit figures (issue 4), each next to a baseline measured in the same run:
 * - audited writes: transactions with their audit event vs the same without it;
 * - verification: `verifyEventsAgainstCheckpoint` over N events (default 1,000,000) offline,
 *   against plain SHA-256 of the same leaf bytes;
 * - inclusion proofs: generation + verification from the stored perfect subtrees of a tree of
 *   N leaves (in memory), p50/p99 per proof;
 * - sealing: events/s through the real sealer on an embedded PostgreSQL (default 100,000
 *   events), against the bulk INSERT that wrote those events.
 * - inclusion proofs through the API on a tree of 10 million leaves (bench/_audit-proofs.ts);
 * - SIEM end-to-end lag at a steady 2,000 events/s (bench/siem.ts).
 * Usage: npm run bench -- audit [verifyEvents=1e6] [sealEvents=1e5] [proofTreeSize=1e7] [siemEventsPerSecond=2000]
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Principal } from '../src/kernel/authz.ts';
import { recordAudit } from '../src/kernel/audit.ts';
import { measureProofsAtScale } from './_audit-proofs.ts';
import { measureSiemLag } from './siem.ts';
import { systemClock } from '../src/kernel/clock.ts';
import { Changes } from '../src/kernel/changes.ts';
import { localKeyProvider } from '../src/kernel/crypto.ts';
import type { Db } from '../src/kernel/db/index.ts';
import { appendLeaves, emptyFrontier, frontierRoot, inclusionProof, verifyInclusion, type Hash } from '../src/modules/audit/merkle.ts';
import { sealPending } from '../src/modules/audit/sealer.ts';
import {
  eventLeafHash,
  generateSigningKey,
  leafData,
  signCheckpoint,
  verifyEventsAgainstCheckpoint,
  type SealedEventRow,
} from '../src/modules/audit/sealing.ts';
import { percentile, withBenchDatabase } from './_database.ts';

const ORG = 'org_01benchbenchbenchbenchbench';

function syntheticEvent(i: number): SealedEventRow {
  return {
    id: `evt_${String(i).padStart(26, '0')}`,
    org_id: ORG,
    workspace_id: 'ws_01benchbenchbenchbenchbenc',
    occurred_at: new Date(Date.UTC(2026, 10, 23, 0, 0, 0) + i).toISOString().replace('Z', '000Z'),
    actor_kind: 'apiKey',
    actor_id: 'key_01benchbenchbenchbenchbenc',
    actor_name: 'ci-deployer',
    actor_ip: '10.1.2.3',
    actor_user_agent: 'hexaplane-cli/0.1',
    session_id: null,
    api_key_id: 'key_01benchbenchbenchbenchbenc',
    action: 'project:create',
    target_type: 'project',
    target_id: `prj_${String(i).padStart(26, '0')}`,
    target_name: `Project ${i}`,
    outcome: 'success',
    reason: null,
    request_id: `req_${i}`,
    before: null,
    after: { name: `Project ${i}`, slug: `p-${i}`, labels: { team: 'payments' }, quota: { cpu: '2', memory: '4Gi' } },
    seq: i + 1,
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}


function verification(n: number) {
  const events = Array.from({ length: n }, (_, i) => syntheticEvent(i));
  const leaves = events.map(eventLeafHash);
  const root = frontierRoot(appendLeaves(emptyFrontier(), leaves).frontier);
  const key = generateSigningKey();
  const checkpoint = signCheckpoint({ orgId: ORG, treeSize: n, rootHash: root, signedAt: new Date(), keyId: 'bench' }, key.privateKeyPem);

  const baselineStart = process.hrtime.bigint();
  for (const e of events) createHash('sha256').update(leafData(e)).digest();
  const baseline = seconds(baselineStart);

  const verifyStart = process.hrtime.bigint();
  const verdict = verifyEventsAgainstCheckpoint(events, checkpoint, key.publicKeyPem);
  const verify = seconds(verifyStart);
  if (!verdict.ok) throw new Error(`verification failed: ${JSON.stringify(verdict)}`);
  return { events: n, seconds: Number(verify.toFixed(3)), baselineSha256Seconds: Number(baseline.toFixed(3)), ratioToBaseline: Number((verify / baseline).toFixed(2)), target: { seconds: 10, met: verify <= 10 }, leaves, root };
}

function proofs(leaves: Hash[], root: Hash, samples = 2000) {
  const { completed } = appendLeaves(emptyFrontier(), leaves);
  const nodes = new Map(completed.map((c) => [`${c.level}:${c.index}`, c.hash]));
  const lookup = (node: { level: number; index: number }) => nodes.get(`${node.level}:${node.index}`)!;
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const m = Math.floor(Math.random() * leaves.length);
    const start = process.hrtime.bigint();
    const proof = inclusionProof(m, leaves.length, lookup);
    if (!verifyInclusion(leaves[m]!, m, leaves.length, proof, root)) throw new Error('proof did not verify');
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { treeSize: leaves.length, samples, latencyMs: { p50: Number(percentile(times, 50).toFixed(4)), p99: Number(percentile(times, 99).toFixed(4)) }, note: 'in memory; the API reads the same O(log n) nodes from PostgreSQL in one query' };
}


const WRITE_TRANSACTIONS = 4_000;
const WRITERS = 8;

const writer: Principal = {
  kind: 'apiKey', id: 'key_01benchbenchbenchbenchbenc', orgId: ORG, displayName: 'ci-deployer', platformAdmin: false,
  sessionId: null, apiKeyId: 'key_01benchbenchbenchbenchbenc', ip: '10.1.2.3', userAgent: 'hexaplane-cli/0.1', requestId: 'req_bench', mfaAt: null,
};

/**
 * Audited writes per second: transactions that change a row and write its audit event
 * (recordAudit, as every use case does), 8 at a time; baseline: the same transactions without
 * the audit event. Both on the same database, in the same run.
 */
async function auditedWrites(db: Db) {
  await sql`CREATE TABLE bench_projects (id text PRIMARY KEY, org_id text NOT NULL, name text NOT NULL, labels jsonb NOT NULL)`.execute(db);
  const run = async (audited: boolean) => {
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = next++; i < WRITE_TRANSACTIONS; i = next++) {
          const id = `prj_${audited ? 'a' : 'b'}${i}`;
          await db.transaction().execute(async (tx) => {
            await sql`INSERT INTO bench_projects (id, org_id, name, labels) VALUES (${id}, ${ORG}, ${`Project ${i}`}, '{"team":"payments"}')`.execute(tx);
            if (audited) {
              await recordAudit(tx, writer, { action: 'project:create', orgId: ORG, target: { type: 'project', id, name: `Project ${i}` }, after: { name: `Project ${i}`, labels: { team: 'payments' } } });
            }
          });
        }
      }),
    );
    return WRITE_TRANSACTIONS / seconds(start);
  };
  const baseline = await run(false);
  const audited = await run(true);
  return {
    transactions: WRITE_TRANSACTIONS,
    concurrency: WRITERS,
    auditedWritesPerSecond: Math.round(audited),
    baselineUnauditedWritesPerSecond: Math.round(baseline),
    ratioToBaseline: Number((audited / baseline).toFixed(3)),
    note: 'direct transactions on the database; `npm run bench -- api` measures the same through HTTP',
  };
}

async function sealing(n: number) {
  return withBenchDatabase('audit', 4, async ({ dir, db, log }) => {
    const insertStart = process.hrtime.bigint();
    await sql`
      WITH e AS (
        INSERT INTO audit_events (id, org_id, workspace_id, occurred_at, actor_kind, actor_id, actor_name, actor_ip,
          actor_user_agent, api_key_id, action, target_type, target_id, target_name, outcome, request_id, after)
        SELECT 'evt_' || lpad(i::text, 26, '0'), ${ORG}, 'ws_01benchbenchbenchbenchbenc', now(), 'apiKey',
          'key_01benchbenchbenchbenchbenc', 'ci-deployer', '10.1.2.3', 'hexaplane-cli/0.1', 'key_01benchbenchbenchbenchbenc',
          'project:create', 'project', 'prj_' || lpad(i::text, 26, '0'), 'Project ' || i, 'success', 'req_' || i,
          jsonb_build_object('name', 'Project ' || i, 'slug', 'p-' || i, 'labels', jsonb_build_object('team', 'payments'))
        FROM generate_series(1, ${n}) AS i
        RETURNING org_id, id, occurred_at)
      INSERT INTO audit_unsealed (org_id, event_id, occurred_at) SELECT org_id, id, occurred_at FROM e`.execute(db);
    const insert = seconds(insertStart);
    const deps = { db, keys: localKeyProvider(path.join(dir, 'kek.key')), clock: systemClock, log, changes: new Changes(log) };
    const sealStart = process.hrtime.bigint();
    let sealed = 0;
    for (let batch = await sealPending(deps); batch > 0; batch = await sealPending(deps)) sealed += batch;
    const seal = seconds(sealStart);
    if (sealed !== n) throw new Error(`sealed ${sealed} of ${n}`);
    const writes = await auditedWrites(db);
    return {
      auditedWrites: writes,
      events: n,
      eventsPerSecond: Math.round(n / seal),
      baselineBulkInsertEventsPerSecond: Math.round(n / insert),
      ratioToBaseline: Number((insert / seal).toFixed(3)),
      target: { eventsPerSecond: 50_000, met: n / seal >= 50_000 },
    };
  });
}

/** Sealing and audited writes share one database; reported side by side. */
async function sealingFigures(n: number) {
  const { auditedWrites: writes, ...sealed } = await sealing(n);
  return { auditedWrites: writes, sealing: sealed };
}

export async function run(args: string[]) {
  const verifyEvents = Number(args[0] ?? 1_000_000);
  const sealEvents = Number(args[1] ?? 100_000);
  const proofTreeSize = Number(args[2] ?? 10_000_000);
  const siemRate = Number(args[3] ?? 2_000);
  const verified = verification(verifyEvents);
  const { leaves, root, ...verificationFigures } = verified;
  return {
    benchmark: 'audit',
    machine: { cpus: os.cpus().length, node: process.version },
    verification: verificationFigures,
    inclusionProofs: proofs(leaves, root),
    ...(await sealingFigures(sealEvents)),
    inclusionProofsThroughApi: await measureProofsAtScale(proofTreeSize, 500),
    siemLag: await measureSiemLag({ eventsPerSecond: siemRate, seconds: 20 }),
  };
}
