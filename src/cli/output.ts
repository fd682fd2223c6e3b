import Table from 'cli-table3';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Prints rows as a table, or the raw API objects as JSON for scripts. */
export function print<T>(output: 'table' | 'json', data: T | T[], columns: Column<T>[]): void {
  if (output === 'json') {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return;
  }
  const rows = Array.isArray(data) ? data : [data];
  const table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => cell(c.value(row))));
  process.stdout.write(table.toString() + '\n');
}

export function printMessage(output: 'table' | 'json', message: string, data?: unknown): void {
  if (output === 'json') process.stdout.write(JSON.stringify(data ?? { message }, null, 2) + '\n');
  else process.stdout.write(message + '\n');
}

/** `key=value` pairs from repeated flags, e.g. --label env=prod --label team=payments. */
export function parsePairs(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`expected key=value, got "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
