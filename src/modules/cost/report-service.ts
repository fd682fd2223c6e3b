import { TZDate } from '@date-fns/tz';
import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { isUniqueViolation } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { sendEmail } from '../integrations/index.ts';
import { IDLE, UNALLOCATED } from './allocate.ts';
import type { SpendByWorkspace } from './contract-service.ts';
import { buildReport, dayWindow, parseMonth, previousMonth, reportCsv, reportForUnit, trendMonths, type CostReport, type ReportWindow } from './report.ts';
import { renderReportPdf } from './report-pdf.ts';
import type { CreateScheduleInput, ReportQuery, ScheduleView, SendResult, UpdateScheduleInput } from './report-schemas.ts';
import * as store from './report-store.ts';

/**
 * Cost allocation reports (issue 5, item 6): the report of a period by business unit, project
 * and label with the three months before as a trend, as JSON, CSV or PDF; and schedules that
 * e-mail the previous month's report once per month.
 */

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const reportResource = (orgId: string): Resource => ({ type: 'cost-report', id: null, orgId });
const scheduleResource = (orgId: string, id: string | null, name?: string): Resource => ({ type: 'report-schedule', id, orgId, ...(name ? { attrs: { name } } : {}) });

/** The attachment of a report in a format. */
export async function reportAttachment(report: CostReport, format: 'pdf' | 'csv'): Promise<{ filename: string; content: Buffer | string; contentType: string }> {
  const stem = `cost-report-${report.period.month ?? report.period.start}`;
  return format === 'pdf'
    ? { filename: `${stem}.pdf`, content: await renderReportPdf(report), contentType: 'application/pdf' }
    : { filename: `${stem}.csv`, content: reportCsv(report), contentType: 'text/csv; charset=utf-8' };
}

export type ReportService = ReturnType<typeof createReportService>;

