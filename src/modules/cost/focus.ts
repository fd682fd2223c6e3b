/**
 * FOCUS (FinOps Open Cost and Usage Specification 1.x) bills in and out. Pure: text in,
 * values out, no I/O.
 *
 * - `parseFocusCsv`: a FOCUS CSV (csv-parse) to typed lines; required columns checked up front,
 *   every cell checked with errors naming the CSV line and the column. Money is parsed from the
 *   decimal string into integer micro-units (no float ever holds it).
 * - `allocateFocusLines`: ordered tag rules (tag key + exact value or regex → workspace, project;
 *   first match wins) split the lines into allocated ones and an unallocated remainder that
 *   always adds up with them to the bill's total, to the micro-unit.
 * - `writeFocusCsv`: Hexaplane's own allocations as FOCUS rows, workspace and project carried in
 *   Tags under the `hexaplane/` prefix (provider-defined tags are prefixed, FOCUS 1.0 Tags).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

// ---- money ----

const MICROS_PER_UNIT = 1_000_000n;
const DECIMAL = /^([+-])?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/**
 * A decimal string ("12.3456789", "-0.5", "1.2E-5") as integer micro-units, exactly: digits
 * are shifted, never converted through a float. More than six decimals round half to even,
 * so rounding many lines does not drift one way.
 */
export function parseMicros(text: string): bigint {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === undefined && !match[3])) throw new RangeError(`"${text}" is not a decimal number`);
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  // Value = digits × 10^(exponent − fraction length); micro-units shift that by 6.
  let shift = Number(exponent) - fraction.length + 6;
  if (shift >= 0) {
    const micros = BigInt(digits + '0'.repeat(shift));
    return sign === '-' ? -micros : micros;
  }
  shift = -shift;
  if (digits.length <= shift) digits = '0'.repeat(shift - digits.length + 1) + digits;
  const kept = BigInt(digits.slice(0, digits.length - shift));
  const dropped = digits.slice(digits.length - shift);
  const half = '5' + '0'.repeat(dropped.length - 1);
  const roundUp = dropped > half || (dropped === half && kept % 2n === 1n);
  const micros = roundUp ? kept + 1n : kept;
  return sign === '-' ? -micros : micros;
}

