import { TZDate } from '@date-fns/tz';
import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { sha256Hex } from '../../kernel/crypto.ts';
import { isUniqueViolation } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { compileTagRules, FocusFormatError, parseFocusCsv, writeFocusCsv, type CostColumn, type FocusBill, type FocusExportRow, type TagRule } from './focus.ts';
import * as store from './focus-store.ts';
import type { CreateFocusRuleInput, FocusImportView, FocusRuleView, UpdateFocusRuleInput } from './focus-schemas.ts';
import type { CostService } from './service.ts';

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const orgResource = (orgId: string, type: string): Resource => ({ type, id: null, orgId });

export function ruleView(row: store.RuleRow): FocusRuleView {
  return {
    id: row.id,
    orgId: row.org_id,
    position: row.position,
    tagKey: row.tag_key,
    value: row.value,
    pattern: row.pattern,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function importView(row: store.ImportRow): FocusImportView {
  const opt = (d: Date | null) => (d ? iso(d) : null);
  return {
    id: row.id,
    orgId: row.org_id,
    sha256: row.sha256,
    currency: row.currency,
    costColumn: row.cost_column,
    billingPeriodStart: opt(row.billing_period_start),
    billingPeriodEnd: opt(row.billing_period_end),
    chargePeriodStart: opt(row.charge_period_start),
    chargePeriodEnd: opt(row.charge_period_end),
    rowCount: row.row_count,
    billedTotal: Number(row.billed_total),
    effectiveTotal: Number(row.effective_total),
    allocatedAt: iso(row.allocated_at),
    createdAt: iso(row.created_at),
  };
}

const tagRuleOf = (r: store.RuleRow): TagRule => ({
  tagKey: r.tag_key,
  ...(r.value !== null ? { value: r.value } : {}),
  ...(r.pattern !== null ? { pattern: r.pattern } : {}),
  workspaceId: r.workspace_id,
  projectId: r.project_id,
});

/** A bill that is not FOCUS: 400 with every issue's line and column; nothing is stored. */
function formatProblem(error: FocusFormatError): Problem {
  return new Problem(400, 'invalid-focus-bill', 'Bad request', `The bill is not valid FOCUS: ${error.message}`, {
    field: 'csv',
    errors: error.issues.map((i) => ({ field: 'csv', line: i.line, column: i.column, message: i.message })),
  });
}

const minIso = (values: string[]) => (values.length ? values.reduce((a, b) => (a < b ? a : b)) : null);
const maxIso = (values: string[]) => (values.length ? values.reduce((a, b) => (a > b ? a : b)) : null);

export type FocusService = ReturnType<typeof createFocusService>;

export function createFocusService(deps: ModuleDeps, cost: CostService) {
  const { db, authz } = deps;
  const system = (orgId: string) => newPrincipal({ kind: 'system', id: 'system', displayName: 'Hexaplane cost', orgId });

  async function organization(orgId: string) {
    const org = await deps.services.tenancy.findOrganization(orgId);
    if (!org) throw problems.notFound('organization', orgId);
    return org;
  }

  /** The workspace exists in the org and the project (if any) belongs to it; 422 naming the field otherwise. */
  async function checkTarget(orgId: string, workspaceId: string, projectId: string | null) {
    const p = system(orgId);
    try {
      await deps.services.tenancy.getWorkspace(p, orgId, workspaceId);
    } catch (error) {
      if (error instanceof Problem && error.status === 404) throw problems.unprocessable('unknown-workspace', `No workspace ${workspaceId} in this organization.`, 'workspaceId');
      throw error;
    }
    if (projectId === null) return;
    let project: { workspaceId: string };
    try {
      project = await deps.services.tenancy.getProject(p, orgId, projectId);
    } catch (error) {
      if (error instanceof Problem && error.status === 404) throw problems.unprocessable('unknown-project', `No project ${projectId} in this organization.`, 'projectId');
      throw error;
    }
    if (project.workspaceId !== workspaceId) throw problems.unprocessable('project-not-in-workspace', `Project ${projectId} is not in workspace ${workspaceId}.`, 'projectId');
  }

  function checkMatcher(value: string | null, pattern: string | null) {
    if (value !== null && pattern !== null) throw problems.badRequest('value-and-pattern', 'Give `value` or `pattern`, not both.', 'pattern');
    if (pattern !== null) {
      try {
        compileTagRules([{ tagKey: 'k', pattern, workspaceId: 'w' }]);
      } catch (error) {
        throw problems.badRequest('invalid-pattern', `\`pattern\` is not a valid regular expression: ${(error as Error).message.replace(/^rule 0: /, '')}`, 'pattern');
      }
    }
  }

  async function requireRule(orgId: string, id: string) {
    const row = await store.findRule(db, orgId, id);
    if (!row) throw problems.notFound('FOCUS rule', id);
    return row;
  }

  async function requireImport(orgId: string, id: string) {
    const row = await store.findImport(db, orgId, id);
    if (!row) throw problems.notFound('FOCUS import', id);
    return row;
  }

  /** Applies the org's rules (in order, first match wins) to every line of an import. */
  async function applyRules(t: typeof db, orgId: string, importId: string): Promise<void> {
    const rules = await store.listRules(t, orgId);
    const match = compileTagRules(rules.map(tagRuleOf));
    const lines = await store.linesOf(t, orgId, importId);
    const groups = new Map<number, number[]>();
    for (const l of lines) {
      const index = match(l.tags);
      groups.set(index, [...(groups.get(index) ?? []), l.line]);
    }
    for (const [index, numbers] of groups) {
      const rule = rules[index];
      await store.assignLines(t, orgId, importId, numbers, rule ? { workspace_id: rule.workspace_id, project_id: rule.project_id, rule_id: rule.id } : { workspace_id: null, project_id: null, rule_id: null });
    }
  }

  /** The import with its allocation: Σ byTarget + unallocated = total, exactly (bigint sums). */
  async function withSummary(row: store.ImportRow): Promise<FocusImportView> {
    const column = row.cost_column === 'BilledCost' ? 'billed_cost' : 'effective_cost';
    const rows = await store.summaryOf(db, row.org_id, row.id, column);
    let total = 0n;
    const unallocated = { cost: 0, lines: 0 };
    const byTarget: NonNullable<FocusImportView['allocation']>['byTarget'] = [];
    for (const r of rows) {
      total += BigInt(r.cost);
      if (r.workspace_id === null) {
        unallocated.cost = Number(r.cost);
        unallocated.lines = Number(r.lines);
      } else byTarget.push({ workspaceId: r.workspace_id, projectId: r.project_id, cost: Number(r.cost), lines: Number(r.lines) });
    }
    return { ...importView(row), allocation: { total: Number(total), byTarget, unallocated } };
  }

  function parsed(csv: string): FocusBill {
    try {
      return parseFocusCsv(csv);
    } catch (error) {
      if (error instanceof FocusFormatError) throw formatProblem(error);
      throw error;
    }
  }

  /** Day boundaries of a local day (`YYYY-MM-DD`) in the org time zone, as UTC instants. */
  function dayWindow(day: string, timeZone: string): { start: string; end: string } {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    return { start: new TZDate(y, m - 1, d, timeZone).toISOString(), end: new TZDate(y, m - 1, d + 1, timeZone).toISOString() };
  }

  return {
    // ---- rules ----

    async listRules(p: Principal, orgId: string): Promise<{ items: FocusRuleView[] }> {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-focus-rule'));
      return { items: (await store.listRules(db, orgId)).map(ruleView) };
    },

    async getRule(p: Principal, orgId: string, id: string): Promise<FocusRuleView> {
      await authz.require(p, 'cost:read', { type: 'cost-focus-rule', id, orgId });
      return ruleView(await requireRule(orgId, id));
    },

    async createRule(p: Principal, orgId: string, input: CreateFocusRuleInput): Promise<FocusRuleView> {
      await authz.require(p, 'cost:configure', orgResource(orgId, 'cost-focus-rule'));
      checkMatcher(input.value ?? null, input.pattern ?? null);
      await checkTarget(orgId, input.workspaceId, input.projectId ?? null);
      return db.transaction().execute(async (t) => {
        const row = await store.insertRule(t, {
          id: newId('costFocusRule'),
          org_id: orgId,
          position: input.position ?? (await store.nextPosition(t, orgId)),
          tag_key: input.tagKey,
          value: input.value ?? null,
          pattern: input.pattern ?? null,
          workspace_id: input.workspaceId,
          project_id: input.projectId ?? null,
        });
        const view = ruleView(row);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-focus-rule', id: row.id }, after: view });
        return view;
      });
    },

    async updateRule(p: Principal, orgId: string, id: string, expectedVersion: number | undefined, input: UpdateFocusRuleInput): Promise<FocusRuleView> {
      await authz.require(p, 'cost:configure', { type: 'cost-focus-rule', id, orgId });
      const before = await requireRule(orgId, id);
      // Giving one of value/pattern replaces the other: a rule matches one way.
      const value = input.value !== undefined ? input.value : input.pattern !== undefined ? null : before.value;
      const pattern = input.pattern !== undefined ? input.pattern : input.value !== undefined ? null : before.pattern;
      checkMatcher(value, pattern);
      const workspaceId = input.workspaceId ?? before.workspace_id;
      const projectId = input.projectId !== undefined ? input.projectId : input.workspaceId !== undefined && input.workspaceId !== before.workspace_id ? null : before.project_id;
      await checkTarget(orgId, workspaceId, projectId);
      return db.transaction().execute(async (t) => {
        const row = await store.updateRule(t, orgId, id, expectedVersion, {
          ...(input.position !== undefined ? { position: input.position } : {}),
          ...(input.tagKey !== undefined ? { tag_key: input.tagKey } : {}),
          value,
          pattern,
          workspace_id: workspaceId,
          project_id: projectId,
        });
        if (!row) throw (await store.findRule(t, orgId, id)) ? problems.preconditionFailed() : problems.notFound('FOCUS rule', id);
        const view = ruleView(row);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-focus-rule', id }, before: ruleView(before), after: view });
        return view;
      });
    },

    async deleteRule(p: Principal, orgId: string, id: string, expectedVersion: number | undefined): Promise<void> {
      await authz.require(p, 'cost:configure', { type: 'cost-focus-rule', id, orgId });
      await requireRule(orgId, id);
      await db.transaction().execute(async (t) => {
        const row = await store.deleteRule(t, orgId, id, expectedVersion);
        if (!row) throw (await store.findRule(t, orgId, id)) ? problems.preconditionFailed() : problems.notFound('FOCUS rule', id);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-focus-rule', id }, before: ruleView(row) });
      });
    },

    // ---- imports ----

    /**
     * Imports a bill all or nothing and allocates it with the current rules. The same file
     * (same SHA-256) is refused with 409 naming the existing import: re-importing must not
     * double the cost; change rules and POST …/reallocate instead.
     */
    async importBill(p: Principal, orgId: string, input: { csv: string; costColumn: CostColumn }): Promise<FocusImportView> {
      await authz.require(p, 'cost:configure', orgResource(orgId, 'cost-focus-import'));
      const bill = parsed(input.csv);
      const org = await organization(orgId);
      if (bill.currency !== null && bill.currency !== org.currency) {
        throw new Problem(422, 'currency-mismatch', 'Unprocessable request', `The bill is in ${bill.currency}; this organization's currency is ${org.currency}.`, {
          field: 'csv',
          errors: [{ field: 'csv', line: bill.lines[0]!.line, column: 'BillingCurrency', message: `is ${bill.currency}, not ${org.currency}` }].map((e) => e),
        });
      }
      const sha256 = sha256Hex(input.csv);
      const existing = await store.findImportBySha(db, orgId, sha256);
      if (existing) throw new Problem(409, 'focus-bill-imported', 'Conflict', `This file was imported already as ${existing.id}; reallocate it instead.`, { field: 'csv', importId: existing.id });
      const id = newId('costFocusImport');
      try {
        const row = await db.transaction().execute(async (t) => {
          const starts = bill.lines.map((l) => l.chargePeriodStart);
          const ends = bill.lines.map((l) => l.chargePeriodEnd);
          const imported = await store.insertImport(t, {
            id,
            org_id: orgId,
            sha256,
            currency: bill.currency ?? org.currency,
            cost_column: input.costColumn,
            billing_period_start: minIso(bill.lines.map((l) => l.billingPeriodStart)) as unknown as Date | null,
            billing_period_end: maxIso(bill.lines.map((l) => l.billingPeriodEnd)) as unknown as Date | null,
            charge_period_start: minIso(starts) as unknown as Date | null,
            charge_period_end: maxIso(ends) as unknown as Date | null,
            row_count: bill.lines.length,
            billed_total: bill.billedTotalMicros.toString(),
            effective_total: bill.effectiveTotalMicros.toString(),
          });
          await store.insertLines(
            t,
            bill.lines.map((l) => ({
              org_id: orgId,
              import_id: id,
              line: l.line,
              charge_period_start: new Date(l.chargePeriodStart),
              charge_period_end: new Date(l.chargePeriodEnd),
              charge_category: l.chargeCategory,
              service_name: l.serviceName,
              provider_name: l.providerName,
              resource_id: l.resourceId,
              billed_cost: l.billedCostMicros,
              effective_cost: l.effectiveCostMicros,
              tags: l.tags,
              workspace_id: null,
              project_id: null,
              rule_id: null,
            })),
          );
          await applyRules(t, orgId, id);
          await recordAudit(t, p, {
            action: 'cost:configure',
            orgId,
            target: { type: 'cost-focus-import', id },
            after: { sha256, rows: bill.lines.length, currency: imported.currency, costColumn: input.costColumn, billedTotal: bill.billedTotalMicros.toString(), effectiveTotal: bill.effectiveTotalMicros.toString() },
          });
          return imported;
        });
        return withSummary(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw new Problem(409, 'focus-bill-imported', 'Conflict', 'This file was imported already; reallocate it instead.', { field: 'csv' });
        throw error;
      }
    },

    async listImports(p: Principal, orgId: string, query: PageQuery): Promise<Page<FocusImportView>> {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-focus-import'));
      return toPage((await store.listImports(db, orgId, decodeCursor(query.cursor), query.limit)).map(importView), query.limit);
    },

    async getImport(p: Principal, orgId: string, id: string): Promise<FocusImportView> {
      await authz.require(p, 'cost:read', { type: 'cost-focus-import', id, orgId });
      return withSummary(await requireImport(orgId, id));
    },

    /** Re-applies the current rules to an import's lines (after rules changed). */
    async reallocate(p: Principal, orgId: string, id: string): Promise<FocusImportView> {
      await authz.require(p, 'cost:configure', { type: 'cost-focus-import', id, orgId });
      await requireImport(orgId, id);
      const before = await withSummary(await requireImport(orgId, id));
      await db.transaction().execute(async (t) => {
        await applyRules(t, orgId, id);
        await store.touchImport(t, orgId, id);
        const after = await store.summaryOf(t, orgId, id, before.costColumn === 'BilledCost' ? 'billed_cost' : 'effective_cost');
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-focus-import', id }, before: before.allocation, after: { targets: after } });
      });
      return withSummary(await requireImport(orgId, id));
    },

    // ---- export ----

    /**
     * Hexaplane's own allocation of [from, to) as FOCUS: one row per local day and workspace
     * (idle and shared cost included as the allocation spreads them), workspace in the tags.
     */
    async exportFocus(p: Principal, orgId: string, window: { from: string; to: string }): Promise<string> {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-allocation'));
      const org = await organization(orgId);
      const spend = await cost.spend(orgId, { from: new Date(window.from), to: new Date(window.to), groupBy: 'workspace' });
      const names = new Map(spend.groups.map((g) => [g.key, g.name]));
      const rows: FocusExportRow[] = [];
      for (const day of spend.days) {
        const { start, end } = dayWindow(day.day, spend.timeZone);
        for (const [key, micros] of Object.entries(day.groups)) {
          if (micros === 0) continue;
          const isWorkspace = key.startsWith('ws_');
          rows.push({
            billingPeriodStart: iso(window.from),
            billingPeriodEnd: iso(window.to),
            chargePeriodStart: start,
            chargePeriodEnd: end,
            costMicros: BigInt(micros),
            currency: spend.currency,
            serviceName: isWorkspace ? 'Kubernetes workloads' : `Kubernetes ${key}`,
            serviceCategory: 'Compute',
            workspaceId: isWorkspace ? key : null,
            workspaceName: isWorkspace ? (names.get(key) ?? null) : null,
            ...(isWorkspace ? {} : { chargeDescription: `Hexaplane ${key} cost` }),
          });
        }
      }
      return writeFocusCsv(rows, { id: org.id, name: org.name });
    },
  };
}
