import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomScenario, scenario } from '../../../test/support/spend-series.ts';
import { forecastSpend, localDate, normalQuantile, periodBounds, runRateForecast, type DailySpend } from './forecast.ts';

const M = 1_000_000n;

/** `days` of spend from `start`, each from `amount(weekday)` in whole currency units. */
function series(start: string, days: number, amount: (weekday: number, i: number) => number): DailySpend[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => {
    const d = new Date(t0 + i * 86_400_000);
    return { date: d.toISOString().slice(0, 10), amountMicros: BigInt(Math.round(amount(d.getUTCDay(), i) * 1e6)) };
  });
}

const weekdayWeekend = (weekday: number) => (weekday === 0 || weekday === 6 ? 200 : 1000);

describe('periods and days', () => {
  it('bounds months (leap February), quarters and years', () => {
    expect(periodBounds('month', '2028-02-10')).toEqual({ start: '2028-02-01', end: '2028-02-29' });
    expect(periodBounds('quarter', '2026-11-23')).toEqual({ start: '2026-10-01', end: '2026-12-31' });
    expect(periodBounds('year', '2026-06-30')).toEqual({ start: '2026-01-01', end: '2026-12-31' });
    expect(() => periodBounds('month', '2026-02-30')).toThrow(RangeError);
  });

  it('takes "today" in the organization time zone', () => {
    const at = new Date('2026-11-30T23:30:00Z');
    expect(localDate(at, 'UTC')).toBe('2026-11-30');
    expect(localDate(at, 'Asia/Tokyo')).toBe('2026-12-01');
    const daily = series('2026-11-01', 29, weekdayWeekend);
    const tokyo = forecastSpend({ period: 'month', timeZone: 'Asia/Tokyo', asOf: at, daily });
    expect(tokyo).toMatchObject({ periodStart: '2026-12-01', periodEnd: '2026-12-31', daysElapsed: 0, actualMicros: 0n });
    const utc = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: at, daily });
    expect(utc).toMatchObject({ periodStart: '2026-11-01', daysElapsed: 29, days: [expect.objectContaining({ date: '2026-11-30' })] });
  });

  it('inverts the normal distribution', () => {
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});

