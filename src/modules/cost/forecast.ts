/**
 * Period-end spend forecast for budgets (ADR 0017). Pure: no I/O, no clock.
 *
 * Model: multiplicative day-of-week factors estimated over the last whole weeks, a damped
 * linear trend fitted by least squares to the deseasonalized series, and a prediction
 * interval for the sum of the remaining days from the in-sample residuals (independent daily
 * noise plus the uncertainty of the level and slope, which is common to every remaining day).
 * With less than two weeks of history the weekday factors cannot be told apart from noise: a
 * run-rate (mean day of the last whole week, or of the days there are, × remaining days) with
 * a wider interval. Money stays integer micro-units: the
 * actual is an exact bigint sum; the model's float estimate of the remaining spend is rounded
 * once, at the end.
 */
import { tz } from '@date-fns/tz';
import { format } from 'date-fns';

export type BudgetPeriod = 'month' | 'quarter' | 'year';

/** A day's total spend; `date` is the calendar day (YYYY-MM-DD) in the organization's time zone. */
export interface DailySpend {
  date: string;
  amountMicros: bigint;
}

export interface ForecastInput {
  period: BudgetPeriod;
  /** The organization's IANA time zone: it decides which calendar day `asOf` falls on. */
  timeZone: string;
  /** Now. The day it falls on is in progress (partial), so it and every later day of the period are forecast. */
  asOf: Date;
  /**
   * Daily totals of complete days, in any order. Days before the period (up to 8 weeks help)
   * are used to learn the weekly pattern but are not part of the actual; a missing day before
   * `asOf` counts as zero spend. Days on or after the `asOf` day are ignored.
   */
  daily: readonly DailySpend[];
  /** Coverage of the prediction interval, 0.5-0.99. Default 0.8. */
  level?: number;
}

export type ForecastMethod = 'seasonal-trend' | 'run-rate' | 'no-history';

export interface ForecastDay {
  date: string;
  /** Expected cumulative spend of the period at the end of this day, with its interval (the burn-down band). */
  cumulativeMicros: bigint;
  lowerMicros: bigint;
  upperMicros: bigint;
}

export interface SpendForecast {
  method: ForecastMethod;
  periodStart: string;
  periodEnd: string;
  daysInPeriod: number;
  /** Complete days of the period so far (before the `asOf` day). */
  daysElapsed: number;
  /** Exact sum of the period's complete days. */
  actualMicros: bigint;
  /** Expected period-end total: actual plus the forecast of the remaining days. */
  forecastMicros: bigint;
  /** The interval of the period-end total; never below the actual. */
  lowerMicros: bigint;
  upperMicros: bigint;
  level: number;
  /** The remaining days, from the `asOf` day to the period's last day. */
  days: ForecastDay[];
}

const DAY_MS = 86_400_000;
/** Weeks of history the weekday factors and the trend look at: long enough to average noise, short enough to follow change. */
const HISTORY_DAYS = 56;
/** Per-day damping of the trend: a slope seen over weeks is not extrapolated undamped over a year. */
const TREND_DAMPING = 0.995;
/** Two weeks at least: with one, seven weekday factors fit seven days exactly and leave no residual to size the interval. */
const MIN_SEASONAL_DAYS = 14;
/** The run-rate fallback's interval is this much wider: with under a week, the weekly pattern is unknown. */
const RUN_RATE_WIDENING = 1.5;

// ---- calendar days as UTC-midnight day numbers: the time zone matters only for "today" ----

function dayNumber(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`${date} is not a YYYY-MM-DD date`);
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== date) throw new RangeError(`${date} is not a calendar date`);
  return ms / DAY_MS;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday (1970-01-01, day 0, was a Thursday). */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The calendar day `at` falls on in `timeZone`, as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  return format(at, 'yyyy-MM-dd', { in: tz(timeZone) });
}

/** First and last day (inclusive) of the month, quarter or year containing `date`. */
export function periodBounds(period: BudgetPeriod, date: string): { start: string; end: string } {
  const [y, m] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1];
  dayNumber(date);
  const firstMonth = period === 'month' ? m : period === 'quarter' ? m - (m % 3) : 0;
  const months = period === 'month' ? 1 : period === 'quarter' ? 3 : 12;
  const start = Date.UTC(y, firstMonth, 1);
  const end = Date.UTC(y, firstMonth + months, 1) - DAY_MS;
  return { start: new Date(start).toISOString().slice(0, 10), end: new Date(end).toISOString().slice(0, 10) };
}

