import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type Hexaplane } from '../../src/app.ts';
import { recordAudit } from '../../src/kernel/audit.ts';
import { newPrincipal } from '../../src/kernel/authz.ts';
import { createDb, type Db } from '../../src/kernel/db/index.ts';
import { createLogger } from '../../src/kernel/logger.ts';
import { createSealer, type Sealer } from '../../src/modules/audit/sealer.ts';
import { startStreamWorker, type StreamWorker } from '../../src/modules/audit/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn } from '../support/http.ts';
import { peerAvailable } from '../support/peers.ts';
import { freePort, makePki, RSYSLOGD, startRsyslog, type Rsyslog } from './rsyslog.ts';

/**
 * Issue 4's done-criterion for syslog: two organizations stream their audit log (JSON and CEF
 * payloads) over TLS to Debian's rsyslogd; Hexaplane is replaced by a new instance on the same
 * database mid-stream, then rsyslogd is restarted mid-stream. rsyslog must have received every
 * sealed event, none missing, duplicates only of the same event id, in seq order per org.
 */

const haveRsyslog = () => peerAvailable('rsyslogd', RSYSLOGD) && peerAvailable('openssl', '/usr/bin/openssl');

/** A running Hexaplane instance's background side: its app, sealer and SIEM stream worker. */
interface Node {
  hexaplane: Hexaplane;
  stop(): Promise<void>;
}

async function startNode(t: TestApp): Promise<Node> {
  const { db } = createDb(t.databaseUrl, 5);
  const log = createLogger(t.config.logLevel);
  const hexaplane = await buildApp({ config: t.config, db, log });
  await hexaplane.deps.changes.listen(t.databaseUrl);
  const sealer: Sealer = createSealer(hexaplane.deps, { intervalMs: 100 });
  sealer.start();
  const worker: StreamWorker = startStreamWorker(hexaplane.deps, { pollMs: 200, backoffBaseMs: 100, backoffCapMs: 1000, timeoutMs: 5000 });
  return {
    hexaplane,
    async stop() {
      await worker.stop();
      await sealer.stop();
      await hexaplane.deps.changes.close();
      await hexaplane.app.close();
      await db.destroy();
    },
  };
}

/** Enough that streams of 10-event batches always have a backlog: connections follow each other. */
const EVENTS_PER_ORG_PER_TX = 15;

const producerActor = newPrincipal({ kind: 'user', id: 'usr_01producerproducerproduce', displayName: 'Load "generator" | = \\', ip: '10.1.2.3' });

