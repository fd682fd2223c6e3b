import { describe, expect, it } from 'vitest';
import { buildReport, dayWindow, displayAmount, monthWindow, parseMonth, previousMonth, reportCsv, reportForUnit, trendMonths, type GroupMicros } from './report.ts';

const g = (key: string, name: string, total: number): GroupMicros => ({ key, name, direct: total, idle: 0, shared: 0, total });

describe('report windows', () => {
  it('is a calendar month in the organization zone', () => {
    const w = parseMonth('2026-03', 'Europe/Berlin');
    expect(w).toMatchObject({ month: '2026-03', startDate: '2026-03-01', endDate: '2026-04-01' });
    expect(w.start.toISOString()).toBe('2026-02-28T23:00:00.000Z');
    // Summer time began on 29 March: April starts at 22:00 UTC.
    expect(w.end.toISOString()).toBe('2026-03-31T22:00:00.000Z');
  });

  it('rolls over years for the trend and the previous month', () => {
    expect(trendMonths(parseMonth('2026-02', 'UTC'), 'UTC').map((m) => m.month)).toEqual(['2025-11', '2025-12', '2026-01']);
    expect(previousMonth(new Date('2026-01-01T04:59:00Z'), 'America/New_York').month).toBe('2025-11');
    expect(previousMonth(new Date('2026-01-01T04:59:00Z'), 'UTC').month).toBe('2025-12');
    // New York's midnight is 05:00 UTC: from then it is January there too.
    expect(previousMonth(new Date('2026-01-01T05:00:00Z'), 'America/New_York').month).toBe('2025-12');
    expect(monthWindow(2026, 12, 'UTC').month).toBe('2027-01');
  });

  it('recognizes a whole month given as days', () => {
    expect(dayWindow('2026-03-01', '2026-04-01', 'UTC').month).toBe('2026-03');
    expect(dayWindow('2026-03-01', '2026-03-15', 'UTC').month).toBeNull();
  });
});

describe('the report', () => {
  const report = buildReport({
    orgId: 'org_1', orgName: 'Acme', currency: 'USD', timeZone: 'UTC', labelKey: 'team', window: parseMonth('2026-03', 'UTC'), closed: true, total: 45_000_000,
    byUnit: [g('ws_b', 'Retail', 10_000_000), g('unallocated', 'Unallocated', 5_000_000), g('ws_a', 'Finance, "BU"', 30_000_000)],
    byProject: [g('unallocated', 'Unallocated', 45_000_000)],
    byLabel: [g('payments', 'payments', 30_000_000), g('unallocated', 'Unallocated', 15_000_000)],
    trend: trendMonths(parseMonth('2026-03', 'UTC'), 'UTC').map((window) => ({ window, total: 1_000_000, byUnit: [g('ws_a', 'Finance, "BU"', 1_000_000)] })),
    generatedAt: new Date('2026-04-02T00:00:00Z'),
  });

  it('orders lines largest first and keeps the unallocated bucket', () => {
    expect(report.businessUnits.map((l) => l.key)).toEqual(['ws_a', 'ws_b', 'unallocated']);
    expect(report.unallocated).toBe('5.000000');
    expect(report.businessUnits.reduce((s, l) => s + l.totalMicros, 0)).toBe(report.totalMicros);
  });

  it('writes CSV with quoted names, the trend and the total last', () => {
    const lines = reportCsv(report).trim().split('\n');
    expect(lines[0]).toBe('section,period,key,name,direct,idle,shared,total,currency');
    expect(lines[1]).toBe('business_unit,2026-03,ws_a,"Finance, ""BU""",30.000000,0.000000,0.000000,30.000000,USD');
    expect(lines).toContain('label:team,2026-03,payments,payments,30.000000,0.000000,0.000000,30.000000,USD');
    expect(lines).toContain('trend_total,2025-12,,,,,,1.000000,USD');
    expect(lines.at(-1)).toBe('total,2026-03,,Acme,,,,45.000000,USD');
  });

  it('narrows to one unit for its managers', () => {
    const unit = reportForUnit(report, 'ws_b');
    expect(unit.businessUnits.map((l) => l.key)).toEqual(['ws_b']);
    expect(unit.trend.every((m) => m.units.length === 0)).toBe(true);
    expect(unit.total).toBe('45.000000');
  });

  it('shows amounts for people, rounded half up to cents', () => {
    expect(displayAmount(1_234_565_000)).toBe('1,234.57');
    expect(displayAmount(4_999)).toBe('0.00');
    expect(displayAmount(-5_000)).toBe('-0.01');
    expect(displayAmount(0)).toBe('0.00');
  });
});