// ---- the model ----

interface RemainingForecast {
  method: ForecastMethod;
  /** Expected spend of each remaining day. */
  mean: number[];
  /** Standard deviation of the cumulative remaining spend after each remaining day. */
  cumulativeSd: number[];
}

/** Acklam's rational approximation of the standard normal quantile (|error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('p must be in (0, 1)');
  const a = [-39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472, 2.50662827745924];
  const b = [-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857];
  const c = [-0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497, 2.93816398269878];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * Weekday factors over the last whole weeks of `history` (each weekday counted equally):
 * mean of that weekday / mean of all. All 1 when there is no spend.
 */
function weekdayFactors(history: readonly number[], firstDay: number): number[] {
  const weeks = Math.floor(history.length / 7);
  const from = history.length - weeks * 7;
  const sums = new Array<number>(7).fill(0);
  for (let i = from; i < history.length; i++) sums[weekdayOf(firstDay + i)]! += history[i]!;
  const overall = sums.reduce((s, v) => s + v, 0) / 7;
  return overall > 0 ? sums.map((s) => s / overall) : new Array<number>(7).fill(1);
}

/** Σ_{i=1..h} φ^i: how far a damped trend has moved after h days. */
function dampedSteps(h: number): number {
  return (TREND_DAMPING * (1 - TREND_DAMPING ** h)) / (1 - TREND_DAMPING);
}

function seasonalTrend(history: readonly number[], firstDay: number, remainingDays: number): RemainingForecast {
  const factors = weekdayFactors(history, firstDay);
  // Deseasonalize; a weekday that never spends carries no information about level or trend.
  const xs: number[] = [];
  const zs: number[] = [];
  history.forEach((y, i) => {
    const f = factors[weekdayOf(firstDay + i)]!;
    if (f > 0) {
      xs.push(i);
      zs.push(y / f);
    }
  });
  const n = xs.length;
  const xBar = mean(xs);
  const zBar = mean(zs);
  const sxx = xs.reduce((s, x) => s + (x - xBar) ** 2, 0);
  const slope = sxx > 0 ? xs.reduce((s, x, k) => s + (x - xBar) * (zs[k]! - zBar), 0) / sxx : 0;
  const last = history.length - 1;
  const level = zBar + slope * (last - xBar);

  // Residuals on the original scale; two parameters fitted (level, slope).
  const residuals = history.map((y, i) => y - Math.max(0, zBar + slope * (i - xBar)) * factors[weekdayOf(firstDay + i)]!);
  // Nine parameters were fitted: level, slope and seven weekday factors summing to 7.
  const sigma = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / Math.max(1, history.length - 8));
  const levelSd = n > 0 ? sigma / Math.sqrt(n) : sigma;
  // Each weekday factor is a mean of about `weeks` ratios: its own error, shared by every remaining day of that weekday.
  const weeks = Math.max(1, Math.floor(history.length / 7));
  const factorSd = zBar > 0 ? sigma / zBar / Math.sqrt(weeks) : 0;
  const perWeekday = new Array<number>(7).fill(0);
  const slopeSd = sxx > 0 ? sigma / Math.sqrt(sxx) : 0;

  const meanDays: number[] = [];
  const cumulativeSd: number[] = [];
  let factorSum = 0;
  let trendWeighted = 0;
  for (let h = 1; h <= remainingDays; h++) {
    const weekday = weekdayOf(firstDay + last + h);
    const f = factors[weekday]!;
    const steps = dampedSteps(h);
    const deseasonalized = Math.max(0, level + slope * steps);
    meanDays.push(deseasonalized * f);
    perWeekday[weekday]! += deseasonalized;
    // Errors in level and slope move every remaining day together; daily noise adds up independently.
    factorSum += f;
    // The fitted line is centred on xBar: the slope's error grows with the distance from it.
    trendWeighted += f * (last - xBar + steps);
    const factorVariance = perWeekday.reduce((sum, v) => sum + (v * factorSd) ** 2, 0);
    const variance = h * sigma ** 2 + (levelSd * factorSum) ** 2 + (slopeSd * trendWeighted) ** 2 + factorVariance;
    cumulativeSd.push(Math.sqrt(variance));
  }
  return { method: 'seasonal-trend', mean: meanDays, cumulativeSd };
}