/** Writes audit events for both orgs in small transactions until stopped. */
function startProducer(db: Db, orgIds: string[]) {
  let stopped = false;
  let written = 0;
  const done = (async () => {
    while (!stopped) {
      await db.transaction().execute(async (tx) => {
        for (const orgId of orgIds) {
          for (let i = 0; i < EVENTS_PER_ORG_PER_TX; i++) {
            await recordAudit(tx, producerActor, {
              action: i === 0 ? 'role:update' : 'workspace:update',
              orgId,
              target: { type: 'workspace', id: `ws_${written}`, name: `line\nbreak ${written}` },
              outcome: written % 7 === 0 ? 'denied' : 'success',
              after: { n: written },
            });
            written++;
          }
        }
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return written;
    },
  };
}

interface Line {
  orgId: string;
  id: string;
  seq: number;
}

/** Reads rsyslog's output: JSON records, or CEF lines (externalId, cs1 = org, cn1 = seq). */
function parseOutput(file: string): Line[] {
  const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.map((line) => {
    if (line.startsWith('{')) {
      const record = JSON.parse(line) as { orgId: string; id: string; seq: number };
      return { orgId: record.orgId, id: record.id, seq: record.seq };
    }
    const cef = /^CEF:0\|/.test(line) ? line : null;
    if (!cef) throw new Error(`unexpected line in rsyslog output: ${line.slice(0, 200)}`);
    const field = (key: string) => new RegExp(`(?:^|\\|| )${key}=((?:\\\\.|[^\\\\ ])*)`).exec(cef)?.[1];
    return { orgId: field('cs1')!, id: field('externalId')!, seq: Number(field('cn1')) };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!haveRsyslog())('SIEM streams to rsyslog over TLS (RFC 5425)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hx-siem-syslog-'));
  let t: TestApp | undefined;
  let node: Node | undefined;
  let rsyslog: Rsyslog | undefined;

  afterAll(async () => {
    await node?.stop().catch(() => undefined);
    await rsyslog?.stop().catch(() => undefined);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every event exactly once after de-duplication, in seq order per org, across restarts of both ends', async () => {
    const pki = makePki(dir);
    const port = await freePort();
    rsyslog = await startRsyslog(dir, pki, port);

    t = await createTestApp();
    const admin = await signIn(t.app);
    const orgs: string[] = [];
    for (const slug of ['acme', 'globex']) orgs.push((await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: slug, slug } })).id);
    const streams = [];
    for (const [i, orgId] of orgs.entries()) {
      streams.push(await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/audit-streams`, 201, {
        body: {
          name: 'rsyslog',
          destination: { kind: 'syslog', host: '127.0.0.1', port, format: i === 0 ? 'json' : 'cef', caPem: pki.caPem },
          // Small batches without waiting keep connections coming, so restarts land mid-batch.
          batch: { maxEvents: 10, maxWaitMs: 0 },
          maxAttempts: 1000,
        },
      }));
    }
    const tested = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgs[0]}/audit-streams/${streams[0].id}/test`, 200);
    expect(tested).toMatchObject({ ok: true });
    // Without the CA that signed rsyslog's certificate (system CAs only), the server is refused.
    const untrusted = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgs[0]}/audit-streams`, 201, {
      body: { name: 'untrusted', destination: { kind: 'syslog', host: '127.0.0.1', port, format: 'json' } },
    });
    const refused = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgs[0]}/audit-streams/${untrusted.id}/test`, 200);
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/certificate|verify/i);
    await expectJson(t.app, admin, 'DELETE', `/api/v1/orgs/${orgs[0]}/audit-streams/${untrusted.id}`, 204);

    const { db: producerDb } = createDb(t.databaseUrl, 2);
    const producer = startProducer(producerDb, orgs);
    node = await startNode(t);
    await sleep(2500);
    // Hexaplane goes away mid-stream and a new instance takes over on the same database.
    await node.stop();
    await sleep(500);
    node = await startNode(t);
    await sleep(2000);
    // Then rsyslog goes away mid-stream and comes back on the same port, three times: a stopping
    // rsyslog drops what it read in its last moments, which the settle window sends again.
    for (let restart = 0; restart < 3; restart++) {
      await rsyslog.stop();
      await sleep(restart === 0 ? 1000 : 300);
      rsyslog = await startRsyslog(dir, pki, port);
      await sleep(1000);
    }
    const written = await producer.stop();
    await producerDb.destroy();

    // Wait until both streams caught up with everything sealed.
    const deadline = Date.now() + 45_000;
    for (;;) {
      const states = await Promise.all(streams.map((s, i) => expectJson(t!.app, admin, 'GET', `/api/v1/orgs/${orgs[i]}/audit-streams/${s.id}`, 200)));
      const unsealed = await t.db.selectFrom('audit_unsealed').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      if (Number(unsealed.n) === 0 && states.every((s) => s.health.lag === 0)) break;
      if (Date.now() > deadline) throw new Error(`streams did not catch up: ${JSON.stringify(states.map((s) => s.health))}`);
      await sleep(200);
    }
    await node.stop();
    node = undefined;
    await rsyslog.stop();

    // seq 0 is the test message of POST …/test, not an audit event.
    const received = parseOutput(rsyslog.output).filter((l) => l.seq > 0);
    let duplicates = 0;
    for (const [i, orgId] of orgs.entries()) {
      const expected = await t.deps.services.audit.sealedEventsAfter(orgId, streams[i].health.cursor, 1_000_000);
      const mine = received.filter((l) => l.orgId === orgId);
      const firstSeen = new Map<string, Line>();
      for (const line of mine) {
        const seen = firstSeen.get(line.id);
        if (seen) {
          expect(seen.seq).toBe(line.seq); // a duplicate is the same event, not a different one under its id
          duplicates++;
        } else firstSeen.set(line.id, line);
      }
      const deduplicated = [...firstSeen.values()];
      expect(deduplicated.map((l) => l.id)).toEqual(expected.map((e) => e.event.id));
      for (let k = 1; k < deduplicated.length; k++) expect(deduplicated[k]!.seq).toBeGreaterThan(deduplicated[k - 1]!.seq);
    }
    expect(written).toBeGreaterThan(300);
    // rsyslog really was away while events were flowing: deliveries failed and were retried.
    const failures = await t.db.withTables<{ audit_streams: { failure_count: string } }>().selectFrom('audit_streams').select('failure_count').execute();
    const failed = failures.reduce((n, r) => n + Number(r.failure_count), 0);
    expect(failed).toBeGreaterThan(0);
    console.info(`siem-syslog: ${written} events written, ${received.length} lines received, ${duplicates} duplicates removed by event id, ${failed} failed attempts retried`);
  }, 120_000);
});
