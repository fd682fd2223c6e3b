import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetDecision, budgetPeriod, crossedThresholds, isTimeZone, quotaForBudget, reached, strictestDecision } from './budgets.ts';

describe('budget periods', () => {
  it('counts the month in the organization time zone, not in UTC', () => {
    // 23:30 UTC on 31 March is already 1 April in Tokyo.
    const tokyo = budgetPeriod('monthly', 'Asia/Tokyo', new Date('2026-03-31T23:30:00Z'));
    expect(tokyo).toMatchObject({ startDate: '2026-04-01', endDate: '2026-05-01' });
    expect(tokyo.start.toISOString()).toBe('2026-03-31T15:00:00.000Z');
    expect(tokyo.days).toHaveLength(30);
    expect(budgetPeriod('monthly', 'UTC', new Date('2026-03-31T23:30:00Z')).startDate).toBe('2026-03-01');
  });

  it('keeps whole local days across a daylight-saving change', () => {
    const march = budgetPeriod('monthly', 'America/New_York', new Date('2026-03-15T12:00:00Z'));
    expect(march.days).toHaveLength(31);
    expect(march.days[7]).toBe('2026-03-08');
    expect(march.start.toISOString()).toBe('2026-03-01T05:00:00.000Z');
    expect(march.end.toISOString()).toBe('2026-04-01T04:00:00.000Z');
  });

  it('has quarters and years', () => {
    expect(budgetPeriod('quarterly', 'Europe/Berlin', new Date('2026-08-20T10:00:00Z'))).toMatchObject({ startDate: '2026-07-01', endDate: '2026-10-01' });
    expect(budgetPeriod('yearly', 'UTC', new Date('2028-06-01T00:00:00Z')).days).toHaveLength(366);
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Asia/Tokyo')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('thresholds', () => {
  const amountMicros = 1_000_000_000n;

  it('is reached exactly at the percentage, decided on integers', () => {
    expect(reached(800_000_000n, amountMicros, 80)).toBe(true);
    expect(reached(799_999_999n, amountMicros, 80)).toBe(false);
    expect(reached(125_000n, 1_000_000n, 12.5)).toBe(true);
    expect(reached(124_999n, 1_000_000n, 12.5)).toBe(false);
  });

  it('judges each threshold on its own basis', () => {
    const thresholds = [
      { percent: 50, basis: 'actual' as const },
      { percent: 80, basis: 'actual' as const },
      { percent: 100, basis: 'forecast' as const },
    ];
    expect(crossedThresholds(thresholds, { amountMicros, actualMicros: 600_000_000n, forecastMicros: 1_100_000_000n })).toEqual([thresholds[0], thresholds[2]]);
    expect(crossedThresholds(thresholds, { amountMicros, actualMicros: 600_000_000n, forecastMicros: null })).toEqual([thresholds[0]]);
  });

  it('never reports a threshold above one the same spend did not reach', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 15n }), (amount, spend) => {
        const crossed = crossedThresholds([50, 80, 90, 100].map((percent) => ({ percent, basis: 'actual' as const })), { amountMicros: amount, actualMicros: spend, forecastMicros: null });
        const percents = crossed.map((t) => t.percent);
        expect(percents).toEqual([50, 80, 90, 100].slice(0, percents.length));
      }),
    );
  });
});

describe('decisions', () => {
  const over = { amountMicros: 100n, actualMicros: 100n, forecastMicros: 120n };
  const under = { amountMicros: 100n, actualMicros: 99n, forecastMicros: 150n };

  it('applies the chosen action only once actual spend reached 100 %', () => {
    expect(budgetDecision('block', over)).toBe('block');
    expect(budgetDecision('require-approval', over)).toBe('require-approval');
    expect(budgetDecision('notify', over)).toBe('allow');
    expect(budgetDecision('block', under)).toBe('allow');
  });

  it('takes the strictest of several budgets', () => {
    expect(strictestDecision([])).toBe('allow');
    expect(strictestDecision(['allow', 'require-approval'])).toBe('require-approval');
    expect(strictestDecision(['require-approval', 'block', 'allow'])).toBe('block');
  });
});

describe('quota a budget buys', () => {
  it('spreads the remaining money over the hours left, rounded down', () => {
    // 720 hours left, 7,200 units left = 10 units an hour; a vCPU-hour costs 0.04, a GiB-hour 0.005.
    const estimate = quotaForBudget(7_200_000_000n, 720, { cpuHourMicros: 40_000n, memoryGibHourMicros: 5_000n });
    expect(estimate.cpuCores).toBe(250);
    expect(estimate.memoryGib).toBe(2000);
    // A core with 4 GiB costs 0.06 an hour: 166.666 cores, 666.664 GiB.
    expect(estimate.balanced.cpuCores).toBe(166.666);
    expect(estimate.balanced.memoryGib).toBeLessThanOrEqual(166.666 * 4);
  });

  it('buys nothing once the budget is spent or the period is over', () => {
    expect(quotaForBudget(-5n, 100, { cpuHourMicros: 1n, memoryGibHourMicros: 1n }).cpuCores).toBe(0);
    expect(quotaForBudget(1_000n, 0, { cpuHourMicros: 1n, memoryGibHourMicros: 1n }).memoryGib).toBe(0);
  });
});
