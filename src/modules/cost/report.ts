/**
 * The cost allocation report (issue 5, item 6): a period's spend by business unit (workspace),
 * project and one label key, the unallocated bucket, and the three months before as a trend.
 * Pure: the service reads the allocations, this file shapes them and renders the CSV.
 */
import { TZDate } from '@date-fns/tz';
import { stringify } from 'csv-stringify/sync';
import { UNALLOCATED } from './allocate.ts';
import { formatMicros } from './money.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** A window of whole local days [start, end) in a time zone. */
export interface ReportWindow {
  /** "YYYY-MM" when the window is one calendar month, else null. */
  month: string | null;
  startDate: string;
  /** The day after the last day. */
  endDate: string;
  start: Date;
  end: Date;
}

/** Local midnight of a calendar day in a zone, as an instant. */
function midnight(year: number, month0: number, day: number, timeZone: string): Date {
  return new Date(new TZDate(year, month0, day, timeZone).getTime());
}

function dayText(year: number, month0: number, day: number): string {
  const d = new Date(Date.UTC(year, month0, day));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The calendar month `year`-`month0 + 1` (month0 may over/underflow) in `timeZone`. */
export function monthWindow(year: number, month0: number, timeZone: string): ReportWindow {
  const first = new Date(Date.UTC(year, month0, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth();
  return {
    month: `${y}-${pad(m + 1)}`,
    startDate: dayText(y, m, 1),
    endDate: dayText(y, m + 1, 1),
    start: midnight(y, m, 1, timeZone),
    end: midnight(y, m + 1, 1, timeZone),
  };
}

/** "2026-03" → March 2026 in the zone. */
export function parseMonth(text: string, timeZone: string): ReportWindow {
  const [y, m] = text.split('-').map(Number) as [number, number];
  return monthWindow(y, m - 1, timeZone);
}

/** The local calendar month containing `at`. */
export function monthOf(at: Date, timeZone: string): ReportWindow {
  const local = new TZDate(at.getTime(), timeZone);
  return monthWindow(local.getFullYear(), local.getMonth(), timeZone);
}

/** The month before the one containing `at`: what a report shows by default and what schedules send. */
export function previousMonth(at: Date, timeZone: string): ReportWindow {
  const local = new TZDate(at.getTime(), timeZone);
  return monthWindow(local.getFullYear(), local.getMonth() - 1, timeZone);
}

/** Days [from, to) given as YYYY-MM-DD, local to the zone. */
export function dayWindow(from: string, to: string, timeZone: string): ReportWindow {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const whole = fd === 1 && td === 1 && (ty * 12 + tm) - (fy * 12 + fm) === 1;
  return { month: whole ? `${fy}-${pad(fm)}` : null, startDate: from, endDate: to, start: midnight(fy, fm - 1, fd, timeZone), end: midnight(ty, tm - 1, td, timeZone) };
}

/** The three calendar months before the one where `window` starts, oldest first. */
export function trendMonths(window: ReportWindow, timeZone: string): ReportWindow[] {
  const [y, m] = window.startDate.split('-').map(Number) as [number, number];
  return [3, 2, 1].map((back) => monthWindow(y, m - 1 - back, timeZone));
}

/** One allocation group as the allocation service returns it (micro-units). */
export interface GroupMicros {
  key: string;
  name: string;
  direct: number;
  idle: number;
  shared: number;
  total: number;
}

export interface ReportInputs {
  orgId: string;
  orgName: string;
  currency: string;
  timeZone: string;
  labelKey: string | null;
  window: ReportWindow;
  closed: boolean;
  total: number;
  byUnit: GroupMicros[];
  byProject: GroupMicros[];
  byLabel: GroupMicros[] | null;
  trend: Array<{ window: ReportWindow; total: number; byUnit: GroupMicros[] }>;
  generatedAt: Date;
}

export interface ReportLine {
  key: string;
  name: string;
  direct: string;
  idle: string;
  shared: string;
  total: string;
  /** The exact amount, for charts and sums. */
  totalMicros: number;
}

export interface TrendMonth {
  month: string;
  start: string;
  end: string;
  total: string;
  totalMicros: number;
  units: Array<{ key: string; name: string; total: string; totalMicros: number }>;
}

export interface CostReport {
  orgId: string;
  orgName: string;
  currency: string;
  timeZone: string;
  period: { month: string | null; start: string; end: string; closed: boolean };
  label: string | null;
  total: string;
  totalMicros: number;
  unallocated: string;
  businessUnits: ReportLine[];
  projects: ReportLine[];
  labels: ReportLine[] | null;
  trend: TrendMonth[];
  generatedAt: string;
}

/** Largest first, then by name: the order of every table and chart. */
const byTotal = (a: GroupMicros, b: GroupMicros) => b.total - a.total || a.name.localeCompare(b.name);

function line(g: GroupMicros): ReportLine {
  return { key: g.key, name: g.name, direct: formatMicros(g.direct), idle: formatMicros(g.idle), shared: formatMicros(g.shared), total: formatMicros(g.total), totalMicros: g.total };
}

/** Shape the allocations into the report. Each grouping's lines sum to `total` (the allocation guarantees it). */
export function buildReport(i: ReportInputs): CostReport {
  const unallocated = i.byUnit.filter((g) => g.key === UNALLOCATED).reduce((s, g) => s + g.total, 0);
  return {
    orgId: i.orgId,
    orgName: i.orgName,
    currency: i.currency,
    timeZone: i.timeZone,
    period: { month: i.window.month, start: i.window.startDate, end: i.window.endDate, closed: i.closed },
    label: i.labelKey,
    total: formatMicros(i.total),
    totalMicros: i.total,
    unallocated: formatMicros(unallocated),
    businessUnits: [...i.byUnit].sort(byTotal).map(line),
    projects: [...i.byProject].sort(byTotal).map(line),
    labels: i.byLabel ? [...i.byLabel].sort(byTotal).map(line) : null,
    trend: i.trend.map((t) => ({
      month: t.window.month ?? t.window.startDate,
      start: t.window.startDate,
      end: t.window.endDate,
      total: formatMicros(t.total),
      totalMicros: t.total,
      units: [...t.byUnit].sort(byTotal).map((g) => ({ key: g.key, name: g.name, total: formatMicros(g.total), totalMicros: g.total })),
    })),
    generatedAt: i.generatedAt.toISOString(),
  };
}

/** Only the lines of one business unit (what a unit's managers receive); the period total stays the org's. */
export function reportForUnit(report: CostReport, unit: string): CostReport {
  return {
    ...report,
    businessUnits: report.businessUnits.filter((l) => l.key === unit),
    trend: report.trend.map((t) => ({ ...t, units: t.units.filter((u) => u.key === unit) })),
  };
}

/**
 * The report as CSV: one row per line of each section (business_unit, project, label, trend),
 * then the period total. Amounts are decimal in the currency.
 */
export function reportCsv(r: CostReport): string {
  const rows: (string | number)[][] = [['section', 'period', 'key', 'name', 'direct', 'idle', 'shared', 'total', 'currency']];
  const period = r.period.month ?? `${r.period.start}..${r.period.end}`;
  const add = (section: string, lines: ReportLine[]) => {
    for (const l of lines) rows.push([section, period, l.key, l.name, l.direct, l.idle, l.shared, l.total, r.currency]);
  };
  add('business_unit', r.businessUnits);
  add('project', r.projects);
  if (r.labels && r.label) add(`label:${r.label}`, r.labels);
  for (const t of r.trend) {
    for (const u of t.units) rows.push(['trend', t.month, u.key, u.name, '', '', '', u.total, r.currency]);
    rows.push(['trend_total', t.month, '', '', '', '', '', t.total, r.currency]);
  }
  rows.push(['total', period, '', r.orgName, '', '', '', r.total, r.currency]);
  return stringify(rows);
}

/** An amount for people: two decimals (half away from zero) with thousands separators, "1,234.57". */
export function displayAmount(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const cents = Math.floor((Math.abs(micros) + 5_000) / 10_000);
  const units = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${units}.${pad(cents % 100)}`;
}
