/**
 * Done-means of cost allocation (issue 5): 30 days of a synthetic cluster, backfilled into a
 * real Prometheus with promtool, collected through PromQL, allocated, and compared to the
 * expectation worked out from the ground truth, to the micro-unit.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { expectJson, signIn, type Credentials } from '../support/http.ts';
import { peerAvailable } from '../support/peers.ts';
import { freePort } from '../support/ports.ts';
import { expectedAllocation, HOUR, HOURS, openMetrics, syntheticPods, type ExpectedRules, type Price } from './cost-cluster.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const available = peerAvailable('prometheus', PROMETHEUS) && peerAvailable('promtool', PROMTOOL);

let t: TestApp;
let admin: Credentials & { kind: 'session' };
let orgId: string;
let dir: string;
let prometheus: ChildProcess | undefined;
let promUrl: string;
const ws: Record<string, string> = {};
let projectId: string;
// Whole UTC days, ending two days ago: the blocks are all in the past, none in the head.
const DAY = 86_400;
const start = Math.floor(Date.now() / 1000 / DAY) * DAY - 32 * DAY;
const end = start + HOURS * HOUR;
const iso = (s: number) => new Date(s * 1000).toISOString();
const api = (p: string) => `/api/v1/orgs/${orgId}${p}`;

// Version 1 from before the window; version 2 from the middle of day 15, with a 5 % discount.
const prices: Price[] = [
  { from: start - 40 * DAY, cpu: 31_611n, mem: 4_237n, storage: 100_000n, discountBp: 0n },
  { from: start + 15 * DAY + 6 * HOUR, cpu: 30_000n, mem: 4_000n, storage: 95_000n, discountBp: 500n },
];

async function startPrometheus(): Promise<void> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-prom-'));
  const file = path.join(dir, 'cluster.om');
  writeFileSync(file, openMetrics(syntheticPods(projectId), start));
  execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, path.join(dir, 'data')], { stdio: 'pipe' });
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  // Retention far beyond the blocks' age: otherwise the first retention pass deletes backfilled blocks.
  prometheus = spawn(PROMETHEUS, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=3650d', '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  prometheus.stderr!.on('data', (d) => (stderr += String(d)));
  for (let i = 0; i < 300; i++) {
    if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    try {
      if ((await fetch(`${promUrl}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`prometheus did not become ready: ${stderr}`);
}

beforeAll(async () => {
  if (!available) return;
  t = await createTestApp();
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Synthetic', slug: 'synthetic', currency: 'USD' } })).id;
  for (const [slug, cc] of [['finance', 'cc-100'], ['sales', 'cc-200'], ['platform', 'cc-900']] as const) {
    ws[slug] = (await expectJson(t.app, admin, 'POST', api('/workspaces'), 201, { body: { name: slug, slug, labels: { 'cost-center': cc } } })).id;
  }
  projectId = (await expectJson(t.app, admin, 'POST', api('/projects'), 201, { body: { workspaceId: ws.finance, name: 'Ledger', slug: 'ledger' } })).id;
  await startPrometheus();
  for (const p of prices) {
    await expectJson(t.app, admin, 'POST', api('/cost/prices'), 201, {
      body: { provider: 'aws', region: 'eu-west-1', effectiveFrom: iso(p.from), currency: 'USD', rates: { cpuCoreHour: Number(p.cpu), memoryGibHour: Number(p.mem), storageGibMonth: Number(p.storage), gpuHour: 0, egressGib: 0 }, discountBp: Number(p.discountBp) },
    });
  }
  await expectJson(t.app, admin, 'PUT', api('/cost/settings'), 200, {
    body: {
      costModel: 'max',
      idle: { mode: 'proportional' },
      shared: [{ namespace: 'monitoring', split: 'proportional' }, { namespace: 'kube-system', split: 'fixed', shares: { [ws.finance!]: 6000, [ws.sales!]: 3000 } }],
    },
  });
}, 300_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const workspaceOf = (ns: string) => (ns === 'hx-finance' ? ws.finance! : ns === 'hx-sales' ? ws.sales! : null);
const sharedRules = (): ExpectedRules['shared'] => ({ monitoring: { split: 'proportional' }, 'kube-system': { split: 'fixed', shares: { [ws.finance!]: 6000n, [ws.sales!]: 3000n } } });

function totalsOf(allocation: { groups: Array<{ key: string; total: number }> }) {
  return Object.fromEntries(allocation.groups.map((g) => [g.key, BigInt(g.total)]));
}

describe.skipIf(!available)('cost allocation from a real Prometheus', () => {
  let source: { id: string };

  it('backfills 30 days through PromQL range queries', async () => {
    source = await expectJson(t.app, admin, 'POST', api('/cost/sources'), 201, { body: { name: 'synthetic', cluster: 'synthetic-1', url: promUrl, provider: 'aws', region: 'eu-west-1' } });
    const run = await expectJson(t.app, admin, 'POST', api(`/cost/sources/${source.id}/collect`), 200, { body: { from: iso(start), to: iso(end) } });
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    // 8 pods (one of them for the last 10 days) and a PVC.
    expect(run.pods).toBe(9);
    expect(run.samples).toBe(7 * HOURS + 10 * 24 + HOURS);
  }, 300_000);

  it('allocates by workspace exactly as computed from the ground truth, and the parts sum to the total', async () => {
    const expected = expectedAllocation(syntheticPods(projectId), start, prices, { groupOf: (ns) => workspaceOf(ns), workspaceOf, shared: sharedRules() });
    const a = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { from: iso(start), to: iso(end), groupBy: 'workspace' } });
    expect(a.currency).toBe('USD');
    expect(a.unpricedClusters).toEqual([]);
    expect(BigInt(a.total)).toBe(expected.total);
    expect(BigInt(a.idleTotal)).toBe(expected.idleTotal);
    expect(totalsOf(a)).toEqual(Object.fromEntries(expected.groups));
    expect(a.groups.reduce((s: bigint, g: { total: number }) => s + BigInt(g.total), 0n)).toBe(BigInt(a.total));
    expect(a.groups.find((g: { key: string }) => g.key === 'unallocated').total).toBeGreaterThan(0);
    expect(a.groups.find((g: { key: string }) => g.key === ws.finance).name).toBe('finance');
  }, 120_000);

  it('allocates by pod label and by project the same way', async () => {
    const pods = syntheticPods(projectId);
    const labelOf = (key: string) => (ns: string, pod: string) => pods.find((p) => p.namespace === ns && p.pod === pod)?.labels[key] ?? null;
    for (const [groupBy, groupOf] of [['label:team', labelOf('team')], ['project', labelOf('hexaplane.dev/project')]] as const) {
      const expected = expectedAllocation(pods, start, prices, { groupOf, workspaceOf, shared: sharedRules() });
      const a = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { from: iso(start), to: iso(end), groupBy } });
      expect(BigInt(a.total), groupBy).toBe(expected.total);
      expect(totalsOf(a), groupBy).toEqual(Object.fromEntries(expected.groups));
    }
  }, 120_000);

  it('gives a per-day series whose days each reconcile, and team totals from the workspace cost-center label', async () => {
    const a = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { from: iso(start), to: iso(end), groupBy: 'team', series: 'day' } });
    expect(a.series).toHaveLength(30);
    for (const day of a.series) expect(Object.values(day.groups as Record<string, number>).reduce((s, v) => s + v, 0)).toBe(day.total);
    expect(Object.keys(totalsOf(a)).sort()).toEqual(['cc-100', 'cc-200', 'unallocated']);
    const spend = await t.deps.services.cost.spend(orgId, { from: new Date(start * 1000), to: new Date(end * 1000), groupBy: 'team' });
    expect(spend.total).toBe(a.total);
    expect(spend.days).toEqual(a.series);
  }, 120_000);

  it('re-running the collection changes nothing (idempotent), and an incremental run starts at the watermark', async () => {
    const before = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { from: iso(start), to: iso(end) } });
    await expectJson(t.app, admin, 'POST', api(`/cost/sources/${source.id}/collect`), 200, { body: { from: iso(start + 3 * DAY), to: iso(start + 5 * DAY) } });
    const after = await expectJson(t.app, admin, 'GET', api('/cost/allocation'), 200, { query: { from: iso(start), to: iso(end) } });
    expect(after).toEqual(before);
    const incremental = await expectJson(t.app, admin, 'POST', api(`/cost/sources/${source.id}/collect`), 200, { body: {} });
    expect(incremental.from).toBe(iso(end));
    expect(incremental.samples).toBe(0);
  }, 300_000);
});