function runRate(all: readonly number[], remainingDays: number): RemainingForecast {
  // Whole weeks when there is one: their mean is not skewed by how many weekend days they hold.
  const history = all.length >= 7 ? all.slice(all.length - Math.floor(all.length / 7) * 7) : all;
  const n = history.length;
  const m = mean(history);
  // One day gives no spread: take the day's own size as its standard deviation.
  const sd = n > 1 ? Math.sqrt(history.reduce((s, y) => s + (y - m) ** 2, 0) / (n - 1)) : m;
  const meanDays = new Array<number>(remainingDays).fill(m);
  const cumulativeSd = meanDays.map((_, k) => RUN_RATE_WIDENING * Math.sqrt((k + 1) * sd ** 2 + ((k + 1) * sd) ** 2 / n));
  return { method: 'run-rate', mean: meanDays, cumulativeSd };
}

const toMicros = (x: number): bigint => BigInt(Math.round(x));

/** The expected period-end spend of a budget period, with a prediction interval. */
export function forecastSpend(input: ForecastInput): SpendForecast {
  const level = input.level ?? 0.8;
  if (!(level >= 0.5 && level <= 0.99)) throw new RangeError('level must be between 0.5 and 0.99');
  const today = localDate(input.asOf, input.timeZone);
  const { start, end } = periodBounds(input.period, today);
  const startDay = dayNumber(start);
  const endDay = dayNumber(end);
  const todayDay = dayNumber(today);

  // Complete days up to yesterday, missing ones as zero; at most HISTORY_DAYS back.
  const byDay = new Map<number, bigint>();
  let firstSeen = Infinity;
  for (const d of input.daily) {
    const day = dayNumber(d.date);
    if (day >= todayDay) continue;
    if (d.amountMicros < 0n) throw new RangeError(`spend of ${d.date} is negative`);
    byDay.set(day, (byDay.get(day) ?? 0n) + d.amountMicros);
    firstSeen = Math.min(firstSeen, day);
  }
  let actual = 0n;
  for (const [day, micros] of byDay) if (day >= startDay) actual += micros;
  // History starts at the first day we know of, or the period start (days of the period with no row spent nothing).
  const historyStart = Math.max(Math.min(firstSeen, startDay), todayDay - HISTORY_DAYS);
  const history: number[] = [];
  for (let day = historyStart; day < todayDay; day++) history.push(Number(byDay.get(day) ?? 0n));

  const remaining = endDay - todayDay + 1;
  const model: RemainingForecast =
    history.length === 0
      ? { method: 'no-history', mean: new Array<number>(remaining).fill(0), cumulativeSd: new Array<number>(remaining).fill(0) }
      : history.length < MIN_SEASONAL_DAYS
        ? runRate(history, remaining)
        : seasonalTrend(history, historyStart, remaining);

  const z = normalQuantile(0.5 + level / 2);
  const days: ForecastDay[] = [];
  let cumulative = 0;
  for (let k = 0; k < remaining; k++) {
    cumulative += model.mean[k]!;
    const sd = model.cumulativeSd[k]!;
    days.push({
      date: dateOf(todayDay + k),
      cumulativeMicros: actual + toMicros(cumulative),
      lowerMicros: actual + toMicros(Math.max(0, cumulative - z * sd)),
      upperMicros: actual + toMicros(cumulative + z * sd),
    });
  }
  const lastDay = days[days.length - 1]!;
  return {
    method: model.method,
    periodStart: start,
    periodEnd: end,
    daysInPeriod: endDay - startDay + 1,
    daysElapsed: todayDay - startDay,
    actualMicros: actual,
    forecastMicros: lastDay.cumulativeMicros,
    lowerMicros: lastDay.lowerMicros,
    upperMicros: lastDay.upperMicros,
    level,
    days,
  };
}

/**
 * The naive baseline the benchmark and tests compare against: the period's spend so far
 * divided by the elapsed days, times the days of the period.
 */
export function runRateForecast(input: Pick<ForecastInput, 'period' | 'timeZone' | 'asOf' | 'daily'>): bigint {
  const today = localDate(input.asOf, input.timeZone);
  const { start, end } = periodBounds(input.period, today);
  const startDay = dayNumber(start);
  const todayDay = dayNumber(today);
  const elapsed = todayDay - startDay;
  let actual = 0n;
  for (const d of input.daily) {
    const day = dayNumber(d.date);
    if (day >= startDay && day < todayDay) actual += d.amountMicros;
  }
  if (elapsed === 0) return actual;
  const total = BigInt(dayNumber(end) - startDay + 1);
  // Integer arithmetic, rounded half up.
  return (actual * total * 2n + BigInt(elapsed)) / (2n * BigInt(elapsed));
}