/** Micro-units as the shortest exact decimal string ("12.5", "0", "-0.000001"). */
export function formatMicros(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_UNIT;
  const fraction = (abs % MICROS_PER_UNIT).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

// ---- lines ----

export const chargeCategories = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;
export type ChargeCategory = (typeof chargeCategories)[number];

export interface FocusLine {
  /** The CSV line the row starts on (the header is line 1). */
  line: number;
  billedCostMicros: bigint;
  effectiveCostMicros: bigint;
  listCostMicros: bigint;
  contractedCostMicros: bigint;
  currency: string;
  /** ISO 8601 UTC instants (`…Z`); a period is [start, end). */
  chargePeriodStart: string;
  chargePeriodEnd: string;
  billingPeriodStart: string;
  billingPeriodEnd: string;
  chargeCategory: ChargeCategory;
  chargeDescription: string | null;
  serviceName: string;
  serviceCategory: string;
  /** ServiceProviderName (FOCUS 1.2) or ProviderName (1.0/1.1). */
  providerName: string;
  regionId: string | null;
  resourceId: string | null;
  resourceName: string | null;
  resourceType: string | null;
  skuId: string | null;
  subAccountId: string | null;
  subAccountName: string | null;
  /** Decimal strings, kept exact. */
  consumedQuantity: string | null;
  consumedUnit: string | null;
  tags: Record<string, string>;
  /** Provider extension columns (`x_…`), as they were. */
  extensions: Record<string, string>;
}

export interface FocusIssue {
  /** CSV line (1 is the header); 0 for a problem with the file as a whole. */
  line: number;
  column: string | null;
  message: string;
}

/** A bill that is not valid FOCUS; `issues` names each line and column (at most 100 of them). */
export class FocusFormatError extends Error {
  constructor(readonly issues: FocusIssue[]) {
    const first = issues[0]!;
    super(
      `${first.line > 0 ? `line ${first.line}` : 'the file'}${first.column ? `, column ${first.column}` : ''}: ${first.message}` +
        (issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : ''),
    );
    this.name = 'FocusFormatError';
  }
}

/** The columns a bill must have; ProviderName may come as ServiceProviderName (FOCUS 1.2). */
export const requiredColumns = [
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'BillingCurrency',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargeCategory',
  'ServiceName',
  'ServiceCategory',
] as const;

const MAX_ISSUES = 100;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const CURRENCY = /^[A-Z]{3}$/;

type Cells = Record<string, string>;

/** Reads one line's cells; every problem is pushed to `issues` and the line is skipped. */
function readLine(cells: Cells, line: number, provider: string, issues: FocusIssue[]): FocusLine | null {
  const before = issues.length;
  const problem = (column: string, message: string) => issues.push({ line, column, message });
  const text = (column: string): string | null => {
    const value = cells[column];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
  const required = (column: string): string => {
    const value = text(column);
    if (value === null) problem(column, 'is empty; FOCUS requires a value');
    return value ?? '';
  };
  const money = (column: string): bigint => {
    const value = required(column);
    if (value === '') return 0n;
    try {
      return parseMicros(value);
    } catch {
      problem(column, `"${value.slice(0, 40)}" is not a decimal amount`);
      return 0n;
    }
  };
  const instant = (column: string): string => {
    const value = required(column);
    if (value === '') return '';
    const ms = Date.parse(value);
    if (!INSTANT.test(value) || Number.isNaN(ms)) {
      problem(column, `"${value.slice(0, 40)}" is not an ISO 8601 date-time with a time zone (2026-11-01T00:00:00Z)`);
      return '';
    }
    return new Date(ms).toISOString();
  };
  const quantity = (column: string): string | null => {
    const value = text(column);
    if (value !== null && !DECIMAL.test(value)) problem(column, `"${value.slice(0, 40)}" is not a decimal number`);
    return value;
  };

  const currency = required('BillingCurrency');
  if (currency && !CURRENCY.test(currency)) problem('BillingCurrency', `"${currency.slice(0, 10)}" is not an ISO 4217 currency code (USD, EUR)`);
  const category = required('ChargeCategory');
  if (category && !(chargeCategories as readonly string[]).includes(category)) problem('ChargeCategory', `"${category.slice(0, 40)}" is not one of ${chargeCategories.join(', ')}`);

  const tags: Record<string, string> = {};
  const rawTags = text('Tags');
  if (rawTags !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawTags);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) problem('Tags', 'is not a JSON object of tag keys to values');
    else
      for (const [key, value] of Object.entries(parsed)) {
        // FOCUS tag values are strings; null means a key without a value.
        if (value === null) tags[key] = '';
        else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') tags[key] = String(value);
        else problem('Tags', `the value of ${key.slice(0, 60)} is not a string`);
      }
  }

  const extensions: Record<string, string> = {};
  for (const [column, value] of Object.entries(cells)) if (column.startsWith('x_')) extensions[column] = value;

  const line_: FocusLine = {
    line,
    billedCostMicros: money('BilledCost'),
    effectiveCostMicros: money('EffectiveCost'),
    listCostMicros: money('ListCost'),
    contractedCostMicros: money('ContractedCost'),
    currency,
    chargePeriodStart: instant('ChargePeriodStart'),
    chargePeriodEnd: instant('ChargePeriodEnd'),
    billingPeriodStart: instant('BillingPeriodStart'),
    billingPeriodEnd: instant('BillingPeriodEnd'),
    chargeCategory: category as ChargeCategory,
    chargeDescription: text('ChargeDescription'),
    serviceName: required('ServiceName'),
    serviceCategory: required('ServiceCategory'),
    providerName: required(provider),
    regionId: text('RegionId'),
    resourceId: text('ResourceId'),
    resourceName: text('ResourceName'),
    resourceType: text('ResourceType'),
    skuId: text('SkuId'),
    subAccountId: text('SubAccountId'),
    subAccountName: text('SubAccountName'),
    consumedQuantity: quantity('ConsumedQuantity'),
    consumedUnit: text('ConsumedUnit'),
    tags,
    extensions,
  };
  if (line_.chargePeriodStart && line_.chargePeriodEnd && line_.chargePeriodEnd < line_.chargePeriodStart) problem('ChargePeriodEnd', 'is before ChargePeriodStart');
  if (line_.billingPeriodStart && line_.billingPeriodEnd && line_.billingPeriodEnd <= line_.billingPeriodStart) problem('BillingPeriodEnd', 'is not after BillingPeriodStart');
  return issues.length === before ? line_ : null;
}

