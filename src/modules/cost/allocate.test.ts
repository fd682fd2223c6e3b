import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBillable, allocateCosts, UNALLOCATED, zeroQuantities, type AllocationInput, type Rates } from './allocate.ts';
import { formatMicros, parseDecimalMicros, roundToTotal, splitByWeights } from './money.ts';

// $0.04/vCPU-hour, $0.005/GiB-hour, $0.10/GiB-month: the worked example of docs/cost.md.
const rates: Rates = { cpuCoreHour: 40_000, memoryGibHour: 5_000, storageGibMonth: 100_000, gpuHour: 0, egressGib: 0, discountBp: 0 };
const q = (cpu: number, mem: number, storage = 0) => ({ cpuMcoreHours: cpu, memoryMibHours: mem, storageMibHours: storage, gpuMilliHours: 0, egressMib: 0 });

describe('money', () => {
  it('parses and formats decimals exactly', () => {
    expect(parseDecimalMicros('0.031611')).toBe(31_611);
    expect(parseDecimalMicros('12')).toBe(12_000_000);
    expect(parseDecimalMicros('-1.5')).toBe(-1_500_000);
    expect(() => parseDecimalMicros('0.0000001')).toThrow();
    expect(() => parseDecimalMicros('1e3')).toThrow();
    expect(formatMicros(31_611)).toBe('0.031611');
    expect(formatMicros(-1_500_000n)).toBe('-1.500000');
  });

  it('largest remainder: parts sum to the rounded total, leftovers to the largest remainders', () => {
    expect(roundToTotal([5n, 5n, 5n], 10n)).toEqual({ parts: [1n, 1n, 0n], total: 2n });
    expect(splitByWeights(10n, [1n, 1n, 1n])).toEqual([4n, 3n, 3n]);
    expect(splitByWeights(10n, [0n, 0n])).toBeNull();
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 30 }), (amount, weights) => {
        const parts = splitByWeights(amount, weights);
        if (weights.every((w) => w === 0n)) return parts === null;
        return parts!.reduce((a, b) => a + b, 0n) === amount && parts!.every((p, i) => p >= 0n && (weights[i] === 0n ? p === 0n : true));
      }),
    );
  });
});

