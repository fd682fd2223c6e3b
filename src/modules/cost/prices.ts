/**
 * Price catalogs: versions with effective dates per provider and region, on-premises rates
 * amortised from hardware and running costs, and the CSV form. Pure.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Rates } from './allocate.ts';
import { formatMicros, HOURS_PER_MONTH, parseDecimalMicros } from './money.ts';

export interface PriceVersion {
  provider: string;
  region: string;
  effectiveFrom: Date;
  currency: string;
  kind: 'list' | 'on-prem';
  rates: Omit<Rates, 'discountBp'>;
  discountBp: number;
  note: string;
}

export interface Amortisation {
  capex: number;
  lifetimeMonths: number;
  opexMonthly: number;
  vcpus: number;
  memoryGib: number;
  cpuWeightBp: number;
}

/** Divides and rounds half up, in integers. */
const divRound = (n: bigint, d: bigint) => (n + d / 2n) / d;

/**
 * On-premises compute rates: the monthly cost (capex over its lifetime, plus opex) split
 * between CPU and memory by `cpuWeightBp`, spread over the capacity for a 730-hour month.
 */
export function amortisedRates(a: Amortisation): { cpuCoreHour: number; memoryGibHour: number } {
  // monthly = capex / lifetime + opex; cpu = monthly × w / 10000 / vcpus / 730, as one rounded division.
  const monthlyNum = BigInt(a.capex) + BigInt(a.opexMonthly) * BigInt(a.lifetimeMonths);
  const hours = BigInt(HOURS_PER_MONTH) * BigInt(a.lifetimeMonths) * 10_000n;
  return {
    cpuCoreHour: Number(divRound(monthlyNum * BigInt(a.cpuWeightBp), hours * BigInt(a.vcpus))),
    memoryGibHour: Number(divRound(monthlyNum * BigInt(10_000 - a.cpuWeightBp), hours * BigInt(a.memoryGib))),
  };
}

/** The version in force at `at` among one provider/region's versions (any order); null before the first. */
export function versionAt<T extends { effectiveFrom: Date }>(versions: readonly T[], at: Date): T | null {
  let best: T | null = null;
  for (const v of versions) if (v.effectiveFrom <= at && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  return best;
}

export const CSV_COLUMNS = [
  'provider', 'region', 'effective_from', 'currency', 'kind',
  'cpu_core_hour', 'memory_gib_hour', 'storage_gib_month', 'gpu_hour', 'egress_gib', 'discount_percent', 'note',
] as const;

/** Decimal currency amounts in the CSV (people edit it in spreadsheets); micro-units everywhere else. */
export function pricesToCsv(versions: readonly PriceVersion[]): string {
  return stringify(
    versions.map((v) => [
      v.provider, v.region, v.effectiveFrom.toISOString(), v.currency, v.kind,
      formatMicros(v.rates.cpuCoreHour), formatMicros(v.rates.memoryGibHour), formatMicros(v.rates.storageGibMonth),
      formatMicros(v.rates.gpuHour), formatMicros(v.rates.egressGib), (v.discountBp / 100).toFixed(2), v.note,
    ]),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}

export class CsvError extends Error {
  constructor(readonly line: number, readonly column: string, message: string) {
    super(`line ${line}, ${column}: ${message}`);
  }
}

const TOKEN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function amount(row: Record<string, string>, column: string, line: number): number {
  const text = row[column] ?? '';
  if (text.trim() === '') return 0;
  try {
    const v = parseDecimalMicros(text);
    if (v < 0) throw new RangeError('negative');
    return v;
  } catch {
    throw new CsvError(line, column, `"${text}" is not a non-negative amount with at most 6 decimals`);
  }
}

/** Parses a price CSV; throws CsvError naming the line and column of the first problem. */
export function pricesFromCsv(text: string): PriceVersion[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    throw new CsvError(0, 'csv', (error as Error).message);
  }
  if (rows.length === 0) throw new CsvError(1, 'csv', 'no rows');
  const missing = ['provider', 'region', 'effective_from', 'currency', 'cpu_core_hour', 'memory_gib_hour'].filter((c) => !(c in rows[0]!));
  if (missing.length) throw new CsvError(1, missing[0]!, 'column missing from the header');
  if (rows.length > 10_000) throw new CsvError(10_001, 'csv', 'at most 10000 rows');
  return rows.map((row, i) => {
    const line = i + 2;
    for (const c of ['provider', 'region'] as const) if (!TOKEN.test(row[c] ?? '')) throw new CsvError(line, c, 'lower-case letters, digits, dot, dash, underscore');
    const at = new Date(row.effective_from ?? '');
    if (!/^\d{4}-\d{2}-\d{2}/.test(row.effective_from ?? '') || Number.isNaN(at.getTime())) throw new CsvError(line, 'effective_from', 'not an ISO date or time');
    if (!/^[A-Z]{3}$/.test(row.currency ?? '')) throw new CsvError(line, 'currency', 'an ISO 4217 code like USD');
    const kind = (row.kind || 'list') as PriceVersion['kind'];
    if (kind !== 'list' && kind !== 'on-prem') throw new CsvError(line, 'kind', 'list or on-prem');
    const discountText = row.discount_percent || '0';
    const discount = /^\d{1,3}(\.\d{1,2})?$/.test(discountText) ? Math.round(Number(discountText) * 100) : NaN;
    if (!(discount >= 0 && discount <= 10_000)) throw new CsvError(line, 'discount_percent', 'a percentage from 0 to 100 with at most 2 decimals');
    return {
      provider: row.provider!,
      region: row.region!,
      effectiveFrom: at,
      currency: row.currency!,
      kind,
      rates: {
        cpuCoreHour: amount(row, 'cpu_core_hour', line),
        memoryGibHour: amount(row, 'memory_gib_hour', line),
        storageGibMonth: amount(row, 'storage_gib_month', line),
        gpuHour: amount(row, 'gpu_hour', line),
        egressGib: amount(row, 'egress_gib', line),
      },
      discountBp: discount,
      note: (row.note ?? '').slice(0, 500),
    };
  });
}
