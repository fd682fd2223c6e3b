/**
 * SIEM end-to-end lag (issue 4): audit events written at a steady rate through the real write
 * path (recordAudit in transactions) on an embedded PostgreSQL, sealed by the sealer and
 * delivered by the stream worker to a loopback signed-NDJSON receiver. Lag = receive time −
 * the event's occurredAt. Baseline, same run: the same receiver fed the same batches directly.
 * Usage: npm run bench -- siem [eventsPerSecond=2000] [seconds=20]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/kernel/config.ts';
import type { Db } from '../src/kernel/db/index.ts';
import { newId } from '../src/kernel/ids.ts';
import { startSealer, startStreamWorker } from '../src/modules/audit/index.ts';
import { ndjsonBody } from '../src/modules/audit/siem-formats.ts';
import { bootstrapAdministrator } from '../src/modules/identity/index.ts';
import { percentile, withBenchDatabase } from './_database.ts';

const here = path.dirname(fileURLToPath(import.meta.url));



function summary(lags: number[]) {
  const sorted = [...lags].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/** A loopback NDJSON receiver recording receive time − occurredAt per event. */
async function startReceiver() {
  const lags: number[] = [];
  const samples: { seq: number; occurredAt: number; receivedAt: number }[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (!line) continue;
        const record = JSON.parse(line) as { id: string; seq: number; occurredAt: string };
        if (seen.has(record.id)) duplicates++;
        else {
          seen.add(record.id);
          lags.push(now - Date.parse(record.occurredAt));
          samples.push({ seq: record.seq, occurredAt: Date.parse(record.occurredAt), receivedAt: now });
        }
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    lags,
    samples,
    duplicates: () => duplicates,
    reset() {
      lags.length = 0;
      samples.length = 0;
      seen.clear();
      duplicates = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Calls `tick(n)` every `tickMs` with the number of events due so far, keeping a steady rate. */
async function steady(rate: number, seconds: number, tickMs: number, tick: (n: number) => Promise<void>): Promise<{ events: number; seconds: number }> {
  const start = Date.now();
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate) - sent;
    if (due > 0) {
      sent += due;
      const p = tick(due).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inFlight);
  return { events: sent, seconds: (Date.now() - start) / 1000 };
}

async function signInAndCreateStream(app: Awaited<ReturnType<typeof buildApp>>['app'], email: string, password: string, receiverUrl: string) {
  const session = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
  const cookie = session.cookies.find((c) => c.name === 'hxp_session')!;
  const headers = { cookie: `hxp_session=${cookie.value}`, 'x-csrf-token': (session.json() as { csrfToken: string }).csrfToken };
  const org = await app.inject({ method: 'POST', url: '/api/v1/orgs', headers, payload: { name: 'Bench', slug: 'bench' } });
  const orgId = (org.json() as { id: string }).id;
  const stream = await app.inject({
    method: 'POST', url: `/api/v1/orgs/${orgId}/audit-streams`, headers,
    payload: { name: 'bench', destination: { kind: 'https', url: receiverUrl, hmacSecret: 'bench-hmac-secret' } },
  });
  if (stream.statusCode !== 201) throw new Error(`creating the stream failed: ${stream.body}`);
  return { orgId, streamId: (stream.json() as { id: string }).id };
}

/** Runs bench/_siem-producer.ts in a child process, so load and server do not share an event loop. */
function runProducer(url: string, orgId: string, rate: number, seconds: number): Promise<{ events: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '_siem-producer.ts'), url, orgId, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { events: number; seconds: number }) : reject(new Error(`producer exited with ${code}`))));
  });
}

/** Splits each event's lag at the signing time of the first checkpoint that covers its seq. */
async function splitBySealing(db: Db, orgId: string, samples: { seq: number; occurredAt: number; receivedAt: number }[]) {
  const checkpoints = (await sql<{ tree_size: string; signed_at: Date }>`
    SELECT tree_size, signed_at FROM audit_checkpoints WHERE org_id = ${orgId} ORDER BY tree_size`.execute(db)).rows.map((r) => ({ size: Number(r.tree_size), at: new Date(r.signed_at).getTime() }));
  const toSealed: number[] = [];
  const toReceived: number[] = [];
  for (const s of samples) {
    let lo = 0;
    let hi = checkpoints.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (checkpoints[mid]!.size >= s.seq) hi = mid;
      else lo = mid + 1;
    }
    const sealedAt = checkpoints[lo]?.at;
    if (sealedAt === undefined) continue;
    toSealed.push(sealedAt - s.occurredAt);
    toReceived.push(s.receivedAt - sealedAt);
  }
  return { toSealed: summary(toSealed), toReceived: summary(toReceived) };
}

