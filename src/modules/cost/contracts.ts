import { splitByWeights } from './money.ts';

/**
 * Fixed-price contracts, free of I/O. A contract commits an amount per period; spend in the
 * period draws the commitment down; spend beyond it is overage, charged at the overage rate;
 * when the period closes, a shortfall (commitment not used) is trued up — the commitment is
 * owed whatever was used. Statements split the period's charge over business units: showback
 * is what each unit used, chargeback is its share of what the organization pays, and the
 * chargeback parts sum to the charge to the micro-unit.
 */

export interface ContractTerms {
  commitmentMicros: bigint;
  /** Overage price relative to the contract rate, in basis points: 10,000 = the same rate, 12,500 = +25 %. */
  overageRateBp: number;
}

export interface UnitUsage {
  /** A business unit: a workspace id, or `unallocated`. */
  unit: string;
  usageMicros: bigint;
}

export interface UnitStatement extends UnitUsage {
  /** Share of the usage, in basis points of the period's usage (0 when nothing was used). */
  shareBp: number;
  showbackMicros: bigint;
  chargebackMicros: bigint;
}

export interface ContractStatement {
  usageMicros: bigint;
  /** Usage counted against the commitment. */
  drawdownMicros: bigint;
  remainingCommitmentMicros: bigint;
  /** Usage beyond the commitment, at the contract rate, and what it is charged. */
  overageUsageMicros: bigint;
  overageChargeMicros: bigint;
  /** The unused commitment owed at close; 0 while the period is open. */
  trueUpMicros: bigint;
  /** What the organization pays for the period: commitment used + true-up + overage charge. */
  chargeMicros: bigint;
  closed: boolean;
  units: UnitStatement[];
}

/** The overage charge for `usage` at `rateBp`, rounded half up to the micro-unit. */
export function overageCharge(usage: bigint, rateBp: number): bigint {
  return (usage * BigInt(rateBp) + 5_000n) / 10_000n;
}

/**
 * The statement of one period. `closed` makes the shortfall due (true-up). Chargeback shares
 * follow usage; with no usage at all, a true-up is split evenly over the units given.
 */
export function contractStatement(terms: ContractTerms, usage: readonly UnitUsage[], closed: boolean): ContractStatement {
  const usageMicros = usage.reduce((sum, u) => sum + u.usageMicros, 0n);
  const drawdownMicros = usageMicros < terms.commitmentMicros ? usageMicros : terms.commitmentMicros;
  const overageUsageMicros = usageMicros - drawdownMicros;
  const overageChargeMicros = overageCharge(overageUsageMicros, terms.overageRateBp);
  const remainingCommitmentMicros = terms.commitmentMicros - drawdownMicros;
  const trueUpMicros = closed ? remainingCommitmentMicros : 0n;
  const chargeMicros = drawdownMicros + trueUpMicros + overageChargeMicros;
  const weights = usage.map((u) => u.usageMicros);
  const shares = splitByWeights(chargeMicros, weights) ?? splitByWeights(chargeMicros, usage.map(() => 1n)) ?? [];
  const bp = usageMicros > 0n ? splitByWeights(10_000n, weights)! : usage.map(() => 0n);
  return {
    usageMicros,
    drawdownMicros,
    remainingCommitmentMicros,
    overageUsageMicros,
    overageChargeMicros,
    trueUpMicros,
    chargeMicros,
    closed,
    units: usage.map((u, i) => ({ ...u, shareBp: Number(bp[i]!), showbackMicros: u.usageMicros, chargebackMicros: shares[i] ?? 0n })),
  };
}