describe('forecastSpend', () => {
  it('learns the weekly pattern: a noiseless weekday/weekend series is forecast to the micro-unit, where run-rate is off', () => {
    // November 2026 starts on a Sunday: three of the nine elapsed days were weekend days, against 9 of 30 in the month.
    const daily = series('2026-10-04', 28 + 9, weekdayWeekend);
    const input = { period: 'month' as const, timeZone: 'UTC', asOf: new Date('2026-11-10T08:00:00Z'), daily };
    const truth = series('2026-11-01', 30, weekdayWeekend).reduce((s, d) => s + d.amountMicros, 0n);
    const f = forecastSpend(input);
    expect(f.method).toBe('seasonal-trend');
    expect(f.actualMicros).toBe(6600n * M);
    expect(f.forecastMicros).toBe(truth);
    expect(f.lowerMicros).toBe(truth);
    expect(f.upperMicros).toBe(truth);
    expect(truth).toBe(22_800n * M);
    expect(runRateForecast(input)).toBe(22_000n * M);
  });

  it('follows a trend', () => {
    const grow = (weekday: number, i: number) => weekdayWeekend(weekday) * (1 + 0.01 * i);
    const daily = series('2026-10-04', 28 + 15, grow);
    const all = series('2026-10-04', 28 + 30, grow);
    const truth = all.slice(28).reduce((s, d) => s + d.amountMicros, 0n);
    const f = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-16T00:00:01Z'), daily });
    const error = (x: bigint) => Math.abs(Number(x - truth)) / Number(truth);
    expect(error(f.forecastMicros)).toBeLessThan(0.01);
    expect(error(f.forecastMicros)).toBeLessThan(error(runRateForecast({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-16T00:00:01Z'), daily })));
  });

  it('forecasts zero for zero spend, with no interval, and treats missing days as zero', () => {
    const zeros = series('2026-10-01', 40, () => 0);
    const f = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-10T12:00:00Z'), daily: zeros });
    expect(f).toMatchObject({ actualMicros: 0n, forecastMicros: 0n, lowerMicros: 0n, upperMicros: 0n });
    const none = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-10T12:00:00Z'), daily: [] });
    expect(none).toMatchObject({ method: 'run-rate', forecastMicros: 0n, upperMicros: 0n, daysElapsed: 9 });
  });

  it('has nothing to go on at the first day of a period without earlier history', () => {
    const f = forecastSpend({ period: 'quarter', timeZone: 'UTC', asOf: new Date('2026-10-01T09:00:00Z'), daily: [] });
    expect(f).toMatchObject({ method: 'no-history', forecastMicros: 0n, daysInPeriod: 92, daysElapsed: 0 });
    expect(f.days).toHaveLength(92);
  });

  it('falls back to a run-rate with a wider interval on a short history', () => {
    const daily = series('2026-11-01', 4, (_w, i) => 1000 + 100 * (i % 2));
    const short = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-05T12:00:00Z'), daily });
    expect(short.method).toBe('run-rate');
    expect(short.actualMicros).toBe(4200n * M);
    expect(short.forecastMicros).toBe(4200n * M + 26n * 1050n * M);
    const long = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-05T12:00:00Z'), daily: [...series('2026-10-01', 31, (_w, i) => 1000 + 100 * (i % 2)), ...daily] });
    expect(long.method).toBe('seasonal-trend');
    expect(short.upperMicros - short.lowerMicros).toBeGreaterThan(long.upperMicros - long.lowerMicros);
  });

  it('ignores the partial day and later days, and refuses negative spend', () => {
    const daily = series('2026-11-01', 20, () => 100);
    const f = forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-10T12:00:00Z'), daily });
    expect(f.actualMicros).toBe(900n * M);
    expect(() => forecastSpend({ period: 'month', timeZone: 'UTC', asOf: new Date('2026-11-10T12:00:00Z'), daily: [{ date: '2026-11-02', amountMicros: -1n }] })).toThrow(/negative/);
  });

  it('is closer to the truth than run-rate extrapolation on seeded noisy series (weekday pattern, trend, noise)', () => {
    let ours = 0;
    let naive = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const s = randomScenario(seed);
      const truth = Number(s.truthMicros);
      ours += Math.abs(Number(forecastSpend(s).forecastMicros) - truth) / truth;
      naive += Math.abs(Number(runRateForecast(s)) - truth) / truth;
    }
    expect(ours / naive).toBeLessThan(0.85);
  });

  it('wins clearly when the weekend mix of the elapsed days is uneven', () => {
    let ours = 0;
    let naive = 0;
    for (let seed = 1; seed <= 40; seed++) {
      // November 2026, 8 days elapsed: two weekends out of eight days, against 8 of 30 for the month.
      const s = scenario(seed, { baseDaily: 1000, weekendFactor: 0.3, trendPerDay: 0, noise: 0.08 }, { period: 'month', periodOf: '2026-11-01', elapsed: 8, historyDays: 21 });
      const truth = Number(s.truthMicros);
      ours += Math.abs(Number(forecastSpend(s).forecastMicros) - truth) / truth;
      naive += Math.abs(Number(runRateForecast(s)) - truth) / truth;
    }
    expect(ours / naive).toBeLessThan(0.5);
  });
});

describe('forecastSpend properties', () => {
  const anySeries = fc.record({
    period: fc.constantFrom('month' as const, 'quarter' as const, 'year' as const),
    asOf: fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2027-12-31T23:59:59Z'), noInvalidDate: true }),
    timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Chatham'),
    back: fc.integer({ min: 0, max: 70 }),
    amounts: fc.array(fc.bigInt({ min: 0n, max: 50_000n * M }), { maxLength: 70 }),
  });

  it('keeps actual ≤ lower ≤ forecast ≤ upper, a non-decreasing band ending at the forecast, and the exact actual', () => {
    fc.assert(
      fc.property(anySeries, ({ period, asOf, timeZone, back, amounts }) => {
        const today = Date.parse(`${localDate(asOf, timeZone)}T00:00:00Z`);
        const daily = amounts.map((amountMicros, i) => ({ date: new Date(today - (back - i) * 86_400_000).toISOString().slice(0, 10), amountMicros }));
        const f = forecastSpend({ period, asOf, timeZone, daily });
        const start = Date.parse(`${f.periodStart}T00:00:00Z`);
        const expectedActual = daily.filter((d) => Date.parse(`${d.date}T00:00:00Z`) >= start && Date.parse(`${d.date}T00:00:00Z`) < today).reduce((s, d) => s + d.amountMicros, 0n);
        expect(f.actualMicros).toBe(expectedActual);
        expect(f.actualMicros <= f.lowerMicros && f.lowerMicros <= f.forecastMicros && f.forecastMicros <= f.upperMicros).toBe(true);
        expect(f.days.length).toBe(f.daysInPeriod - f.daysElapsed);
        for (let k = 1; k < f.days.length; k++) expect(f.days[k]!.cumulativeMicros >= f.days[k - 1]!.cumulativeMicros).toBe(true);
        expect(f.days.at(-1)!.cumulativeMicros).toBe(f.forecastMicros);
      }),
      { seed: 17, numRuns: 300 },
    );
  });

  it('covers the true period total with its 80 % interval in most seeded cases', () => {
    const seeds = fc.sample(fc.integer({ min: 1, max: 1_000_000 }), { seed: 42, numRuns: 200 });
    const covered = seeds.filter((seed) => {
      const s = randomScenario(seed);
      const f = forecastSpend(s);
      return f.lowerMicros <= s.truthMicros && s.truthMicros <= f.upperMicros;
    }).length;
    expect(covered / seeds.length).toBeGreaterThanOrEqual(0.7);
    // Not trivially wide either: a 99 % interval would cover nearly all.
    expect(covered / seeds.length).toBeLessThanOrEqual(0.95);
  });
});