export interface FocusBill {
  lines: FocusLine[];
  /** The one BillingCurrency of every line (null for a bill without lines). */
  currency: string | null;
  /** Σ BilledCost and Σ EffectiveCost, exact. */
  billedTotalMicros: bigint;
  effectiveTotalMicros: bigint;
}

/**
 * Parses a FOCUS 1.x CSV. Throws FocusFormatError naming every bad line and column (up to
 * 100): an import is all or nothing, so a half-read bill never reaches the allocations.
 */
export function parseFocusCsv(csv: string | Buffer): FocusBill {
  let records: { record: Cells; info: { lines: number } }[];
  try {
    records = parse(csv, { columns: true, bom: true, skip_empty_lines: true, trim: false, info: true, relax_column_count: false }) as typeof records;
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    throw new FocusFormatError([{ line: e.lines ?? 0, column: null, message: `not a readable CSV: ${String(e.message ?? error).slice(0, 200)}` }]);
  }
  const header = records.length > 0 ? Object.keys(records[0]!.record) : headerOf(csv);
  const missing: string[] = requiredColumns.filter((c) => !header.includes(c));
  const provider = header.includes('ServiceProviderName') ? 'ServiceProviderName' : 'ProviderName';
  if (!header.includes(provider)) missing.push('ServiceProviderName (or ProviderName)');
  if (missing.length > 0) throw new FocusFormatError(missing.map((column) => ({ line: 1, column, message: 'is a required FOCUS column and is missing from the header' })));

  const issues: FocusIssue[] = [];
  const lines: FocusLine[] = [];
  for (const { record, info } of records) {
    // info.lines is the line the record ended on; a quoted cell may span lines, so count its breaks back.
    const breaks = Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    const line = readLine(record, info.lines - breaks, provider, issues);
    if (line) lines.push(line);
    if (issues.length >= MAX_ISSUES) break;
  }
  const currencies = [...new Set(lines.map((l) => l.currency))];
  if (issues.length === 0 && currencies.length > 1) {
    const odd = lines.find((l) => l.currency !== lines[0]!.currency)!;
    issues.push({ line: odd.line, column: 'BillingCurrency', message: `is ${odd.currency} where earlier lines are ${lines[0]!.currency}; import one currency per bill` });
  }
  // In reading order: by line, then by the column's place in the header.
  const position = (column: string | null) => (column === null ? -1 : header.indexOf(column));
  issues.sort((a, b) => a.line - b.line || position(a.column) - position(b.column));
  if (issues.length > 0) throw new FocusFormatError(issues.slice(0, MAX_ISSUES));
  return {
    lines,
    currency: currencies[0] ?? null,
    billedTotalMicros: lines.reduce((s, l) => s + l.billedCostMicros, 0n),
    effectiveTotalMicros: lines.reduce((s, l) => s + l.effectiveCostMicros, 0n),
  };
}

function headerOf(csv: string | Buffer): string[] {
  const rows = parse(csv, { bom: true, to_line: 1 }) as string[][];
  return rows[0] ?? [];
}

// ---- tag mapping ----

