/**
 * Cost allocation figures (issue 5, ADR 0015): 10,000 pods × 720 hourly samples (7.2 million)
 * in an embedded PostgreSQL, allocated for the month with idle and shared costs, next to the
 * same grouping as one SQL GROUP BY (direct cost only: no idle, no shared, no reconciliation).
 * - allocation: what GET …/cost/allocation does (one aggregate scan + allocateCosts in JS);
 * - allocationByDay: the same with a per-day series (what budgets read through `spend`);
 * - sqlGroupBy: the baseline;
 * - domainOnly: allocateCosts fed 7.2 million in-memory samples (cost model applied per hour).
 * Usage: npm run bench -- cost [pods] [hours]
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Db } from '../src/kernel/db/index.ts';
import { addBillable, allocateCosts, zeroQuantities, type Quantities } from '../src/modules/cost/allocate.ts';
import { buildAllocation, cutsFor, type Directory } from '../src/modules/cost/allocation-input.ts';
import type { PriceVersion } from '../src/modules/cost/prices.ts';
import type { CostSettings } from '../src/modules/cost/schemas.ts';
import * as store from '../src/modules/cost/store.ts';
import { withBenchDatabase } from './_database.ts';

const ORG = 'org_01bench0000000000000000000';
const START = new Date('2026-10-01T00:00:00Z');
const WORKSPACES = 90;
const rssMiB = () => Math.round(process.memoryUsage().rss / 1048576);
const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => Math.round(ms) / 1000;

// Pod p runs in namespace p % 100: 0-89 a workspace's, 90-91 monitoring, 92-93 kube-system, the rest unmapped.
const NAMESPACE_SQL = sql`CASE WHEN p % 100 < ${WORKSPACES} THEN 'hx-ws-' || (p % 100) WHEN p % 100 < 92 THEN 'monitoring' WHEN p % 100 < 94 THEN 'kube-system' ELSE 'legacy-' || (p % 100) END`;
const sample = (p: number, h: number) => ({
  cpuRequestMcores: 100 + (p % 20) * 50,
  cpuUsageMcores: 50 + ((p * 7 + h * 13) % 1000),
  memoryRequestMib: 256 + (p % 16) * 128,
  memoryUsageMib: 200 + ((p * 11 + h * 17) % 2048),
  storageMib: p % 50 === 0 ? 10_240 : 0,
  gpuMilli: 0,
  egressMib: (p * 3 + h) % 64,
});

const versions: PriceVersion[] = [
  { provider: 'aws', region: 'eu-west-1', effectiveFrom: new Date('2026-01-01T00:00:00Z'), currency: 'USD', kind: 'list', rates: { cpuCoreHour: 31_611, memoryGibHour: 4_237, storageGibMonth: 100_000, gpuHour: 0, egressGib: 90_000 }, discountBp: 0, note: '' },
  { provider: 'aws', region: 'eu-west-1', effectiveFrom: new Date('2026-10-16T06:00:00Z'), currency: 'USD', kind: 'list', rates: { cpuCoreHour: 30_000, memoryGibHour: 4_000, storageGibMonth: 95_000, gpuHour: 0, egressGib: 85_000 }, discountBp: 500, note: '' },
];

const settings: CostSettings = {
  costModel: 'max',
  idle: { mode: 'proportional' },
  shared: [{ namespace: 'monitoring', split: 'proportional' }, { namespace: 'kube-system', split: 'even' }],
  teamLabel: 'cost-center',
  projectLabel: 'hexaplane.dev/project',
  namespaces: {},
};

const directory: Directory = {
  workspaces: Array.from({ length: WORKSPACES }, (_, i) => ({ id: `ws_${String(i).padStart(26, '0')}`, name: `Workspace ${i}`, slug: `ws-${i}`, labels: { 'cost-center': `cc-${i % 12}` } })),
  projects: [],
};

async function seed(db: Db, pods: number, hours: number): Promise<number> {
  const t0 = performance.now();
  await sql`INSERT INTO organizations (id, name, slug) VALUES (${ORG}, 'Bench', 'bench')`.execute(db);
  await store.upsertCluster(db, ORG, 'bench-1', 'aws', 'eu-west-1', true);
  await store.ensurePartitions(db, START, new Date(START.getTime() + hours * 3_600_000));
  // The same numbers as `sample` above, generated inside PostgreSQL (7.2 million rows in one statement).
  await sql`
    INSERT INTO cost_usage_samples (org_id, cluster, namespace, pod, hour, cpu_request_mcores, cpu_usage_mcores, memory_request_mib, memory_usage_mib, storage_mib, gpu_milli, egress_mib, source)
    SELECT ${ORG}, 'bench-1', ${NAMESPACE_SQL}, 'pod-' || p, ${START}::timestamptz + make_interval(hours => h),
      100 + (p % 20) * 50, 50 + ((p * 7 + h * 13) % 1000), 256 + (p % 16) * 128, 200 + ((p * 11 + h * 17) % 2048),
      CASE WHEN p % 50 = 0 THEN 10240 ELSE 0 END, 0, (p * 3 + h) % 64, 'prometheus'
    FROM generate_series(0, ${pods - 1}) p, generate_series(0, ${hours - 1}) h`.execute(db);
  await sql`
    INSERT INTO cost_pod_labels (org_id, cluster, namespace, pod, labels, seen_at)
    SELECT ${ORG}, 'bench-1', ${NAMESPACE_SQL}, 'pod-' || p, jsonb_build_object('team', 'team-' || (p % 37)), now() FROM generate_series(0, ${pods - 1}) p`.execute(db);
  // Capacity: 0.8 cores and 1.6 GiB per pod slot, so roughly a fifth is idle.
  await sql`
    INSERT INTO cost_capacity_samples (org_id, cluster, hour, cpu_mcores, memory_mib)
    SELECT ${ORG}, 'bench-1', ${START}::timestamptz + make_interval(hours => h), ${pods * 800}, ${pods * 1638} FROM generate_series(0, ${hours - 1}) h`.execute(db);
  await sql`VACUUM ANALYZE cost_usage_samples`.execute(db);
  return seconds(performance.now() - t0);
}

async function allocation(db: Db, to: Date, byDay: boolean) {
  const t0 = performance.now();
  const dayZone = byDay ? 'Asia/Tokyo' : null;
  const cuts = cutsFor(START, to, versions, dayZone);
  const window = { from: START, to, cuts };
  const [usage, capacity, labels, clusters] = await Promise.all([
    store.billableUsage(db, ORG, { ...window, model: 'max' }),
    store.capacity(db, ORG, window),
    store.podLabels(db, ORG),
    store.listClusters(db, ORG),
  ]);
  const queried = performance.now();
  const result = buildAllocation({ settings, versions, from: START, cuts, dayZone, clusters, dir: directory, labels, usage, capacity }, 'workspace');
  const done = performance.now();
  const sum = result.total.groups.reduce((s, g) => s + g.total, 0);
  return {
    seconds: seconds(done - t0),
    sqlSeconds: seconds(queried - t0),
    jsSeconds: seconds(done - queried),
    rows: usage.length,
    groups: result.total.groups.length,
    total: result.total.total,
    idleTotal: result.total.idleTotal,
    partsSumToTotal: sum === result.total.total,
    days: result.days.length,
  };
}

/** The baseline: direct cost per namespace in one GROUP BY (numeric arithmetic, price by CASE). */
async function sqlGroupBy(db: Db, to: Date) {
  const [v1, v2] = versions as [PriceVersion, PriceVersion];
  const t0 = performance.now();
  const r = await sql<{ namespace: string; cost: string }>`
    SELECT namespace, sum(
      CASE WHEN hour < ${v2.effectiveFrom} THEN
        (greatest(cpu_request_mcores, cpu_usage_mcores)::numeric * ${v1.rates.cpuCoreHour} / 1000 + greatest(memory_request_mib, memory_usage_mib)::numeric * ${v1.rates.memoryGibHour} / 1024
         + storage_mib::numeric * ${v1.rates.storageGibMonth} / (1024 * 730) + egress_mib::numeric * ${v1.rates.egressGib} / 1024)
      ELSE
        (greatest(cpu_request_mcores, cpu_usage_mcores)::numeric * ${v2.rates.cpuCoreHour} / 1000 + greatest(memory_request_mib, memory_usage_mib)::numeric * ${v2.rates.memoryGibHour} / 1024
         + storage_mib::numeric * ${v2.rates.storageGibMonth} / (1024 * 730) + egress_mib::numeric * ${v2.rates.egressGib} / 1024) * ${10_000 - v2.discountBp} / 10000
      END)::text AS cost
    FROM cost_usage_samples WHERE org_id = ${ORG} AND hour >= ${START} AND hour < ${to}
    GROUP BY namespace`.execute(db);
  return { seconds: seconds(performance.now() - t0), groups: r.rows.length };
}

