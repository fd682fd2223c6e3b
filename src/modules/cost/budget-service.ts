import type { Principal, Resource } from '../../kernel/authz.ts';
import { newPrincipal } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { isUniqueViolation, type Queryable, type Tx } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { missingChannels } from '../integrations/index.ts';
import type {
  BudgetDecisionView,
  BudgetStatusView,
  BudgetView,
  CreateBudgetInput,
  QuotaEstimateView,
  UpdateBudgetInput,
} from './budget-schemas.ts';
import * as store from './budget-store.ts';
import {
  budgetDecision,
  budgetPeriod,
  crossedThresholds,
  percentOf,
  quotaForBudget,
  strictestDecision,
  type BudgetPeriod,
  type BudgetPeriodKind,
  type BudgetStanding,
  type UnitPrices,
} from './budgets.ts';
import { forecastSpend, localDate, type BudgetPeriod as ForecastPeriod, type SpendForecast } from './forecast.ts';
import { formatMicros, parseDecimalMicros } from './money.ts';

/**
 * Budgets (issue 5, item 4): CRUD, the standing of a budget in its current period (actual,
 * forecast with an interval, thresholds, burn-down), alerts that go out once per threshold and
 * period, and the decision for new workloads that the admission webhook will enforce.
 */

/** Which spend a budget counts. */
export interface SpendScope {
  orgId: string;
  workspaceId: string;
  projectId: string | null;
  label: { key: string; value: string } | null;
}

export interface BudgetAlert {
  orgId: string;
  channelIds: string[];
  /** The same key is one message, however often it is asked for. */
  dedupKey: string;
  subject: string;
  text: string;
  fields: Record<string, string>;
}

/** What budgets need from the rest of the cost module and from integrations, wired in index.ts. */
export interface BudgetPorts {
  /** Spend of the scope per local day in [from, to) (days without spend may be absent). */
  dailySpend(orgId: string, scope: SpendScope, window: { from: Date; to: Date }): Promise<Map<string, bigint>>;
  /** Sends an alert to notification channels, in the caller's transaction (delivered after commit). */
  notify(tx: Tx, alert: BudgetAlert): Promise<void>;
  /** Current list prices of the org for vCPU-hour and GiB-hour; null without a price catalog. */
  unitPrices(db: Queryable, orgId: string): Promise<UnitPrices | null>;
}

export const budgetPrincipal: Principal = newPrincipal({ kind: 'system', id: 'budgets', displayName: 'Budget alerts' });

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function budgetView(row: store.BudgetRow): BudgetView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    label: row.label_key !== null ? { key: row.label_key, value: row.label_value ?? '' } : null,
    period: row.period,
    amount: formatMicros(BigInt(row.amount_micros)),
    currency: row.currency.trim(),
    thresholds: row.thresholds,
    channelIds: row.channel_ids,
    onExceeded: row.on_exceeded,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function budgetResource(orgId: string, workspaceId: string | null, id: string | null, name?: string): Resource {
  return { type: 'budget', id, orgId, workspaceId, ...(name ? { attrs: { name } } : {}) };
}

const scopeOf = (row: store.BudgetRow): SpendScope => ({
  orgId: row.org_id,
  workspaceId: row.workspace_id,
  projectId: row.project_id,
  label: row.label_key !== null ? { key: row.label_key, value: row.label_value ?? '' } : null,
});

/** Parses `a=b,c=d` workload labels (the decision query); a malformed pair is a 400 naming the field. */
export function parseLabelList(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw problems.badRequest('invalid-labels', `"${pair}" is not key=value`, 'labels');
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}

/** Whether a workload (project, labels) falls under a budget. */
export function budgetCovers(row: store.BudgetRow, workload: { projectId: string | null; labels: Record<string, string> }): boolean {
  if (row.project_id !== null && row.project_id !== workload.projectId) return false;
  if (row.label_key !== null && workload.labels[row.label_key] !== row.label_value) return false;
  return true;
}

interface Standing extends BudgetStanding {
  period: BudgetPeriod;
  daily: Map<string, bigint>;
  forecast: SpendForecast;
  forecastMicros: bigint;
  /** Complete local days so far (today excluded). */
  elapsedDays: number;
}

const forecastPeriod: Record<BudgetPeriodKind, ForecastPeriod> = { monthly: 'month', quarterly: 'quarter', yearly: 'year' };

