import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatBytes, formatCpu, parseBytes, parseCpuMillis, quotaOverflow } from './quantity.ts';

describe('quantities', () => {
  it('parses CPU and byte quantities as Kubernetes does', () => {
    expect(parseCpuMillis('500m')).toBe(500);
    expect(parseCpuMillis('2')).toBe(2000);
    expect(parseCpuMillis('1.5')).toBe(1500);
    expect(parseCpuMillis('0.0001')).toBeNull();
    expect(parseBytes('1Gi')).toBe(1024 ** 3);
    expect(parseBytes('1G')).toBe(1e9);
    expect(parseBytes('1.5Ki')).toBe(1536);
    expect(parseBytes('1m')).toBeNull();
    expect(parseBytes('ten')).toBeNull();
  });

  it('formats what it parses back to the same amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        expect(parseBytes(formatBytes(n))).toBe(n);
        expect(parseCpuMillis(formatCpu(n))).toBe(n);
      }),
    );
  });

  it('finds the first resource whose project quotas overflow the workspace', () => {
    const ws = { cpuMillis: 4000, memoryBytes: null, storageBytes: 100, pods: 10 };
    const ok = { cpuMillis: 2000, memoryBytes: 10, storageBytes: 50, pods: 5 };
    expect(quotaOverflow(ws, [ok, ok])).toBeNull();
    expect(quotaOverflow(ws, [ok, ok, { cpuMillis: 1, memoryBytes: null, storageBytes: null, pods: null }])).toMatchObject({
      resource: 'cpuMillis',
      limit: 4000,
      requested: 4001,
    });
  });
});
