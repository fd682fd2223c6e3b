/**
 * Synthetic daily spend for forecast tests and the cost-forecast bench: a weekday/weekend
 * pattern, a linear trend and multiplicative noise, from a fixed seed (mulberry32 + Box-Muller),
 * so every run sees the same series.
 */
import type { BudgetPeriod, DailySpend } from '../../src/modules/cost/forecast.ts';
import { periodBounds } from '../../src/modules/cost/forecast.ts';

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface SeriesShape {
  /** Spend of an ordinary weekday at the start of the series, in currency units. */
  baseDaily: number;
  /** Weekend days spend this fraction of a weekday (batch jobs off, dev clusters scaled down). */
  weekendFactor: number;
  /** Relative growth per day (0.005 = +0.5 % a day). */
  trendPerDay: number;
  /** Standard deviation of the multiplicative daily noise (0.1 = 10 %). */
  noise: number;
}

export interface Scenario {
  period: BudgetPeriod;
  timeZone: string;
  asOf: Date;
  /** Complete days known at `asOf`: the weeks before the period and the period so far. */
  daily: DailySpend[];
  /** What the period really totals, for scoring. */
  truthMicros: bigint;
}

const DAY_MS = 86_400_000;

/** The series from `historyDays` before the period start to the period end; `elapsed` days of the period are known. */
export function scenario(seed: number, shape: SeriesShape, options: { period: BudgetPeriod; periodOf: string; elapsed: number; historyDays: number }): Scenario {
  const random = seededRandom(seed);
  const { start, end } = periodBounds(options.period, options.periodOf);
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const endMs = Date.parse(`${end}T00:00:00Z`);
  const daily: DailySpend[] = [];
  let truth = 0n;
  let i = 0;
  for (let ms = startMs - options.historyDays * DAY_MS; ms <= endMs; ms += DAY_MS, i++) {
    const weekday = new Date(ms).getUTCDay();
    const season = weekday === 0 || weekday === 6 ? shape.weekendFactor : 1;
    const value = shape.baseDaily * (1 + shape.trendPerDay * i) * season * Math.max(0, 1 + shape.noise * gaussian(random));
    const micros = BigInt(Math.round(value * 1_000_000));
    if (ms >= startMs) truth += micros;
    if (ms < startMs + options.elapsed * DAY_MS) daily.push({ date: new Date(ms).toISOString().slice(0, 10), amountMicros: micros });
  }
  // Noon UTC of the first unknown day: that day is "today" in UTC.
  const asOf = new Date(startMs + options.elapsed * DAY_MS + 12 * 3600_000);
  return { period: options.period, timeZone: 'UTC', asOf, daily, truthMicros: truth };
}

/** A varied, seeded scenario: shapes, periods and how far into the period we are all drawn from the seed. */
export function randomScenario(seed: number): Scenario {
  const random = seededRandom(seed * 7919 + 1);
  const period: BudgetPeriod = random() < 0.7 ? 'month' : random() < 0.5 ? 'quarter' : 'year';
  const month = 1 + Math.floor(random() * 12);
  const periodOf = `2026-${String(month).padStart(2, '0')}-01`;
  const { start, end } = periodBounds(period, periodOf);
  const length = (Date.parse(end) - Date.parse(start)) / DAY_MS + 1;
  const elapsed = 7 + Math.floor(random() * Math.min(length - 8, period === 'month' ? 20 : 60));
  return scenario(seed, {
    baseDaily: 200 + random() * 5000,
    weekendFactor: 0.2 + random() * 0.6,
    trendPerDay: (random() - 0.3) * 0.004,
    noise: 0.03 + random() * 0.12,
  }, { period, periodOf, elapsed, historyDays: Math.floor(random() * 29) });
}
