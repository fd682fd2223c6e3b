import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractStatement, overageCharge } from './contracts.ts';

const M = 1_000_000n; // one unit of the currency
const terms = { commitmentMicros: 10_000n * M, overageRateBp: 12_500 };

describe('contract statements', () => {
  it('draws the commitment down while usage stays inside it; nothing is owed beyond it until close', () => {
    const open = contractStatement(terms, [{ unit: 'ws_finance', usageMicros: 3_000n * M }, { unit: 'ws_retail', usageMicros: 1_000n * M }], false);
    expect(open).toMatchObject({ usageMicros: 4_000n * M, drawdownMicros: 4_000n * M, remainingCommitmentMicros: 6_000n * M, overageChargeMicros: 0n, trueUpMicros: 0n, chargeMicros: 4_000n * M });
    expect(open.units.map((u) => [u.unit, u.shareBp, u.chargebackMicros])).toEqual([['ws_finance', 7_500, 3_000n * M], ['ws_retail', 2_500, 1_000n * M]]);
  });

  it('trues up the unused commitment at close, charged back by usage', () => {
    const closed = contractStatement(terms, [{ unit: 'ws_finance', usageMicros: 3_000n * M }, { unit: 'ws_retail', usageMicros: 1_000n * M }], true);
    expect(closed.trueUpMicros).toBe(6_000n * M);
    expect(closed.chargeMicros).toBe(10_000n * M);
    expect(closed.units.map((u) => u.chargebackMicros)).toEqual([7_500n * M, 2_500n * M]);
    expect(closed.units.map((u) => u.showbackMicros)).toEqual([3_000n * M, 1_000n * M]);
  });

  it('charges usage beyond the commitment at the overage rate', () => {
    const over = contractStatement(terms, [{ unit: 'ws_finance', usageMicros: 12_000n * M }], true);
    expect(over).toMatchObject({ drawdownMicros: 10_000n * M, overageUsageMicros: 2_000n * M, overageChargeMicros: 2_500n * M, trueUpMicros: 0n, chargeMicros: 12_500n * M });
    expect(overageCharge(3n, 12_500)).toBe(4n); // 3.75 rounds half up
  });

  it('splits a true-up evenly when nothing was used', () => {
    const idle = contractStatement(terms, [{ unit: 'a', usageMicros: 0n }, { unit: 'b', usageMicros: 0n }, { unit: 'c', usageMicros: 0n }], true);
    expect(idle.units.map((u) => u.chargebackMicros)).toEqual([3_333_333_334n, 3_333_333_333n, 3_333_333_333n]);
    expect(idle.units.every((u) => u.shareBp === 0)).toBe(true);
  });

  it('charges back exactly the charge, to the micro-unit, whatever the usage', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 13n }), { minLength: 1, maxLength: 12 }),
        fc.bigInt({ min: 0n, max: 10n ** 14n }),
        fc.integer({ min: 10_000, max: 30_000 }),
        fc.boolean(),
        (usages, commitment, rate, closed) => {
          const s = contractStatement({ commitmentMicros: commitment, overageRateBp: rate }, usages.map((u, i) => ({ unit: `u${i}`, usageMicros: u })), closed);
          expect(s.units.reduce((sum, u) => sum + u.chargebackMicros, 0n)).toBe(s.chargeMicros);
          expect(s.drawdownMicros + s.overageUsageMicros).toBe(s.usageMicros);
          if (s.usageMicros > 0n) expect(s.units.reduce((sum, u) => sum + u.shareBp, 0)).toBe(10_000);
          if (closed) expect(s.chargeMicros).toBeGreaterThanOrEqual(commitment);
        },
      ),
    );
  });
});