export interface TagRule {
  /** The tag key to look at, exactly (tag keys are case-sensitive in AWS and Azure). */
  tagKey: string;
  /** Match this value exactly, or `pattern` (a regular expression matched against the whole value); neither: any value. */
  value?: string;
  pattern?: string;
  workspaceId: string;
  projectId?: string | null;
}

export type CostColumn = 'EffectiveCost' | 'BilledCost';

export interface AllocatedLine {
  line: number;
  workspaceId: string;
  projectId: string | null;
  /** Index of the rule that matched. */
  rule: number;
  costMicros: bigint;
}

export interface FocusAllocation {
  costColumn: CostColumn;
  currency: string | null;
  allocated: AllocatedLine[];
  /** Per workspace and project, in first-seen order. */
  byTarget: { workspaceId: string; projectId: string | null; costMicros: bigint; lines: number }[];
  /** Lines no rule matched (taxes, untagged resources): always reported, never dropped. */
  unallocated: { costMicros: bigint; lines: number[] };
  /** The bill's total of `costColumn`; Σ byTarget + unallocated equals it exactly. */
  totalMicros: bigint;
}

/** Checks rules before use: a bad regex is the rule author's error, named by its index. */
export function compileTagRules(rules: readonly TagRule[]): ((tags: Record<string, string>) => number) {
  const matchers = rules.map((rule, i) => {
    if (rule.value !== undefined && rule.pattern !== undefined) throw new RangeError(`rule ${i}: give value or pattern, not both`);
    let regex: RegExp | null = null;
    if (rule.pattern !== undefined) {
      try {
        // Anchored: "prod" must not match "preprod"; `u` for Unicode tag values.
        regex = new RegExp(`^(?:${rule.pattern})$`, 'u');
      } catch (error) {
        throw new RangeError(`rule ${i}: ${(error as Error).message}`);
      }
    }
    return (tags: Record<string, string>) => {
      if (!Object.hasOwn(tags, rule.tagKey)) return false;
      const value = tags[rule.tagKey]!;
      if (rule.value !== undefined) return value === rule.value;
      return regex ? regex.test(value) : true;
    };
  });
  return (tags) => matchers.findIndex((m) => m(tags));
}

/** Splits a bill's lines by the first matching rule; what none matches is the unallocated remainder. */
export function allocateFocusLines(bill: Pick<FocusBill, 'lines' | 'currency'>, rules: readonly TagRule[], costColumn: CostColumn = 'EffectiveCost'): FocusAllocation {
  const match = compileTagRules(rules);
  const allocated: AllocatedLine[] = [];
  const byTarget = new Map<string, FocusAllocation['byTarget'][number]>();
  const unallocated = { costMicros: 0n, lines: [] as number[] };
  let total = 0n;
  for (const line of bill.lines) {
    const cost = costColumn === 'EffectiveCost' ? line.effectiveCostMicros : line.billedCostMicros;
    total += cost;
    const index = match(line.tags);
    if (index < 0) {
      unallocated.costMicros += cost;
      unallocated.lines.push(line.line);
      continue;
    }
    const rule = rules[index]!;
    const projectId = rule.projectId ?? null;
    allocated.push({ line: line.line, workspaceId: rule.workspaceId, projectId, rule: index, costMicros: cost });
    const key = `${rule.workspaceId}\u0000${projectId ?? ''}`;
    const target = byTarget.get(key) ?? { workspaceId: rule.workspaceId, projectId, costMicros: 0n, lines: 0 };
    target.costMicros += cost;
    target.lines += 1;
    byTarget.set(key, target);
  }
  return { costColumn, currency: bill.currency, allocated, byTarget: [...byTarget.values()], unallocated, totalMicros: total };
}

// ---- export ----