/** allocateCosts over in-memory samples: the cost model per sample, then the allocation. */
function domainOnly(pods: number, hours: number) {
  const boundary = versions[1]!.effectiveFrom.getTime();
  const perPod: Array<[Quantities, Quantities]> = Array.from({ length: pods }, () => [zeroQuantities(), zeroQuantities()]);
  const t0 = performance.now();
  for (let p = 0; p < pods; p++) {
    const q = perPod[p]!;
    for (let h = 0; h < hours; h++) addBillable(q[START.getTime() + h * 3_600_000 < boundary ? 0 : 1], sample(p, h), 'max');
  }
  const folded = performance.now();
  const nsOf = (p: number) => p % 100;
  const a = allocateCosts({
    workloads: Array.from({ length: pods }, (_, p) => ({
      group: nsOf(p) < WORKSPACES ? directory.workspaces[nsOf(p)]!.id : 'unallocated',
      workspaceId: nsOf(p) < WORKSPACES ? directory.workspaces[nsOf(p)]!.id : null,
      sharedNamespace: nsOf(p) < 90 ? null : nsOf(p) < 92 ? 'monitoring' : nsOf(p) < 94 ? 'kube-system' : null,
    })),
    segments: versions.map((v, i) => ({
      rates: { ...v.rates, discountBp: v.discountBp },
      capacity: { cpuMcoreHours: pods * 800 * (i === 0 ? 366 : hours - 366), memoryMibHours: pods * 1638 * (i === 0 ? 366 : hours - 366), gpuMilliHours: 0 },
    })),
    usage: perPod.flatMap(([a1, a2], p) => [{ workload: p, segment: 0, quantities: a1 }, { workload: p, segment: 1, quantities: a2 }]),
    idle: { mode: 'proportional' },
    shared: settings.shared,
    groupOfWorkspace: (ws) => ws,
  });
  const done = performance.now();
  return { seconds: seconds(done - t0), foldSeconds: seconds(folded - t0), allocateSeconds: seconds(done - folded), samples: pods * hours, total: a.total, partsSumToTotal: a.groups.reduce((s, g) => s + g.total, 0) === a.total };
}