describe('allocateCosts', () => {
  const base: AllocationInput = {
    workloads: [
      { group: 'ws_finance', workspaceId: 'ws_finance', sharedNamespace: null },
      { group: 'ws_sales', workspaceId: 'ws_sales', sharedNamespace: null },
      { group: 'ws_platform', workspaceId: 'ws_platform', sharedNamespace: 'monitoring' },
      { group: UNALLOCATED, workspaceId: null, sharedNamespace: null },
    ],
    segments: [{ rates, capacity: { cpuMcoreHours: 10_000 * 24, memoryMibHours: 40 * 1024 * 24, gpuMilliHours: 0 } }],
    usage: [
      // 24 hours: finance 4 cores and 8 GiB, sales 2 cores and 4 GiB, monitoring 1 core and 2 GiB, unmapped 0.5 core.
      { workload: 0, segment: 0, quantities: q(4000 * 24, 8192 * 24) },
      { workload: 1, segment: 0, quantities: q(2000 * 24, 4096 * 24) },
      { workload: 2, segment: 0, quantities: q(1000 * 24, 2048 * 24) },
      { workload: 3, segment: 0, quantities: q(500 * 24, 0) },
    ],
    idle: { mode: 'proportional' },
    shared: [{ namespace: 'monitoring', split: 'proportional' }],
  };

  it('works the documented example to the micro-unit', () => {
    const a = allocateCosts(base);
    // Capacity: 10 cores × 24 h × 0.04 + 40 GiB × 24 h × 0.005 = 9.60 + 4.80 = 14.40 a day.
    expect(a.total).toBe(14_400_000);
    // Used: 7.5 cores and 14 GiB; idle = 2.5 × 24 × 0.04 + 26 × 24 × 0.005 = 2.40 + 3.12.
    expect(a.idleTotal).toBe(5_520_000);
    const byGroup = Object.fromEntries(a.groups.map((g) => [g.group, g]));
    // Direct: finance 3.84 + 0.96 = 4.80; sales 1.92 + 0.48 = 2.40; monitoring 0.96 + 0.24 = 1.20; unmapped 0.48.
    expect(byGroup.ws_finance!.direct).toBe(4_800_000);
    expect(byGroup.ws_sales!.direct).toBe(2_400_000);
    expect(byGroup[UNALLOCATED]!.direct).toBe(480_000);
    // Idle 5.52 over direct 8.88 in proportion: finance 2.983784 (4.80/8.88), sales 1.491892, monitoring 0.745946, unmapped 0.298378.
    expect(byGroup.ws_finance!.idle).toBe(2_983_784);
    expect(byGroup.ws_sales!.idle).toBe(1_491_892);
    expect(byGroup[UNALLOCATED]!.idle).toBe(298_378);
    // Monitoring's 1.20 + 0.745946 = 1.945946 goes to the others by their amounts (7.783784, 3.891892, 0.778378).
    const sum = a.groups.reduce((s, g) => s + g.total, 0);
    expect(sum).toBe(a.total);
    expect(byGroup.ws_finance!.shared + byGroup.ws_sales!.shared + byGroup[UNALLOCATED]!.shared).toBe(1_945_946);
    // Finance holds 4.80 / 7.68 = 62.5 % of what is left: 1.945946 × 0.625 = 1.216216(25).
    expect(byGroup.ws_finance!.shared).toBe(1_216_216);
    expect([byGroup.ws_sales!.shared, byGroup[UNALLOCATED]!.shared]).toEqual([608_108, 121_622]);
    expect([byGroup.ws_finance!.total, byGroup.ws_sales!.total, byGroup[UNALLOCATED]!.total]).toEqual([9_000_000, 4_500_000, 900_000]);
    expect(a.groups.map((g) => g.group)).not.toContain('ws_platform');
  });

  it('charges idle to a named owner, and splits shared cost evenly or by fixed shares', () => {
    const owner = allocateCosts({ ...base, idle: { mode: 'owner', group: 'ws_platform-idle', workspaceId: 'ws_platform' } });
    expect(owner.groups.find((g) => g.group === 'ws_platform-idle')!.idle).toBe(5_520_000);
    const even = allocateCosts({ ...base, shared: [{ namespace: 'monitoring', split: 'even' }] });
    const shared = Object.fromEntries(even.groups.map((g) => [g.group, g.shared]));
    expect(shared.ws_finance! - shared.ws_sales!).toBeLessThanOrEqual(1);
    expect(shared[UNALLOCATED]).toBe(0);
    const fixed = allocateCosts({ ...base, shared: [{ namespace: 'monitoring', split: 'fixed', shares: { ws_finance: 7000, ws_sales: 2000 } }] });
    const f = Object.fromEntries(fixed.groups.map((g) => [g.group, g.shared]));
    // 1.945946 × 70 % = 1.362162(2), × 20 % = 0.389189(2), and the 10 % nobody took is unallocated.
    expect([f.ws_finance, f.ws_sales, f[UNALLOCATED]]).toEqual([1_362_162, 389_189, 194_595]);
    for (const a of [owner, even, fixed]) expect(a.groups.reduce((s, g) => s + g.total, 0)).toBe(a.total);
  });

  it('always shows the unallocated bucket, and applies the cost model per hour', () => {
    const empty = allocateCosts({ workloads: [], segments: [], usage: [], idle: { mode: 'proportional' }, shared: [] });
    expect(empty).toEqual({ total: 0, idleTotal: 0, groups: [{ group: UNALLOCATED, direct: 0, idle: 0, shared: 0, total: 0 }] });
    const sample = { cpuRequestMcores: 500, cpuUsageMcores: 900, memoryRequestMib: 1024, memoryUsageMib: 512, storageMib: 0, gpuMilli: 0, egressMib: 0 };
    for (const [model, cpu, mem] of [['max', 900, 1024], ['request', 500, 1024], ['usage', 900, 512]] as const) {
      const into = zeroQuantities();
      addBillable(into, sample, model);
      expect([into.cpuMcoreHours, into.memoryMibHours]).toEqual([cpu, mem]);
    }
  });

  it('reconciles for any input (property)', () => {
    const arb = fc.record({
      usage: fc.array(fc.record({ w: fc.nat(5), cpu: fc.nat(64_000), mem: fc.nat(262_144), st: fc.nat(1_000_000) }), { maxLength: 40 }),
      capacity: fc.nat(2_000_000),
      idleOwner: fc.boolean(),
      split: fc.constantFrom('even', 'proportional', 'fixed'),
    });
    fc.assert(
      fc.property(arb, (x) => {
        const workloads = Array.from({ length: 6 }, (_, i) => ({ group: `g${i % 3}`, workspaceId: i === 5 ? null : `ws${i % 4}`, sharedNamespace: i === 4 ? 'kube-system' : null }));
        const a = allocateCosts({
          workloads,
          segments: [{ rates: { ...rates, discountBp: 1234 }, capacity: { cpuMcoreHours: x.capacity, memoryMibHours: x.capacity, gpuMilliHours: 0 } }],
          usage: x.usage.map((u) => ({ workload: u.w, segment: 0, quantities: q(u.cpu, u.mem, u.st) })),
          idle: x.idleOwner ? { mode: 'owner', group: 'g0', workspaceId: 'ws0' } : { mode: 'proportional' },
          shared: [x.split === 'fixed' ? { namespace: 'kube-system', split: 'fixed', shares: { ws0: 3000, ws1: 3000 } } : { namespace: 'kube-system', split: x.split as 'even' }],
        });
        return a.groups.reduce((s, g) => s + g.total, 0) === a.total && a.groups.some((g) => g.group === UNALLOCATED) && a.groups.every((g) => g.total >= 0);
      }),
    );
  });
});