export interface SiemLagOptions {
  eventsPerSecond?: number;
  seconds?: number;
}

/** The SIEM lag figures (bench/audit.ts reports them too). */
export async function measureSiemLag(options: SiemLagOptions = {}) {
  const rate = options.eventsPerSecond ?? 2000;
  const seconds = options.seconds ?? 20;
  const password = 'bench operator passphrase 1';
  const receiver = await startReceiver();
  return withBenchDatabase('siem', 12, async ({ dir, url, db, log }) => {
    // The receiver listens on loopback, which the egress guard refuses unless the operator allow-lists it.
    const config = loadConfig({}, { databaseUrl: url, dataDir: dir, logLevel: 'warn', bootstrapAdminPassword: password, rateLimitPerMinute: 100_000_000, egressAllowCidrs: '127.0.0.0/8' });
    await sql`SELECT ensure_audit_partitions(now()::date, 3)`.execute(db);
    const hexaplane = await buildApp({ config, db, log });
    await bootstrapAdministrator(hexaplane.deps);
    const { orgId } = await signInAndCreateStream(hexaplane.app, config.bootstrapAdminEmail, password, receiver.url);

    // Baseline: the same receiver fed directly, every 50 ms the events due, as one signed NDJSON POST.
    const baselineRun = await steady(rate, 5, 50, async (n) => {
      const now = new Date().toISOString();
      const items = Array.from({ length: n }, (_, i) => ({
        seq: i + 1,
        event: { id: newId('auditEvent'), orgId, workspaceId: null, occurredAt: now, actor: { kind: 'user', id: 'usr_x', name: null, ip: null, userAgent: null, sessionId: null, apiKeyId: null }, action: 'workspace:update', target: { type: 'workspace', id: 'ws_x', name: null }, outcome: 'success' as const, reason: null, requestId: null, before: null, after: { n: i } },
      }));
      await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjsonBody(items) });
    });
    const baseline = { ...summary(receiver.lags), events: baselineRun.events };
    receiver.reset();

    await hexaplane.deps.changes.listen(url);
    const sealer = startSealer(hexaplane.deps);
    const worker = startStreamWorker(hexaplane.deps);
    // The org's own setup events (sealed late, when the sealer starts) are not part of the load.
    receiver.reset();
    const loadStart = Date.now();
    const produced = await runProducer(url, orgId, rate, seconds);
    const drainDeadline = Date.now() + 20_000;
    const ofLoad = () => receiver.samples.filter((x) => x.occurredAt >= loadStart);
    while (ofLoad().length < produced.events && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 100));
    await worker.stop();
    await sealer.stop();
    await hexaplane.deps.changes.close();
    await hexaplane.app.close();

    const samples = ofLoad();
    const lag = summary(samples.map((x) => x.receivedAt - x.occurredAt));
    const phases = await splitBySealing(db, orgId, samples);
    return {
      events: produced.events,
      received: samples.length,
      duplicates: receiver.duplicates(),
      achievedEventsPerSecond: Math.round(produced.events / produced.seconds),
      lagMs: lag,
      baselineDirectFeedLagMs: baseline,
      // Where the lag goes: written → sealed (the checkpoint that covers the event is signed), sealed → received.
      writtenToSealedMs: phases.toSealed,
      sealedToReceivedMs: phases.toReceived,
      sealIntervalMs: config.auditSealIntervalMs,
      target: { p99Ms: 2000, met: lag.p99 <= 2000 && samples.length === produced.events },
    };
  }).finally(() => receiver.close());
}

export async function run(args: string[]) {
  const eventsPerSecond = Number(args[0] ?? 2000);
  const seconds = Number(args[1] ?? 20);
  return {
    benchmark: 'siem',
    machine: { cpus: os.cpus().length, node: process.version },
    [`SIEM end-to-end lag p99 at a steady ${eventsPerSecond.toLocaleString('en-US')} events/s`]: await measureSiemLag({ eventsPerSecond, seconds }),
  };
}
