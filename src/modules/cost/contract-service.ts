import { TZDate } from '@date-fns/tz';
import { stringify } from 'csv-stringify/sync';
import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { isUniqueViolation } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { budgetPeriod, type BudgetPeriod } from './budgets.ts';
import type { ContractView, CreateContractInput, StatementView, UpdateContractInput } from './contract-schemas.ts';
import * as store from './contract-store.ts';
import { contractStatement } from './contracts.ts';
import { formatMicros, parseDecimalMicros } from './money.ts';
import type { Spend } from './service.ts';

/**
 * Fixed-price contracts (issue 5, item 5): CRUD and the statement of a period — drawdown,
 * overage, true-up — with showback and chargeback per business unit (workspace), computed from
 * the allocation when asked, so a statement always agrees with the cost explorer.
 */

/** Spend per workspace over a window (the allocation service's `spend`). */
export type SpendByWorkspace = (orgId: string, window: { from: Date; to: Date; groupBy?: string }) => Promise<Spend>;

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function contractView(row: store.ContractRow): ContractView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    period: row.period,
    commitment: formatMicros(BigInt(row.commitment_micros)),
    overageRateBp: row.overage_rate_bp,
    currency: row.currency.trim(),
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function contractResource(orgId: string, id: string | null, name?: string): Resource {
  return { type: 'contract', id, orgId, ...(name ? { attrs: { name } } : {}) };
}

/** Noon of a calendar day in a zone: an instant safely inside that local day. */
function middayOf(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, 12, timeZone).getTime());
}

/** The statement's rows as CSV: one per unit, then the period's totals. */
export function statementCsv(s: StatementView): string {
  const rows: (string | number)[][] = [['unit', 'name', 'share_bp', 'showback', 'chargeback', 'currency']];
  for (const u of s.units) rows.push([u.unit, u.name, u.shareBp, u.showback, u.chargeback, s.currency]);
  rows.push(['total', `${s.period.start}..${s.period.end}${s.period.closed ? '' : ' (open)'}`, 10_000, s.usage, s.charge, s.currency]);
  return stringify(rows);
}

export type ContractService = ReturnType<typeof createContractService>;

