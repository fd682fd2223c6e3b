import { TZDate } from '@date-fns/tz';
import { addMonths, addQuarters, addYears, differenceInCalendarDays, format, startOfMonth, startOfQuarter, startOfYear } from 'date-fns';

/**
 * Budget arithmetic, free of I/O: the period a moment falls in (in the organization's time
 * zone), which alert thresholds a spend has crossed, what happens at 100 %, and what quota the
 * rest of a budget buys. Money is integer micro-units (bigint) throughout.
 */

export type BudgetPeriodKind = 'monthly' | 'quarterly' | 'yearly';
export type ThresholdBasis = 'actual' | 'forecast';
export type ExceededAction = 'notify' | 'require-approval' | 'block';
export type BudgetDecision = 'allow' | 'require-approval' | 'block';

export interface BudgetPeriod {
  /** The first local day, `YYYY-MM-DD` (the period's key). */
  startDate: string;
  /** The day after the last local day, `YYYY-MM-DD`. */
  endDate: string;
  /** The instants the period starts and ends (exclusive), in UTC. */
  start: Date;
  end: Date;
  /** Every local day of the period, in order. */
  days: string[];
}

const DAY = 'yyyy-MM-dd';

const periodStart: Record<BudgetPeriodKind, (d: TZDate) => TZDate> = {
  monthly: startOfMonth,
  quarterly: startOfQuarter,
  yearly: startOfYear,
};

const nextPeriod: Record<BudgetPeriodKind, (d: TZDate) => TZDate> = {
  monthly: (d) => addMonths(d, 1),
  quarterly: (d) => addQuarters(d, 1),
  yearly: (d) => addYears(d, 1),
};

/** The period of kind `kind` that contains `at`, with its days counted in `timeZone`. */
export function budgetPeriod(kind: BudgetPeriodKind, timeZone: string, at: Date): BudgetPeriod {
  const start = periodStart[kind](new TZDate(at.getTime(), timeZone));
  const end = nextPeriod[kind](start);
  const count = differenceInCalendarDays(end, start);
  const days: string[] = [];
  for (let i = 0; i < count; i++) days.push(format(new TZDate(start.getFullYear(), start.getMonth(), start.getDate() + i, timeZone), DAY));
  return { startDate: format(start, DAY), endDate: format(end, DAY), start: new Date(start.getTime()), end: new Date(end.getTime()), days };
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export interface Threshold {
  percent: number;
  basis: ThresholdBasis;
}

export interface BudgetStanding {
  amountMicros: bigint;
  actualMicros: bigint;
  /** The period-end forecast (point); null before there is anything to forecast from. */
  forecastMicros: bigint | null;
}

/** Percent of the budget that `spend` is, to two decimals (for display; decisions use micros). */
export function percentOf(spend: bigint, amount: bigint): number {
  if (amount <= 0n) return 0;
  return Number((spend * 10_000n) / amount) / 100;
}

/** Whether `spend` reached `percent` % of `amount`, decided on integers (no rounding at the edge). */
export function reached(spend: bigint, amount: bigint, percent: number): boolean {
  // percent has at most two decimals (schema): compare spend·10000 with amount·percent·100.
  return spend * 10_000n >= amount * BigInt(Math.round(percent * 100));
}

/** The thresholds the standing has reached, each on its own basis. */
export function crossedThresholds(thresholds: Threshold[], standing: BudgetStanding): Threshold[] {
  return thresholds.filter((t) => {
    const spend = t.basis === 'actual' ? standing.actualMicros : standing.forecastMicros;
    return spend !== null && reached(spend, standing.amountMicros, t.percent);
  });
}

/** The decision for new workloads under one budget: its chosen action once actual spend reached 100 %. */
export function budgetDecision(onExceeded: ExceededAction, standing: BudgetStanding): BudgetDecision {
  if (!reached(standing.actualMicros, standing.amountMicros, 100) || onExceeded === 'notify') return 'allow';
  return onExceeded;
}

const DECISION_RANK: Record<BudgetDecision, number> = { allow: 0, 'require-approval': 1, block: 2 };

/** Of several budgets covering the same workload, the strictest decision wins. */
export function strictestDecision(decisions: BudgetDecision[]): BudgetDecision {
  return decisions.reduce<BudgetDecision>((worst, d) => (DECISION_RANK[d] > DECISION_RANK[worst] ? d : worst), 'allow');
}

export interface UnitPrices {
  /** Per vCPU-hour and per GiB-hour of memory, micro-units. */
  cpuHourMicros: bigint;
  memoryGibHourMicros: bigint;
}

export interface QuotaEstimate {
  remainingMicros: bigint;
  hoursLeft: number;
  /** What the remaining budget sustains until the period ends if spent on one resource alone. */
  cpuCores: number;
  memoryGib: number;
  /** A balanced quota: `memoryGibPerCore` GiB per core, both running to the period's end. */
  balanced: { cpuCores: number; memoryGib: number };
}

/**
 * What quota the rest of a budget buys at current prices: the remaining money spread over the
 * hours left. Fractions are rounded down to a millicore / a MiB so the quota never overspends.
 */
export function quotaForBudget(remainingMicros: bigint, hoursLeft: number, prices: UnitPrices, memoryGibPerCore = 4): QuotaEstimate {
  const remaining = remainingMicros > 0n ? remainingMicros : 0n;
  const hours = Math.max(0, hoursLeft);
  const perHour = hours > 0 ? Number(remaining) / hours : 0;
  const floorTo = (value: number, step: number) => Math.floor(value / step) * step;
  const cores = (priceMicros: bigint) => (priceMicros > 0n ? perHour / Number(priceMicros) : 0);
  const cpuCores = floorTo(cores(prices.cpuHourMicros), 0.001);
  const memoryGib = floorTo(cores(prices.memoryGibHourMicros), 1 / 1024);
  const bundle = Number(prices.cpuHourMicros) + memoryGibPerCore * Number(prices.memoryGibHourMicros);
  const balancedCores = bundle > 0 ? floorTo(perHour / bundle, 0.001) : 0;
  return {
    remainingMicros: remaining,
    hoursLeft: hours,
    cpuCores: Number(cpuCores.toFixed(3)),
    memoryGib: Number(memoryGib.toFixed(4)),
    balanced: { cpuCores: Number(balancedCores.toFixed(3)), memoryGib: Number(floorTo(balancedCores * memoryGibPerCore, 1 / 1024).toFixed(4)) },
  };
}
