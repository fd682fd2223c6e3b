/**
 * Money is integer micro-units (1 unit of the currency = 1,000,000 micro-units) with an ISO
 * currency; never floating point. Pure: no I/O.
 */

export const MICROS_PER_UNIT = 1_000_000n;

/** Hours in a billing month: the convention (730 = 8760 / 12) that turns GiB-month rates into GiB-hour. */
export const HOURS_PER_MONTH = 730;

/** "12.345678" (or "-0.5", "7") → micro-units, exactly; more than six decimals is refused. */
export function parseDecimalMicros(text: string): number {
  const m = /^\s*(-?)(\d{1,12})(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!m) throw new RangeError(`"${text}" is not an amount with at most 6 decimals`);
  const micros = Number(m[2]) * 1_000_000 + Number((m[3] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

/** Micro-units → "12.345678" (six decimals: round-trips through parseDecimalMicros). */
export function formatMicros(micros: number | bigint): string {
  const v = BigInt(micros);
  const sign = v < 0n ? '-' : '';
  const abs = v < 0n ? -v : v;
  return `${sign}${abs / MICROS_PER_UNIT}.${(abs % MICROS_PER_UNIT).toString().padStart(6, '0')}`;
}

/** A BigInt amount as a JS number, refusing what a number cannot hold exactly. */
export function toSafeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`amount ${v} exceeds the safe integer range`);
  return Number(v);
}

/** Indices ordered by larger remainder first, then by index: the tie-break is stable and documented. */
function byRemainder(remainders: readonly bigint[]): number[] {
  const order = remainders.map((_, i) => i);
  order.sort((a, b) => (remainders[b]! > remainders[a]! ? 1 : remainders[b]! < remainders[a]! ? -1 : a - b));
  return order;
}

/**
 * Rounds exact amounts `numerators[i] / denominator` (all ≥ 0) to integers that sum to the
 * rounded (half up) total: each gets its floor, and the units left over go one each to the
 * largest remainders (Hamilton's method), ties to the lower index.
 */
export function roundToTotal(numerators: readonly bigint[], denominator: bigint): { parts: bigint[]; total: bigint } {
  let sum = 0n;
  for (const n of numerators) sum += n;
  const total = (sum + denominator / 2n) / denominator;
  const parts = numerators.map((n) => n / denominator);
  let left = total - parts.reduce((a, b) => a + b, 0n);
  if (left > 0n) {
    for (const i of byRemainder(numerators.map((n) => n % denominator))) {
      if (left === 0n) break;
      parts[i]! += 1n;
      left -= 1n;
    }
  }
  return { parts, total };
}

/**
 * Splits an integer amount by integer weights (largest remainder): the parts sum to the
 * amount exactly. Null when every weight is zero (the caller decides where the amount goes).
 */
export function splitByWeights(amount: bigint, weights: readonly bigint[]): bigint[] | null {
  let total = 0n;
  for (const w of weights) total += w;
  if (total === 0n) return null;
  const parts = weights.map((w) => (amount * w) / total);
  let left = amount - parts.reduce((a, b) => a + b, 0n);
  if (left > 0n) {
    for (const i of byRemainder(weights.map((w) => (amount * w) % total))) {
      if (left === 0n) break;
      parts[i]! += 1n;
      left -= 1n;
    }
  }
  return parts;
}