export async function run(args: string[]): Promise<unknown> {
  const pods = Number(args[0] ?? 10_000);
  const hours = Number(args[1] ?? 720);
  const to = new Date(START.getTime() + hours * 3_600_000);
  return withBenchDatabase('cost', 4, async ({ db }) => {
    const seedSeconds = await seed(db, pods, hours);
    const rssBefore = rssMiB();
    // Warm-up: the first scan reads the table into shared buffers; every measured run then starts warm.
    await sqlGroupBy(db, to);
    const baseline = await sqlGroupBy(db, to);
    const monthly = await allocation(db, to, false);
    const peakAfterAllocation = peakMiB();
    const byDay = await allocation(db, to, true);
    const peakAfterByDay = peakMiB();
    const domain = domainOnly(pods, hours);
    return {
      samples: pods * hours,
      pods,
      hours,
      seedSeconds,
      allocation: monthly,
      allocationByDay: byDay,
      sqlGroupBy: baseline,
      ratioToSqlGroupBy: Math.round((monthly.seconds / baseline.seconds) * 100) / 100,
      domainOnly: domain,
      memory: { rssBeforeMiB: rssBefore, peakRssAfterAllocationMiB: peakAfterAllocation, peakRssAfterByDayMiB: peakAfterByDay, peakRssMiB: peakMiB(), note: 'Node process only; PostgreSQL runs in its own process' },
      target: { seconds: 5, peakRssMiB: 1024 },
    };
  });
}