/** One row of Hexaplane's allocations, as the cost module has them. */
export interface FocusExportRow {
  billingPeriodStart: string;
  billingPeriodEnd: string;
  chargePeriodStart: string;
  chargePeriodEnd: string;
  /** What the workspace is charged; Hexaplane's allocations have no discounts, so it is billed and effective cost. */
  costMicros: bigint;
  /** Cost at list (catalog) prices; defaults to costMicros. */
  listCostMicros?: bigint;
  currency: string;
  chargeCategory?: ChargeCategory;
  chargeDescription?: string | null;
  /** E.g. "Kubernetes compute", "Idle capacity", "Shared: monitoring". */
  serviceName: string;
  serviceCategory?: string;
  regionId?: string | null;
  resourceId?: string | null;
  resourceName?: string | null;
  resourceType?: string | null;
  skuId?: string | null;
  consumedQuantity?: string | null;
  consumedUnit?: string | null;
  workspaceId: string | null;
  workspaceName?: string | null;
  projectId?: string | null;
  projectName?: string | null;
  /** Labels to carry along (team, cost-center ...). */
  labels?: Record<string, string>;
}

/** The tag keys the export writes; a FOCUS import maps them back with rules on these keys. */
export const exportTagKeys = {
  workspaceId: 'hexaplane/workspace-id',
  workspace: 'hexaplane/workspace',
  projectId: 'hexaplane/project-id',
  project: 'hexaplane/project',
} as const;

export const exportColumns = [
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'ChargeDescription',
  'ChargeFrequency',
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ProviderName',
  'ServiceProviderName',
  'PublisherName',
  'InvoiceIssuerName',
  'ServiceName',
  'ServiceCategory',
  'RegionId',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'SkuId',
  'SubAccountId',
  'SubAccountName',
  'Tags',
] as const;

/** Writes Hexaplane's allocations as a FOCUS CSV (header + one row each, CRLF, RFC 4180 quoting). */
export function writeFocusCsv(rows: readonly FocusExportRow[], account: { id: string; name: string }): string {
  const records = rows.map((r) => {
    const tags: Record<string, string> = { ...(r.labels ?? {}) };
    if (r.workspaceId) tags[exportTagKeys.workspaceId] = r.workspaceId;
    if (r.workspaceName) tags[exportTagKeys.workspace] = r.workspaceName;
    if (r.projectId) tags[exportTagKeys.projectId] = r.projectId;
    if (r.projectName) tags[exportTagKeys.project] = r.projectName;
    const cost = formatMicros(r.costMicros);
    const values: Record<(typeof exportColumns)[number], string> = {
      BillingAccountId: account.id,
      BillingAccountName: account.name,
      BillingCurrency: r.currency,
      BillingPeriodStart: r.billingPeriodStart,
      BillingPeriodEnd: r.billingPeriodEnd,
      ChargePeriodStart: r.chargePeriodStart,
      ChargePeriodEnd: r.chargePeriodEnd,
      ChargeCategory: r.chargeCategory ?? 'Usage',
      ChargeDescription: r.chargeDescription ?? '',
      ChargeFrequency: 'Usage-Based',
      BilledCost: cost,
      EffectiveCost: cost,
      ListCost: formatMicros(r.listCostMicros ?? r.costMicros),
      ContractedCost: cost,
      ConsumedQuantity: r.consumedQuantity ?? '',
      ConsumedUnit: r.consumedUnit ?? '',
      ProviderName: 'Hexaplane',
      ServiceProviderName: 'Hexaplane',
      PublisherName: 'Hexaplane',
      InvoiceIssuerName: account.name,
      ServiceName: r.serviceName,
      ServiceCategory: r.serviceCategory ?? 'Compute',
      RegionId: r.regionId ?? '',
      ResourceId: r.resourceId ?? '',
      ResourceName: r.resourceName ?? '',
      ResourceType: r.resourceType ?? '',
      SkuId: r.skuId ?? '',
      SubAccountId: r.workspaceId ?? '',
      SubAccountName: r.workspaceName ?? '',
      Tags: JSON.stringify(tags),
    };
    return exportColumns.map((c) => values[c]);
  });
  return stringify(records, { header: true, columns: [...exportColumns], record_delimiter: '\r\n' });
}