export function createContractService(deps: ModuleDeps, spend: SpendByWorkspace) {
  const { db, authz, clock } = deps;

  async function orgCalendar(orgId: string): Promise<{ timeZone: string; currency: string }> {
    const org = await deps.services.tenancy.findOrganization(orgId);
    if (!org) throw problems.notFound('organization', orgId);
    return { timeZone: org.timeZone, currency: org.currency };
  }

  async function requireContract(orgId: string, id: string): Promise<store.ContractRow> {
    const row = await store.findContract(db, orgId, id);
    if (!row) throw problems.notFound('contract', id);
    return row;
  }

  function duplicateName(error: unknown, name: string | undefined): never {
    if (isUniqueViolation(error)) throw problems.conflict('name-taken', `A contract named ${name ?? ''} exists.`, 'name');
    throw error;
  }

  /** The contract's period that contains `day` (or now), refused outside the contract's term. */
  function periodOf(row: store.ContractRow, timeZone: string, day: string | undefined): BudgetPeriod {
    const period = budgetPeriod(row.period, timeZone, day ? middayOf(day, timeZone) : clock.now());
    if (period.startDate < row.starts_on || (row.ends_on !== null && period.startDate >= row.ends_on)) {
      throw problems.unprocessable('outside-contract', `The contract runs from ${row.starts_on}${row.ends_on ? ` to ${row.ends_on}` : ''}; ${period.startDate} is outside it.`, 'period');
    }
    return period;
  }

  return {
    async list(p: Principal, orgId: string, query: PageQuery): Promise<Page<ContractView>> {
      await authz.require(p, 'contract:read', contractResource(orgId, null));
      const rows = await store.listContracts(db, orgId, decodeCursor(query.cursor), query.limit);
      const page = toPage(rows, query.limit);
      return { items: page.items.map(contractView), nextCursor: page.nextCursor };
    },

    async get(p: Principal, orgId: string, id: string): Promise<ContractView> {
      const row = await requireContract(orgId, id);
      await authz.require(p, 'contract:read', contractResource(orgId, id, row.name));
      return contractView(row);
    },

    async create(p: Principal, orgId: string, input: CreateContractInput): Promise<ContractView> {
      await authz.require(p, 'contract:create', contractResource(orgId, null, input.name));
      const { timeZone, currency } = await orgCalendar(orgId);
      if (budgetPeriod(input.period, timeZone, middayOf(input.startsOn, timeZone)).startDate !== input.startsOn) {
        throw problems.unprocessable('not-a-period-start', `A ${input.period} contract starts on the first day of a ${input.period.replace('ly', '')}.`, 'startsOn');
      }
      return db.transaction().execute(async (t) => {
        const row = await store
          .insertContract(t, {
            id: newId('contract'),
            org_id: orgId,
            name: input.name,
            period: input.period,
            commitment_micros: String(parseDecimalMicros(input.commitment)),
            overage_rate_bp: input.overageRateBp,
            currency,
            starts_on: input.startsOn,
            ends_on: input.endsOn,
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        const view = contractView(row);
        await recordAudit(t, p, { action: 'contract:create', orgId, target: { type: 'contract', id: row.id, name: row.name }, after: view });
        return view;
      });
    },

    async update(p: Principal, orgId: string, id: string, expectedVersion: number | undefined, input: UpdateContractInput): Promise<ContractView> {
      const before = await requireContract(orgId, id);
      await authz.require(p, 'contract:update', contractResource(orgId, id, before.name));
      if (input.endsOn && input.endsOn <= before.starts_on) throw problems.unprocessable('invalid-term', 'endsOn must be after startsOn.', 'endsOn');
      return db.transaction().execute(async (t) => {
        const row = await store
          .updateContract(t, orgId, id, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.commitment !== undefined ? { commitment_micros: String(parseDecimalMicros(input.commitment)) } : {}),
            ...(input.overageRateBp !== undefined ? { overage_rate_bp: input.overageRateBp } : {}),
            ...(input.endsOn !== undefined ? { ends_on: input.endsOn } : {}),
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        if (!row) throw expectedVersion === undefined ? problems.notFound('contract', id) : problems.preconditionFailed();
        const view = contractView(row);
        await recordAudit(t, p, { action: 'contract:update', orgId, target: { type: 'contract', id, name: row.name }, before: contractView(before), after: view });
        return view;
      });
    },

    async remove(p: Principal, orgId: string, id: string, expectedVersion: number | undefined): Promise<void> {
      const before = await requireContract(orgId, id);
      await authz.require(p, 'contract:delete', contractResource(orgId, id, before.name));
      await db.transaction().execute(async (t) => {
        const row = await store.deleteContract(t, orgId, id, expectedVersion);
        if (!row) throw expectedVersion === undefined ? problems.notFound('contract', id) : problems.preconditionFailed();
        await recordAudit(t, p, { action: 'contract:delete', orgId, target: { type: 'contract', id, name: row.name }, before: contractView(row) });
      });
    },

    /** The statement of one period: the spend so far while it is open, trued up once it closed. */
    async statement(p: Principal, orgId: string, id: string, day: string | undefined): Promise<StatementView> {
      const row = await requireContract(orgId, id);
      await authz.require(p, 'contract:read', contractResource(orgId, id, row.name));
      const { timeZone } = await orgCalendar(orgId);
      const period = periodOf(row, timeZone, day);
      const now = clock.now();
      if (period.start >= now) throw problems.unprocessable('period-not-started', `The period starting ${period.startDate} has not started yet.`, 'period');
      const closed = period.end <= now;
      const used = await spend(orgId, { from: period.start, to: closed ? period.end : now, groupBy: 'workspace' });
      const units = used.groups.map((g) => ({ unit: g.key, name: g.name, usageMicros: BigInt(g.total) }));
      const s = contractStatement({ commitmentMicros: BigInt(row.commitment_micros), overageRateBp: row.overage_rate_bp }, units, closed);
      const names = new Map(used.groups.map((g) => [g.key, g.name]));
      return {
        contractId: row.id,
        currency: row.currency.trim(),
        period: { start: period.startDate, end: period.endDate, closed },
        commitment: formatMicros(BigInt(row.commitment_micros)),
        usage: formatMicros(s.usageMicros),
        drawdown: formatMicros(s.drawdownMicros),
        remainingCommitment: formatMicros(s.remainingCommitmentMicros),
        overageUsage: formatMicros(s.overageUsageMicros),
        overageCharge: formatMicros(s.overageChargeMicros),
        trueUp: formatMicros(s.trueUpMicros),
        charge: formatMicros(s.chargeMicros),
        units: s.units.map((u) => ({ unit: u.unit, name: names.get(u.unit) ?? u.unit, shareBp: u.shareBp, showback: formatMicros(u.showbackMicros), chargeback: formatMicros(u.chargebackMicros) })),
      };
    },
  };
}
