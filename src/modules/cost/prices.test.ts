import { describe, expect, it } from 'vitest';
import { amortisedRates, CsvError, pricesFromCsv, pricesToCsv, versionAt, type PriceVersion } from './prices.ts';

const v = (from: string, cpu: number): PriceVersion => ({
  provider: 'aws', region: 'eu-west-1', effectiveFrom: new Date(from), currency: 'USD', kind: 'list',
  rates: { cpuCoreHour: cpu, memoryGibHour: 4_237, storageGibMonth: 100_000, gpuHour: 2_500_000, egressGib: 90_000 }, discountBp: 1250, note: 'list, "negotiated"',
});

describe('prices', () => {
  it('amortises on-prem hardware as docs/cost.md works it', () => {
    // $360,000 over 36 months + $2,000 a month = $12,000 a month; 65 % on 512 vCPUs, 35 % on 4,096 GiB, 730 h.
    expect(amortisedRates({ capex: 360_000_000_000, lifetimeMonths: 36, opexMonthly: 2_000_000_000, vcpus: 512, memoryGib: 4096, cpuWeightBp: 6500 })).toEqual({ cpuCoreHour: 20_869, memoryGibHour: 1_405 });
  });

  it('finds the version in force at a time', () => {
    const versions = [v('2026-11-01T00:00:00Z', 30_000), v('2026-01-01T00:00:00Z', 31_611)];
    expect(versionAt(versions, new Date('2025-12-31T23:00:00Z'))).toBeNull();
    expect(versionAt(versions, new Date('2026-10-31T23:00:00Z'))!.rates.cpuCoreHour).toBe(31_611);
    expect(versionAt(versions, new Date('2026-11-01T00:00:00Z'))!.rates.cpuCoreHour).toBe(30_000);
  });

  it('round-trips the CSV exactly, and names the line and column of a bad cell', () => {
    const versions = [v('2026-01-01T00:00:00.000Z', 31_611), v('2026-11-01T00:00:00.000Z', 1)];
    const csv = pricesToCsv(versions);
    expect(csv.split('\n')[1]).toBe('aws,eu-west-1,2026-01-01T00:00:00.000Z,USD,list,0.031611,0.004237,0.100000,2.500000,0.090000,12.50,"list, ""negotiated"""');
    expect(pricesFromCsv(csv)).toEqual(versions);
    const bad = csv.replace('0.004237', '0.0042371');
    expect(() => pricesFromCsv(bad)).toThrow(CsvError);
    expect(() => pricesFromCsv(bad)).toThrow('line 2, memory_gib_hour');
    expect(() => pricesFromCsv('provider,region\naws,x\n')).toThrow('effective_from');
  });
});