export function createReportService(deps: ModuleDeps, spend: SpendByWorkspace) {
  const { db, authz, clock } = deps;
  const system = (orgId: string) => newPrincipal({ kind: 'system', id: 'system', displayName: 'Hexaplane reports', orgId });

  async function organization(orgId: string) {
    const org = await deps.services.tenancy.findOrganization(orgId);
    if (!org) throw problems.notFound('organization', orgId);
    return org;
  }

  /** The report of a window: three allocations of the period, one per trend month. No authorization. */
  async function build(orgId: string, window: ReportWindow, labelKey: string | null): Promise<CostReport> {
    const org = await organization(orgId);
    const range = { from: window.start, to: window.end };
    const [byUnit, byProject, byLabel, ...trend] = await Promise.all([
      spend(orgId, { ...range, groupBy: 'workspace' }),
      spend(orgId, { ...range, groupBy: 'project' }),
      labelKey ? spend(orgId, { ...range, groupBy: `label:${labelKey}` }) : Promise.resolve(null),
      ...trendMonths(window, org.timeZone).map(async (month) => ({ window: month, spend: await spend(orgId, { from: month.start, to: month.end, groupBy: 'workspace' }) })),
    ]);
    return buildReport({
      orgId,
      orgName: org.name,
      currency: byUnit.currency,
      timeZone: org.timeZone,
      labelKey,
      window,
      closed: window.end <= clock.now(),
      total: byUnit.total,
      byUnit: byUnit.groups,
      byProject: byProject.groups,
      byLabel: byLabel ? byLabel.groups : null,
      trend: trend.map((t) => ({ window: t.window, total: t.spend.total, byUnit: t.spend.groups })),
      generatedAt: clock.now(),
    });
  }

  function windowOf(query: ReportQuery, timeZone: string): ReportWindow {
    if (query.from && query.to) return dayWindow(query.from, query.to, timeZone);
    return query.period ? parseMonth(query.period, timeZone) : previousMonth(clock.now(), timeZone);
  }

  async function requireSchedule(orgId: string, id: string): Promise<store.ScheduleRow> {
    const row = await store.findSchedule(db, orgId, id);
    if (!row) throw problems.notFound('report-schedule', id);
    return row;
  }

  function duplicateName(error: unknown, name: string | undefined): never {
    if (isUniqueViolation(error)) throw problems.conflict('name-taken', `A report schedule named ${name ?? ''} exists.`, 'name');
    throw error;
  }

  async function view(row: store.ScheduleRow, timeZone?: string): Promise<ScheduleView> {
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      format: row.format,
      label: row.label_key,
      recipients: row.recipients,
      emails: row.emails,
      dayOfMonth: row.day_of_month,
      timeZone: timeZone ?? (await organization(row.org_id)).timeZone,
      enabled: row.enabled,
      lastSentPeriod: await store.lastSentPeriod(db, row.org_id, row.id),
      version: row.version,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  /** The e-mail addresses of a business unit's managers: active users bound to workspace-admin on it. */
  async function managersOf(orgId: string, workspaceId: string): Promise<string[]> {
    const bindings = await deps.services.access.listBindings(system(orgId), orgId, { scopeId: workspaceId, roleId: 'workspace-admin', limit: 100 });
    const userIds = bindings.items.filter((b) => b.subject.type === 'user' && b.scope.type === 'workspace' && b.scope.id === workspaceId).map((b) => b.subject.id);
    if (userIds.length === 0) return [];
    const users = await deps.services.identity.findUsers(userIds);
    return users.filter((u) => u.status === 'active').map((u) => u.email).sort();
  }

  /**
   * E-mails one month's report for a schedule: with `managers`, each business unit's managers
   * get their unit's report (the other units left out); the listed addresses get the whole one.
   */
  async function deliver(row: store.ScheduleRow, window: ReportWindow): Promise<SendResult> {
    const report = await build(row.org_id, window, row.label_key);
    const period = window.month ?? window.startDate;
    const messages: SendResult['messages'] = [];
    const skipped: SendResult['skipped'] = [];
    const send = async (to: string[], unit: string | null, r: CostReport) => {
      const attachment = await reportAttachment(r, row.format);
      const scope = unit ? ` for ${r.businessUnits[0]?.name ?? unit}` : '';
      await sendEmail(deps.config, {
        to,
        subject: `Cost report ${period}${scope} (${r.orgName})`,
        text: `The cost allocation report of ${r.orgName} for ${period}${scope} is attached (${row.name}).\n\nTotal of the organization: ${r.total} ${r.currency}.\n`,
        attachments: [attachment],
      });
      messages.push({ to, unit, attachment: attachment.filename });
    };
    if (row.recipients === 'managers') {
      for (const unit of report.businessUnits) {
        if (unit.key === UNALLOCATED || unit.key === IDLE) continue;
        const to = await managersOf(row.org_id, unit.key);
        if (to.length === 0) skipped.push({ unit: unit.key, reason: 'no workspace admin with an e-mail' });
        else await send(to, unit.key, reportForUnit(report, unit.key));
      }
    }
    if (row.emails.length > 0) await send(row.emails, null, report);
    return { period, messages, skipped };
  }

  /** The local day of the month now in the zone. */
  function localDay(timeZone: string): number {
    return new TZDate(clock.now().getTime(), timeZone).getDate();
  }

  async function sendIfDue(row: store.ScheduleRow): Promise<number> {
    const org = await deps.services.tenancy.findOrganization(row.org_id);
    if (!org || localDay(org.timeZone) < row.day_of_month) return 0;
    const window = previousMonth(clock.now(), org.timeZone);
    const period = window.month!;
    if (!(await store.claimDelivery(db, row.org_id, row.id, period))) return 0;
    try {
      const result = await deliver(row, window);
      await db.transaction().execute(async (t) => {
        await store.recordDelivery(t, row.org_id, row.id, period, result.messages.length);
        await recordAudit(t, system(row.org_id), { action: 'report:send', orgId: row.org_id, target: { type: 'report-schedule', id: row.id, name: row.name }, after: { period, messages: result.messages.length, skipped: result.skipped.length, scheduled: true } });
      });
      return result.messages.length;
    } catch (error) {
      await store.releaseDelivery(db, row.org_id, row.id, period);
      throw error;
    }
  }

  return {
    async report(p: Principal, orgId: string, query: ReportQuery): Promise<CostReport> {
      await authz.require(p, 'report:read', reportResource(orgId));
      const org = await organization(orgId);
      return build(orgId, windowOf(query, org.timeZone), query.label ?? null);
    },

    async list(p: Principal, orgId: string, query: PageQuery): Promise<Page<ScheduleView>> {
      await authz.require(p, 'report:read', scheduleResource(orgId, null));
      const { timeZone } = await organization(orgId);
      const page = toPage(await store.listSchedules(db, orgId, decodeCursor(query.cursor), query.limit), query.limit);
      return { items: await Promise.all(page.items.map((row) => view(row, timeZone))), nextCursor: page.nextCursor };
    },

    async get(p: Principal, orgId: string, id: string): Promise<ScheduleView> {
      const row = await requireSchedule(orgId, id);
      await authz.require(p, 'report:read', scheduleResource(orgId, id, row.name));
      return view(row);
    },

    async create(p: Principal, orgId: string, input: CreateScheduleInput): Promise<ScheduleView> {
      await authz.require(p, 'report:create', scheduleResource(orgId, null, input.name));
      const { timeZone } = await organization(orgId);
      return db.transaction().execute(async (t) => {
        const row = await store
          .insertSchedule(t, {
            id: newId('reportSchedule'),
            org_id: orgId,
            name: input.name,
            format: input.format,
            label_key: input.label,
            recipients: input.recipients,
            emails: input.emails,
            day_of_month: input.dayOfMonth,
            enabled: input.enabled,
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        const after = await view(row, timeZone);
        await recordAudit(t, p, { action: 'report:create', orgId, target: { type: 'report-schedule', id: row.id, name: row.name }, after });
        return after;
      });
    },

    async update(p: Principal, orgId: string, id: string, expectedVersion: number | undefined, input: UpdateScheduleInput): Promise<ScheduleView> {
      const before = await requireSchedule(orgId, id);
      await authz.require(p, 'report:update', scheduleResource(orgId, id, before.name));
      const recipients = input.recipients ?? before.recipients;
      const emails = input.emails ?? before.emails;
      if (recipients === 'emails' && emails.length === 0) throw problems.unprocessable('no-recipients', 'With recipients "emails", list at least one address.', 'emails');
      const { timeZone } = await organization(orgId);
      return db.transaction().execute(async (t) => {
        const row = await store
          .updateSchedule(t, orgId, id, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.format !== undefined ? { format: input.format } : {}),
            ...(input.label !== undefined ? { label_key: input.label } : {}),
            ...(input.recipients !== undefined ? { recipients: input.recipients } : {}),
            ...(input.emails !== undefined ? { emails: input.emails } : {}),
            ...(input.dayOfMonth !== undefined ? { day_of_month: input.dayOfMonth } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        if (!row) throw expectedVersion === undefined ? problems.notFound('report-schedule', id) : problems.preconditionFailed();
        const after = await view(row, timeZone);
        await recordAudit(t, p, { action: 'report:update', orgId, target: { type: 'report-schedule', id, name: row.name }, before: await view(before, timeZone), after });
        return after;
      });
    },

    async remove(p: Principal, orgId: string, id: string, expectedVersion: number | undefined): Promise<void> {
      const before = await requireSchedule(orgId, id);
      await authz.require(p, 'report:delete', scheduleResource(orgId, id, before.name));
      const beforeView = await view(before);
      await db.transaction().execute(async (t) => {
        const row = await store.deleteSchedule(t, orgId, id, expectedVersion);
        if (!row) throw expectedVersion === undefined ? problems.notFound('report-schedule', id) : problems.preconditionFailed();
        await recordAudit(t, p, { action: 'report:delete', orgId, target: { type: 'report-schedule', id, name: row.name }, before: beforeView });
      });
    },

    /** Sends a month's report now (default: the last complete month), whether or not it was sent before. */
    async sendNow(p: Principal, orgId: string, id: string, month: string | undefined): Promise<SendResult> {
      const row = await requireSchedule(orgId, id);
      await authz.require(p, 'report:send', scheduleResource(orgId, id, row.name));
      const { timeZone } = await organization(orgId);
      const window = month ? parseMonth(month, timeZone) : previousMonth(clock.now(), timeZone);
      if (window.start >= clock.now()) throw problems.unprocessable('period-not-started', `The month ${window.month ?? ''} has not started yet.`, 'period');
      const result = await deliver(row, window).catch((error: unknown) => {
        throw problems.unprocessable('email-failed', error instanceof Error ? error.message : 'sending the report failed', 'period');
      });
      await db.transaction().execute(async (t) => {
        await recordAudit(t, p, { action: 'report:send', orgId, target: { type: 'report-schedule', id, name: row.name }, after: { period: result.period, messages: result.messages.length, skipped: result.skipped.length } });
      });
      return result;
    },

    /**
     * The worker's pass: every enabled schedule whose day has come (in its organization's zone)
     * sends the previous month once — the delivery row is claimed first, given back on failure.
     * Returns the e-mails sent.
     */
    async sendDue(): Promise<number> {
      let sent = 0;
      let after: string | null = null;
      for (;;) {
        const rows = await store.enabledSchedules(db, after, 100);
        for (const row of rows) {
          sent += await sendIfDue(row).catch((error: unknown) => {
            deps.log.error({ err: error, orgId: row.org_id, scheduleId: row.id }, 'scheduled cost report failed');
            return 0;
          });
        }
        if (rows.length < 100) return sent;
        after = rows[rows.length - 1]!.id;
      }
    },
  };
}