/** Weeks before the period that teach the forecast the weekly pattern (ADR 0017). */
const HISTORY_MS = 56 * 86_400_000;

export type BudgetService = ReturnType<typeof createBudgetService>;

export function createBudgetService(deps: ModuleDeps, ports: BudgetPorts) {
  const { db, authz, clock } = deps;

  async function orgCalendar(orgId: string): Promise<{ timeZone: string; currency: string }> {
    const org = await deps.services.tenancy.findOrganization(orgId);
    if (!org) throw problems.notFound('organization', orgId);
    return { timeZone: org.timeZone, currency: org.currency };
  }

  async function requireBudget(orgId: string, budgetId: string): Promise<store.BudgetRow> {
    const row = await store.findBudget(db, orgId, budgetId);
    if (!row) throw problems.notFound('budget', budgetId);
    return row;
  }

  async function checkScope(orgId: string, input: { workspaceId: string; projectId: string | null }): Promise<void> {
    if (!(await deps.services.tenancy.findWorkspace(orgId, input.workspaceId))) {
      throw problems.unprocessable('unknown-workspace', `No workspace ${input.workspaceId} in this organization.`, 'workspaceId');
    }
    if (input.projectId) {
      const project = await deps.services.tenancy.findProject(orgId, input.projectId);
      if (!project || project.workspaceId !== input.workspaceId) {
        throw problems.unprocessable('unknown-project', `No project ${input.projectId} in workspace ${input.workspaceId}.`, 'projectId');
      }
    }
  }

  async function checkChannels(orgId: string, channelIds: readonly string[] | undefined): Promise<void> {
    if (!channelIds?.length) return;
    const missing = await missingChannels(db, orgId, channelIds);
    if (missing.length > 0) throw problems.unprocessable('unknown-channel', `No notification channel ${missing.join(', ')} in this organization.`, 'channelIds');
  }

  function duplicateName(error: unknown, name: string | undefined): never {
    if (isUniqueViolation(error)) throw problems.conflict('name-taken', `A budget named ${name ?? ''} exists.`, 'name');
    throw error;
  }

  function amountMicros(amount: string): bigint {
    const micros = BigInt(parseDecimalMicros(amount));
    if (micros <= 0n) throw problems.unprocessable('invalid-amount', 'A budget must be more than zero.', 'amount');
    return micros;
  }

  /**
   * The budget's period now, its spend per day (today's so far included), the total and the
   * forecast, which learns from complete days only, the weeks before the period among them.
   */
  async function standing(row: store.BudgetRow, timeZone: string, now: Date): Promise<Standing> {
    const period = budgetPeriod(row.period, timeZone, now);
    const daily = await ports.dailySpend(row.org_id, scopeOf(row), { from: new Date(period.start.getTime() - HISTORY_MS), to: now });
    const today = localDate(now, timeZone);
    let actualMicros = 0n;
    for (const day of period.days) actualMicros += daily.get(day) ?? 0n;
    const forecast = forecastSpend({
      period: forecastPeriod[row.period],
      timeZone,
      asOf: now,
      daily: [...daily].filter(([day]) => day < today).map(([date, amountMicros]) => ({ date, amountMicros })),
    });
    // Today's spend so far is actual but not yet in the forecast's actual (it forecasts today whole).
    const forecastMicros = forecast.forecastMicros > actualMicros ? forecast.forecastMicros : actualMicros;
    return { period, daily, forecast, elapsedDays: forecast.daysElapsed, amountMicros: BigInt(row.amount_micros), actualMicros, forecastMicros };
  }

  /** Sends the alerts of thresholds crossed for the first time in this period; returns how many. */
  async function alertCrossings(t: Tx, row: store.BudgetRow, s: Standing, currency: string): Promise<number> {
    let sent = 0;
    for (const threshold of crossedThresholds(row.thresholds, s)) {
      const spend = threshold.basis === 'actual' ? s.actualMicros : s.forecastMicros;
      const claimed = await store.claimAlert(t, { orgId: row.org_id, budgetId: row.id, periodStart: s.period.startDate, basis: threshold.basis, percent: threshold.percent, spendMicros: spend });
      if (!claimed) continue;
      const what = threshold.basis === 'actual' ? 'spend' : 'forecast spend';
      const subject = `Budget ${row.name}: ${what} reached ${threshold.percent} %`;
      const fields = {
        budget: row.name,
        period: `${s.period.startDate} – ${s.period.days[s.period.days.length - 1]}`,
        threshold: `${threshold.percent} % (${threshold.basis})`,
        amount: `${formatMicros(s.amountMicros)} ${currency}`,
        actual: `${formatMicros(s.actualMicros)} ${currency} (${percentOf(s.actualMicros, s.amountMicros)} %)`,
        forecast: `${formatMicros(s.forecastMicros)} ${currency} (${percentOf(s.forecastMicros, s.amountMicros)} %)`,
      };
      await recordAudit(t, budgetPrincipal, {
        action: 'budget:threshold-reach',
        orgId: row.org_id,
        workspaceId: row.workspace_id,
        target: { type: 'budget', id: row.id, name: row.name },
        after: { budgetId: row.id, periodStart: s.period.startDate, percent: threshold.percent, basis: threshold.basis, spend: formatMicros(spend), amount: formatMicros(s.amountMicros), currency },
      });
      if (row.channel_ids.length > 0) {
        await ports.notify(t, {
          orgId: row.org_id,
          channelIds: row.channel_ids,
          dedupKey: `budget:${row.id}:${s.period.startDate}:${threshold.basis}:${threshold.percent}`,
          subject,
          text: `${subject}. ${fields.actual} of ${fields.amount} spent in ${fields.period}.`,
          fields,
        });
      }
      sent++;
    }
    return sent;
  }

  /** Evaluates one budget now: alerts what crossed. Concurrent evaluations send each alert once. */
  async function evaluateBudget(row: store.BudgetRow, calendar: { timeZone: string; currency: string }): Promise<{ alerts: number; standing: Standing }> {
    const s = await standing(row, calendar.timeZone, clock.now());
    if (crossedThresholds(row.thresholds, s).length === 0) return { alerts: 0, standing: s };
    const alerts = await db.transaction().execute((t) => alertCrossings(t, row, s, calendar.currency));
    return { alerts, standing: s };
  }

  function statusView(row: store.BudgetRow, s: Standing, calendar: { timeZone: string; currency: string }, alerts: store.BudgetAlertRow[]): BudgetStatusView {
    const alertedAt = new Map(alerts.map((a) => [`${a.basis}:${Number(a.percent)}`, iso(a.alerted_at)]));
    const crossed = new Set(crossedThresholds(row.thresholds, s).map((t) => `${t.basis}:${t.percent}`));
    return {
      budgetId: row.id,
      currency: calendar.currency,
      timeZone: calendar.timeZone,
      period: { kind: row.period, start: s.period.startDate, end: s.period.endDate, daysElapsed: s.elapsedDays, days: s.period.days.length },
      amount: formatMicros(s.amountMicros),
      actual: formatMicros(s.actualMicros),
      actualPercent: percentOf(s.actualMicros, s.amountMicros),
      forecast: {
        point: formatMicros(s.forecastMicros),
        // The forecast learns from complete days; today's spend so far is already certain.
        low: formatMicros(s.forecast.lowerMicros > s.actualMicros ? s.forecast.lowerMicros : s.actualMicros),
        high: formatMicros(s.forecast.upperMicros > s.forecastMicros ? s.forecast.upperMicros : s.forecastMicros),
        percent: percentOf(s.forecastMicros, s.amountMicros),
        method: s.forecast.method,
        level: s.forecast.level,
      },
      remaining: formatMicros(s.amountMicros - s.actualMicros),
      thresholds: row.thresholds.map((t) => ({ ...t, crossed: crossed.has(`${t.basis}:${t.percent}`), alertedAt: alertedAt.get(`${t.basis}:${t.percent}`) ?? null })),
      decision: budgetDecision(row.on_exceeded, s),
      burndown: burndown(s),
    };
  }

  return {
    async list(p: Principal, orgId: string, query: { cursor?: string | undefined; limit: number; workspaceId?: string | undefined }): Promise<Page<BudgetView>> {
      await authz.require(p, 'budget:read', budgetResource(orgId, query.workspaceId ?? null, null));
      const rows = await store.listBudgets(db, orgId, { workspaceId: query.workspaceId, after: decodeCursor(query.cursor), limit: query.limit });
      const page = toPage(rows, query.limit);
      return { items: page.items.map(budgetView), nextCursor: page.nextCursor };
    },

    async get(p: Principal, orgId: string, budgetId: string): Promise<BudgetView> {
      const row = await requireBudget(orgId, budgetId);
      await authz.require(p, 'budget:read', budgetResource(orgId, row.workspace_id, row.id, row.name));
      return budgetView(row);
    },

    async create(p: Principal, orgId: string, input: CreateBudgetInput): Promise<BudgetView> {
      await authz.require(p, 'budget:create', budgetResource(orgId, input.workspaceId, null, input.name));
      await checkScope(orgId, input);
      await checkChannels(orgId, input.channelIds);
      const { currency } = await orgCalendar(orgId);
      return db.transaction().execute(async (t) => {
        const row = await store
          .insertBudget(t, {
            id: newId('budget'),
            org_id: orgId,
            name: input.name,
            workspace_id: input.workspaceId,
            project_id: input.projectId,
            label_key: input.label?.key ?? null,
            label_value: input.label?.value ?? null,
            period: input.period,
            amount_micros: amountMicros(input.amount),
            currency,
            thresholds: input.thresholds,
            channel_ids: input.channelIds,
            on_exceeded: input.onExceeded,
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        const view = budgetView(row);
        await recordAudit(t, p, { action: 'budget:create', orgId, workspaceId: row.workspace_id, target: { type: 'budget', id: row.id, name: row.name }, after: view });
        return view;
      });
    },

    async update(p: Principal, orgId: string, budgetId: string, expectedVersion: number | undefined, input: UpdateBudgetInput): Promise<BudgetView> {
      const before = await requireBudget(orgId, budgetId);
      await authz.require(p, 'budget:update', budgetResource(orgId, before.workspace_id, before.id, before.name));
      await checkChannels(orgId, input.channelIds);
      return db.transaction().execute(async (t) => {
        const row = await store
          .updateBudget(t, orgId, budgetId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.amount !== undefined ? { amount_micros: amountMicros(input.amount) } : {}),
            ...(input.thresholds !== undefined ? { thresholds: input.thresholds } : {}),
            ...(input.channelIds !== undefined ? { channel_ids: input.channelIds } : {}),
            ...(input.onExceeded !== undefined ? { on_exceeded: input.onExceeded } : {}),
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        if (!row) throw expectedVersion === undefined ? problems.notFound('budget', budgetId) : problems.preconditionFailed();
        const view = budgetView(row);
        await recordAudit(t, p, { action: 'budget:update', orgId, workspaceId: row.workspace_id, target: { type: 'budget', id: row.id, name: row.name }, before: budgetView(before), after: view });
        return view;
      });
    },

    async remove(p: Principal, orgId: string, budgetId: string, expectedVersion: number | undefined): Promise<void> {
      const before = await requireBudget(orgId, budgetId);
      await authz.require(p, 'budget:delete', budgetResource(orgId, before.workspace_id, before.id, before.name));
      await db.transaction().execute(async (t) => {
        const row = await store.deleteBudget(t, orgId, budgetId, expectedVersion);
        if (!row) throw expectedVersion === undefined ? problems.notFound('budget', budgetId) : problems.preconditionFailed();
        await recordAudit(t, p, { action: 'budget:delete', orgId, workspaceId: row.workspace_id, target: { type: 'budget', id: row.id, name: row.name }, before: budgetView(row) });
      });
    },

    async status(p: Principal, orgId: string, budgetId: string): Promise<BudgetStatusView> {
      const row = await requireBudget(orgId, budgetId);
      await authz.require(p, 'budget:read', budgetResource(orgId, row.workspace_id, row.id, row.name));
      const calendar = await orgCalendar(orgId);
      const s = await standing(row, calendar.timeZone, clock.now());
      return statusView(row, s, calendar, await store.alertsOf(db, orgId, row.id, s.period.startDate));
    },

    /** "Evaluate now" from the console or CLI: alerts what crossed, and says so in the audit log. */
    async evaluate(p: Principal, orgId: string, budgetId: string): Promise<BudgetStatusView> {
      const row = await requireBudget(orgId, budgetId);
      await authz.require(p, 'budget:evaluate', budgetResource(orgId, row.workspace_id, row.id, row.name));
      const calendar = await orgCalendar(orgId);
      const { alerts, standing: s } = await evaluateBudget(row, calendar);
      await recordAudit(db, p, { action: 'budget:evaluate', orgId, workspaceId: row.workspace_id, target: { type: 'budget', id: row.id, name: row.name }, after: { periodStart: s.period.startDate, actual: formatMicros(s.actualMicros), alertsSent: alerts } });
      return statusView(row, s, calendar, await store.alertsOf(db, orgId, row.id, s.period.startDate));
    },

    /** The worker's pass over one organization's budgets; returns the alerts sent. */
    async evaluateOrg(orgId: string): Promise<number> {
      const calendar = await orgCalendar(orgId);
      let sent = 0;
      let after: string | null = null;
      for (;;) {
        const rows = await store.listBudgets(db, orgId, { after, limit: 200 });
        for (const row of rows.slice(0, 200)) sent += (await evaluateBudget(row, calendar)).alerts;
        if (rows.length <= 200) return sent;
        after = rows[199]!.id;
      }
    },

    /** What new workloads in a workspace (project, labels) may do under its budgets. */
    async decision(p: Principal, orgId: string, query: { workspaceId: string; projectId?: string | undefined; labels?: string | undefined }): Promise<BudgetDecisionView> {
      await authz.require(p, 'budget:read', budgetResource(orgId, query.workspaceId, null));
      const workload = { projectId: query.projectId ?? null, labels: parseLabelList(query.labels) };
      const calendar = await orgCalendar(orgId);
      const now = clock.now();
      const budgets = [];
      for (const row of await store.budgetsOfWorkspace(db, orgId, query.workspaceId)) {
        if (!budgetCovers(row, workload)) continue;
        const s = await standing(row, calendar.timeZone, now);
        budgets.push({ budgetId: row.id, name: row.name, decision: budgetDecision(row.on_exceeded, s), actualPercent: percentOf(s.actualMicros, s.amountMicros) });
      }
      return { decision: strictestDecision(budgets.map((b) => b.decision)), budgets };
    },

    /** What quota the rest of the budget buys at the org's current prices. */
    async quotaEstimate(p: Principal, orgId: string, budgetId: string, memoryGibPerCore: number): Promise<QuotaEstimateView> {
      const row = await requireBudget(orgId, budgetId);
      await authz.require(p, 'budget:read', budgetResource(orgId, row.workspace_id, row.id, row.name));
      const prices = await ports.unitPrices(db, orgId);
      if (!prices) throw problems.unprocessable('no-prices', 'The organization has no price catalog in effect; import one first.');
      const calendar = await orgCalendar(orgId);
      const now = clock.now();
      const s = await standing(row, calendar.timeZone, now);
      const hoursLeft = Math.max(0, (s.period.end.getTime() - now.getTime()) / 3_600_000);
      const estimate = quotaForBudget(s.amountMicros - s.actualMicros, hoursLeft, prices, memoryGibPerCore);
      return {
        budgetId: row.id,
        remaining: formatMicros(estimate.remainingMicros),
        hoursLeft: Number(hoursLeft.toFixed(2)),
        prices: { cpuHour: formatMicros(prices.cpuHourMicros), memoryGibHour: formatMicros(prices.memoryGibHourMicros) },
        cpuCores: estimate.cpuCores,
        memoryGib: estimate.memoryGib,
        balanced: { ...estimate.balanced, memoryGibPerCore },
      };
    },
  };
}

/**
 * The burn-down: cumulative actual spend for the complete days, then the forecast's cumulative
 * band (point, low, high) from today to the period's end.
 */
export function burndown(s: Standing): BudgetStatusView['burndown'] {
  const ahead = new Map(s.forecast.days.map((d) => [d.date, d]));
  const out: BudgetStatusView['burndown'] = [];
  let cumulative = 0n;
  for (const day of s.period.days) {
    const f = ahead.get(day);
    if (f) {
      // Today (the first forecast day) also carries the spend so far, so the actual line reaches it.
      const actual = day === s.forecast.days[0]?.date ? formatMicros(s.actualMicros) : null;
      out.push({ day, actual, forecast: formatMicros(f.cumulativeMicros), low: formatMicros(f.lowerMicros), high: formatMicros(f.upperMicros) });
      continue;
    }
    cumulative += s.daily.get(day) ?? 0n;
    out.push({ day, actual: formatMicros(cumulative), forecast: null, low: null, high: null });
  }
  return out;
}
