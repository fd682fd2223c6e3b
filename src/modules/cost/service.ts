import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { sealSecret, openSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { EgressRefused, egressProblem } from '../../kernel/egress.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { buildAllocation, cutsFor, WORKSPACE_LABEL, type Directory } from './allocation-input.ts';
import { amortisedRates, CsvError, pricesFromCsv, pricesToCsv, versionAt, type PriceVersion } from './prices.ts';
import { capacityOf, hourChunks, HOUR_MS, labelsQuery, matrixOf, podLabelsOf, podSeriesOf, usageQueries, type MatrixSeries, type QueryName } from './promql.ts';
import {
  costSettingsSchema,
  type AllocationQuery,
  type AllocationView,
  type CollectResult,
  type CostSettings,
  type CreatePriceInput,
  type CreateSourceInput,
  type PriceView,
  type PushUsageInput,
  type SourceView,
  type UpdatePriceInput,
  type UpdateSourceInput,
} from './schemas.ts';
import { addBillCosts } from './focus-allocation.ts';
import * as focusStore from './focus-store.ts';
import * as store from './store.ts';

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const TOKEN_AAD = (sourceId: string) => `cost-source:${sourceId}`;

export function priceView(row: store.PriceRow): PriceView {
  return {
    id: row.id,
    orgId: row.org_id,
    provider: row.provider,
    region: row.region,
    effectiveFrom: iso(row.effective_from),
    currency: row.currency,
    kind: row.kind,
    rates: {
      cpuCoreHour: Number(row.cpu_core_hour),
      memoryGibHour: Number(row.memory_gib_hour),
      storageGibMonth: Number(row.storage_gib_month),
      gpuHour: Number(row.gpu_hour),
      egressGib: Number(row.egress_gib),
    },
    discountBp: row.discount_bp,
    amortisation: row.amortisation,
    note: row.note,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function priceVersionOf(row: store.PriceRow): PriceVersion {
  const v = priceView(row);
  return { provider: v.provider, region: v.region, effectiveFrom: new Date(v.effectiveFrom), currency: v.currency, kind: v.kind, rates: v.rates, discountBp: v.discountBp, note: v.note };
}

export function sourceView(row: store.SourceRow): SourceView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    cluster: row.cluster,
    url: row.url,
    provider: row.provider,
    region: row.region,
    hasBearerToken: row.bearer_token !== null,
    collectedUntil: row.collected_until ? iso(row.collected_until) : null,
    lastRun: row.last_run,
    version: row.version,
    createdAt: iso(row.created_at),
  };
}

const orgResource = (orgId: string, type = 'cost'): Resource => ({ type, id: null, orgId });
const priceResource = (orgId: string, id: string): Resource => ({ type: 'cost-price', id, orgId });
const sourceResource = (orgId: string, id: string): Resource => ({ type: 'cost-source', id, orgId });

export const defaultSettings = (): CostSettings => costSettingsSchema.parse({});

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** A day-by-day spend series per group: what budgets and reports read. */
export interface Spend {
  currency: string;
  timeZone: string;
  total: number;
  groups: AllocationView['groups'];
  days: Array<{ day: string; total: number; groups: Record<string, number> }>;
}

export type CostService = ReturnType<typeof createCostService>;

export function createCostService(deps: ModuleDeps) {
  const { db, authz, keys, clock } = deps;
  const system = (orgId: string) => newPrincipal({ kind: 'system', id: 'system', displayName: 'Hexaplane cost', orgId });

  async function organization(orgId: string) {
    const org = await deps.services.tenancy.findOrganization(orgId);
    if (!org) throw problems.notFound('organization', orgId);
    return org;
  }

  /** Rates from the body: list prices as given; on-prem compute amortised from its inputs. */
  function ratesOf(input: CreatePriceInput) {
    const given = input.rates ?? {};
    if (input.kind === 'on-prem') {
      if (!input.amortisation && (given.cpuCoreHour === undefined || given.memoryGibHour === undefined)) {
        throw problems.badRequest('amortisation-required', 'On-premises prices need `amortisation` (or explicit CPU and memory rates).', 'amortisation');
      }
      const a = input.amortisation ? amortisedRates(input.amortisation) : { cpuCoreHour: given.cpuCoreHour!, memoryGibHour: given.memoryGibHour! };
      return { cpuCoreHour: a.cpuCoreHour, memoryGibHour: a.memoryGibHour, storageGibMonth: given.storageGibMonth ?? 0, gpuHour: given.gpuHour ?? 0, egressGib: given.egressGib ?? 0 };
    }
    if (input.amortisation) throw problems.badRequest('amortisation-on-list', 'Only on-prem prices are amortised; drop `amortisation` or set kind to on-prem.', 'amortisation');
    if (given.cpuCoreHour === undefined || given.memoryGibHour === undefined) {
      throw problems.badRequest('rates-required', 'List prices need at least rates.cpuCoreHour and rates.memoryGibHour.', 'rates');
    }
    return { cpuCoreHour: given.cpuCoreHour, memoryGibHour: given.memoryGibHour, storageGibMonth: given.storageGibMonth ?? 0, gpuHour: given.gpuHour ?? 0, egressGib: given.egressGib ?? 0 };
  }

  function requireCurrency(orgCurrency: string, currency: string, field: string) {
    if (currency !== orgCurrency) throw problems.unprocessable('currency-mismatch', `Prices are in the organization's currency, ${orgCurrency}; this one is ${currency}.`, field);
  }

  async function requirePrice(orgId: string, id: string) {
    const row = await store.findPrice(db, orgId, id);
    if (!row) throw problems.notFound('price', id);
    return row;
  }

  /** The source URL passes the SSRF guard now, not only when collection first runs. */
  async function checkedUrl(url: string): Promise<string> {
    try {
      return (await deps.egress.checkUrl(url)).url.toString();
    } catch (error) {
      if (error instanceof EgressRefused) throw egressProblem(error, 'body.url');
      throw error;
    }
  }

  async function requireSource(orgId: string, id: string) {
    const row = await store.findSource(db, orgId, id);
    if (!row) throw problems.notFound('cost source', id);
    return row;
  }

  async function settingsOf(orgId: string): Promise<CostSettings & { version: number }> {
    const row = await store.getSettings(db, orgId);
    return row ? { ...costSettingsSchema.parse(row.settings), version: row.version } : { ...defaultSettings(), version: 0 };
  }

  /** Every workspace and project of the org, read as the system (the caller is authorized for cost). */
  async function directory(orgId: string): Promise<Directory> {
    const p = system(orgId);
    const workspaces: Directory['workspaces'] = [];
    const projects: Directory['projects'] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await deps.services.tenancy.listWorkspaces(p, orgId, { limit: 200, ...(cursor ? { cursor } : {}) });
      workspaces.push(...page.items.map((w) => ({ id: w.id, name: w.name, slug: w.slug, labels: w.labels })));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    for (let cursor: string | undefined; ; ) {
      const page = await deps.services.tenancy.listProjects(p, orgId, { limit: 200, ...(cursor ? { cursor } : {}) });
      projects.push(...page.items.map((x) => ({ id: x.id, name: x.name, workspaceId: x.workspaceId })));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { workspaces, projects };
  }

  async function validateSettings(orgId: string, s: CostSettings) {
    const ids = new Set((await directory(orgId)).workspaces.map((w) => w.id));
    const named: Array<[string, string]> = [];
    if (s.idle.mode === 'owner') named.push([s.idle.workspaceId, 'idle.workspaceId']);
    s.shared.forEach((r, i) => {
      if (r.split === 'fixed') for (const ws of Object.keys(r.shares)) named.push([ws, `shared.${i}.shares`]);
    });
    for (const [ns, ws] of Object.entries(s.namespaces)) named.push([ws, `namespaces.${ns}`]);
    for (const [ws, field] of named) if (!ids.has(ws)) throw problems.unprocessable('unknown-workspace', `No workspace ${ws} in this organization.`, field);
    const sharedNs = s.shared.map((r) => r.namespace);
    if (new Set(sharedNs).size !== sharedNs.length) throw problems.badRequest('duplicate-namespace', 'A shared namespace is listed twice.', 'shared');
  }

  // ---- allocation (the read side budgets and reports build on) ----

  async function allocationInputs(orgId: string, window: { from: Date; to: Date }, byDay: boolean) {
    const [org, settings, prices, clusters, dir, labels] = await Promise.all([
      organization(orgId),
      settingsOf(orgId),
      store.allPrices(db, orgId),
      store.listClusters(db, orgId),
      directory(orgId),
      store.podLabels(db, orgId),
    ]);
    const versions = prices.map(priceVersionOf);
    const dayZone = byDay ? org.timeZone : null;
    const cuts = cutsFor(window.from, window.to, versions, dayZone);
    const q = { from: window.from, to: window.to, cuts };
    const [usage, capacity] = await Promise.all([store.billableUsage(db, orgId, { ...q, model: settings.costModel }), store.capacity(db, orgId, q)]);
    return { org, settings, versions, from: window.from, cuts, dayZone, clusters, dir, labels, usage, capacity };
  }

  /** The allocation of [from, to) grouped as asked, optionally with a per-day series. No authorization: callers check. */
  async function allocate(orgId: string, query: { from: string; to: string; groupBy: string; series?: 'none' | 'day' }): Promise<AllocationView> {
    const from = new Date(query.from);
    const to = new Date(query.to);
    const byDay = query.series === 'day';
    const inputs = await allocationInputs(orgId, { from, to }, byDay);
    const result = buildAllocation(inputs, query.groupBy);
    // Imported FOCUS bills: direct cost of the workspace or project their rules mapped them to.
    const bills = await focusStore.billCosts(db, orgId, { from, to });
    const workspaceLabels = new Map(inputs.dir.workspaces.map((w) => [w.id, w.labels]));
    addBillCosts(
      result,
      bills.map((b) => ({ chargeStart: new Date(b.charge_period_start), workspaceId: b.workspace_id, projectId: b.project_id, costMicros: BigInt(b.cost) })),
      { groupBy: query.groupBy, dir: inputs.dir, dayZone: inputs.dayZone, teamOf: (ws) => workspaceLabels.get(ws)?.[inputs.settings.teamLabel] ?? null },
    );
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      groupBy: query.groupBy,
      currency: inputs.org.currency,
      costModel: inputs.settings.costModel,
      total: result.total.total,
      idleTotal: result.total.idleTotal,
      groups: result.total.groups,
      unpricedClusters: result.unpricedClusters,
      ...(byDay ? { series: result.days } : {}),
    };
  }

  // ---- collection from Prometheus ----

  async function query(source: store.SourceRow, token: string | null, promql: string, from: number, to: number): Promise<MatrixSeries[]> {
    const url = new URL('api/v1/query_range', source.url.endsWith('/') ? source.url : `${source.url}/`);
    url.searchParams.set('query', promql);
    // The point at t describes the hour before t: the first hour [from, from + 1h) is read at from + 1h.
    url.searchParams.set('start', String((from + HOUR_MS) / 1000));
    url.searchParams.set('end', String(to / 1000));
    url.searchParams.set('step', '3600');
    const res = await deps.egress.request(url.toString(), {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      timeoutMs: 60_000,
      maxResponseBytes: 256 * 1024 * 1024,
    });
    if (res.truncated) throw new Error('the Prometheus answer was too large; collect a shorter window');
    if (res.status !== 200) throw new Error(`Prometheus answered ${res.status}: ${matrixError(res.body)}`);
    return matrixOf(res.body);
  }

  function matrixError(body: string): string {
    try {
      return (JSON.parse(body) as { error?: string }).error ?? body.slice(0, 200);
    } catch {
      return body.slice(0, 200);
    }
  }

  /** Collects whole hours [from, to) day by day; each day's rows replace what was there (idempotent). */
  async function collectWindow(source: store.SourceRow, from: number, to: number): Promise<{ samples: number; pods: number }> {
    const token = source.bearer_token ? await openSecret(keys, source.bearer_token, TOKEN_AAD(source.id)) : null;
    let samples = 0;
    const pods = new Set<string>();
    for (const [a, b] of hourChunks(from, to, 24)) {
      const names = Object.keys(usageQueries) as QueryName[];
      const results = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await query(source, token, usageQueries[n], a, b)] as const))) as Record<QueryName, MatrixSeries[]>;
      const labelSeries = await query(source, token, labelsQuery, a, b);
      const series = podSeriesOf(results);
      const rows: store.SampleRow[] = [];
      for (const p of series.values()) {
        pods.add(`${p.namespace}/${p.pod}`);
        for (const [hour, s] of p.hours) if (hour >= a && hour < b) rows.push({ cluster: source.cluster, namespace: p.namespace, pod: p.pod, hour: new Date(hour), ...s });
      }
      const capacity = [...capacityOf(results.capacityCpu, results.capacityMemory, results.capacityGpu)].filter(([h]) => h >= a && h < b).map(([h, c]) => ({ hour: new Date(h), ...c }));
      const labelRows = [...podLabelsOf(labelSeries)].map(([key, labels]) => {
        const [namespace, pod] = key.split('\u0000') as [string, string];
        return { cluster: source.cluster, namespace, pod, labels, seenAt: new Date(b) };
      });
      await db.transaction().execute(async (t) => {
        await store.ensurePartitions(t, new Date(a), new Date(b - 1));
        await store.upsertSamples(t, source.org_id, rows, 'prometheus');
        await store.upsertCapacity(t, source.org_id, source.cluster, capacity);
        await store.upsertLabels(t, source.org_id, labelRows);
        await store.upsertCluster(t, source.org_id, source.cluster, source.provider, source.region, true);
        await store.recordRun(t, source.org_id, source.id, { at: clock.now().toISOString(), from: iso(new Date(from)), to: iso(new Date(b)), status: 'succeeded', samples: samples + rows.length, error: null }, new Date(b));
      });
      samples += rows.length;
    }
    return { samples, pods: pods.size };
  }

  /** Where a run starts and stops: the watermark (or 24 h back) to the last whole hour, unless given. */
  function runWindow(source: store.SourceRow, input: { from?: string; to?: string }): { from: number; to: number } {
    const lastWhole = floorHour(clock.now().getTime());
    const to = input.to ? floorHour(Date.parse(input.to)) : lastWhole;
    const from = input.from ? floorHour(Date.parse(input.from)) : source.collected_until ? source.collected_until.getTime() : lastWhole - 24 * HOUR_MS;
    return { from, to: Math.max(from, to) };
  }

  async function runCollection(source: store.SourceRow, input: { from?: string; to?: string }): Promise<CollectResult> {
    const { from, to } = runWindow(source, input);
    if (to - from > 400 * 24 * HOUR_MS) throw problems.badRequest('window-too-long', 'Collect at most 400 days at a time.', 'from');
    try {
      const { samples, pods } = await collectWindow(source, from, to);
      if (samples === 0) await store.recordRun(db, source.org_id, source.id, { at: clock.now().toISOString(), from: iso(new Date(from)), to: iso(new Date(to)), status: 'succeeded', samples: 0, error: null }, new Date(to));
      return { status: 'succeeded', from: iso(new Date(from)), to: iso(new Date(to)), samples, pods, error: null };
    } catch (error) {
      const message = error instanceof EgressRefused ? egressProblem(error, 'url').detail : (error as Error).message;
      await store.recordRun(db, source.org_id, source.id, { at: clock.now().toISOString(), from: iso(new Date(from)), to: iso(new Date(to)), status: 'failed', samples: 0, error: message }, null);
      return { status: 'failed', from: iso(new Date(from)), to: iso(new Date(to)), samples: 0, pods: 0, error: message };
    }
  }

  return {
    // ---- prices ----

    async listPrices(p: Principal, orgId: string, query: PageQuery & { provider?: string; region?: string }): Promise<Page<PriceView>> {
      await authz.require(p, 'cost:read', orgResource(orgId));
      const rows = await store.listPrices(db, orgId, query, decodeCursor(query.cursor), query.limit);
      return toPage(rows.map(priceView), query.limit);
    },

    async getPrice(p: Principal, orgId: string, id: string): Promise<PriceView> {
      await authz.require(p, 'cost:read', priceResource(orgId, id));
      return priceView(await requirePrice(orgId, id));
    },

    async createPrice(p: Principal, orgId: string, input: CreatePriceInput): Promise<PriceView> {
      await authz.require(p, 'cost:configure', orgResource(orgId, 'cost-price'));
      requireCurrency((await organization(orgId)).currency, input.currency, 'currency');
      const rates = ratesOf(input);
      const id = newId('costPrice');
      try {
        return await db.transaction().execute(async (t) => {
          const row = await store.insertPrice(t, {
            id, org_id: orgId, provider: input.provider, region: input.region, effective_from: new Date(input.effectiveFrom), currency: input.currency, kind: input.kind,
            cpu_core_hour: rates.cpuCoreHour, memory_gib_hour: rates.memoryGibHour, storage_gib_month: rates.storageGibMonth, gpu_hour: rates.gpuHour, egress_gib: rates.egressGib,
            discount_bp: input.discountBp, amortisation: input.amortisation ?? null, note: input.note,
          });
          const view = priceView(row);
          await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-price', id, name: `${input.provider}/${input.region}@${view.effectiveFrom}` }, after: view });
          return view;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw problems.conflict('price-exists', `A price for ${input.provider}/${input.region} from ${input.effectiveFrom} exists; change it or pick another effective time.`, 'effectiveFrom');
        throw error;
      }
    },

    async updatePrice(p: Principal, orgId: string, id: string, expectedVersion: number | undefined, input: UpdatePriceInput): Promise<PriceView> {
      await authz.require(p, 'cost:configure', priceResource(orgId, id));
      const before = await requirePrice(orgId, id);
      return db.transaction().execute(async (t: Tx) => {
        const r = input.rates ?? {};
        const row = await store.updatePrice(t, orgId, id, expectedVersion, {
          ...(r.cpuCoreHour !== undefined ? { cpu_core_hour: r.cpuCoreHour } : {}),
          ...(r.memoryGibHour !== undefined ? { memory_gib_hour: r.memoryGibHour } : {}),
          ...(r.storageGibMonth !== undefined ? { storage_gib_month: r.storageGibMonth } : {}),
          ...(r.gpuHour !== undefined ? { gpu_hour: r.gpuHour } : {}),
          ...(r.egressGib !== undefined ? { egress_gib: r.egressGib } : {}),
          ...(input.discountBp !== undefined ? { discount_bp: input.discountBp } : {}),
          ...(input.note !== undefined ? { note: input.note } : {}),
        });
        if (!row) throw (await store.findPrice(t, orgId, id)) ? problems.preconditionFailed() : problems.notFound('price', id);
        const view = priceView(row);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-price', id }, before: priceView(before), after: view });
        return view;
      });
    },

    async deletePrice(p: Principal, orgId: string, id: string, expectedVersion: number | undefined): Promise<void> {
      await authz.require(p, 'cost:configure', priceResource(orgId, id));
      await requirePrice(orgId, id);
      await db.transaction().execute(async (t) => {
        const row = await store.deletePrice(t, orgId, id, expectedVersion);
        if (!row) throw (await store.findPrice(t, orgId, id)) ? problems.preconditionFailed() : problems.notFound('price', id);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-price', id }, before: priceView(row) });
      });
    },

    async exportPrices(p: Principal, orgId: string): Promise<string> {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-price'));
      return pricesToCsv((await store.allPrices(db, orgId)).map(priceVersionOf));
    },

    /** Upserts every row of a CSV by (provider, region, effective_from), all or nothing, one audit event. */
    async importPrices(p: Principal, orgId: string, csv: string): Promise<{ created: number; updated: number; unchanged: number }> {
      await authz.require(p, 'cost:configure', orgResource(orgId, 'cost-price'));
      let versions: PriceVersion[];
      try {
        versions = pricesFromCsv(csv);
      } catch (error) {
        if (error instanceof CsvError) throw problems.badRequest('invalid-csv', error.message, 'csv');
        throw error;
      }
      const currency = (await organization(orgId)).currency;
      for (const v of versions) requireCurrency(currency, v.currency, 'csv');
      const keysSeen = new Set(versions.map((v) => `${v.provider}/${v.region}@${v.effectiveFrom.toISOString()}`));
      if (keysSeen.size !== versions.length) throw problems.badRequest('invalid-csv', 'Two rows have the same provider, region and effective_from.', 'csv');
      return db.transaction().execute(async (t) => {
        const counts = { created: 0, updated: 0, unchanged: 0 };
        for (const v of versions) {
          const fields = {
            currency: v.currency, kind: v.kind, cpu_core_hour: v.rates.cpuCoreHour, memory_gib_hour: v.rates.memoryGibHour, storage_gib_month: v.rates.storageGibMonth,
            gpu_hour: v.rates.gpuHour, egress_gib: v.rates.egressGib, discount_bp: v.discountBp, note: v.note,
          };
          const existing = await store.findPriceAt(t, orgId, v.provider, v.region, v.effectiveFrom);
          if (!existing) {
            await store.insertPrice(t, { id: newId('costPrice'), org_id: orgId, provider: v.provider, region: v.region, effective_from: v.effectiveFrom, amortisation: null, ...fields });
            counts.created++;
          } else if (JSON.stringify(priceVersionOf(existing)) === JSON.stringify(v)) {
            counts.unchanged++;
          } else {
            await store.updatePrice(t, orgId, existing.id, undefined, fields);
            counts.updated++;
          }
        }
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-price-catalog', id: null, name: 'CSV import' }, after: { ...counts, rows: versions.length } });
        return counts;
      });
    },

    // ---- settings ----

    async getSettings(p: Principal, orgId: string) {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-settings'));
      return settingsOf(orgId);
    },

    async putSettings(p: Principal, orgId: string, expectedVersion: number | undefined, input: CostSettings) {
      await authz.require(p, 'cost:configure', orgResource(orgId, 'cost-settings'));
      await validateSettings(orgId, input);
      return db.transaction().execute(async (t) => {
        const current = await store.lockSettings(t, orgId);
        if (expectedVersion !== undefined && expectedVersion !== (current?.version ?? 0)) throw problems.preconditionFailed();
        const row = await store.putSettings(t, orgId, input);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-settings', id: null }, before: current?.settings ?? defaultSettings(), after: input });
        return { ...input, version: row.version };
      });
    },

    // ---- sources ----

    async listSources(p: Principal, orgId: string, query: PageQuery): Promise<Page<SourceView>> {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-source'));
      return toPage((await store.listSources(db, orgId, decodeCursor(query.cursor), query.limit)).map(sourceView), query.limit);
    },

    async getSource(p: Principal, orgId: string, id: string): Promise<SourceView> {
      await authz.require(p, 'cost:read', sourceResource(orgId, id));
      return sourceView(await requireSource(orgId, id));
    },

    async createSource(p: Principal, orgId: string, input: CreateSourceInput): Promise<SourceView> {
      await authz.require(p, 'cost:configure', orgResource(orgId, 'cost-source'));
      const url = await checkedUrl(input.url);
      const id = newId('costSource');
      const token = input.bearerToken ? await sealSecret(keys, input.bearerToken, TOKEN_AAD(id)) : null;
      try {
        return await db.transaction().execute(async (t) => {
          const row = await store.insertSource(t, { id, org_id: orgId, name: input.name, cluster: input.cluster, url, provider: input.provider, region: input.region, bearer_token: token });
          await store.upsertCluster(t, orgId, input.cluster, input.provider, input.region, true);
          const view = sourceView(row);
          await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-source', id, name: input.name }, after: view });
          return view;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw problems.conflict('source-exists', 'A source with this name or cluster exists.', 'name');
        throw error;
      }
    },

    async updateSource(p: Principal, orgId: string, id: string, expectedVersion: number | undefined, input: UpdateSourceInput): Promise<SourceView> {
      await authz.require(p, 'cost:configure', sourceResource(orgId, id));
      const before = await requireSource(orgId, id);
      const url = input.url ? await checkedUrl(input.url) : undefined;
      const token = input.bearerToken ? await sealSecret(keys, input.bearerToken, TOKEN_AAD(id)) : undefined;
      try {
        return await db.transaction().execute(async (t) => {
          const { bearerToken: _, url: __, ...rest } = input;
          const row = await store.updateSource(t, orgId, id, expectedVersion, { ...rest, ...(url ? { url } : {}), ...(token ? { bearer_token: token } : {}) });
          if (!row) throw (await store.findSource(t, orgId, id)) ? problems.preconditionFailed() : problems.notFound('cost source', id);
          if (input.provider || input.region) await store.upsertCluster(t, orgId, row.cluster, row.provider, row.region, true);
          const view = sourceView(row);
          await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-source', id, name: row.name }, before: sourceView(before), after: view });
          return view;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw problems.conflict('source-exists', 'A source with this name exists.', 'name');
        throw error;
      }
    },

    async deleteSource(p: Principal, orgId: string, id: string, expectedVersion: number | undefined): Promise<void> {
      await authz.require(p, 'cost:configure', sourceResource(orgId, id));
      await requireSource(orgId, id);
      await db.transaction().execute(async (t) => {
        const row = await store.deleteSource(t, orgId, id, expectedVersion);
        if (!row) throw (await store.findSource(t, orgId, id)) ? problems.preconditionFailed() : problems.notFound('cost source', id);
        await recordAudit(t, p, { action: 'cost:configure', orgId, target: { type: 'cost-source', id, name: row.name }, before: sourceView(row) });
      });
    },

    /** Collects (or backfills) now; a failed run is recorded on the source and answered, not thrown. */
    async collect(p: Principal, orgId: string, id: string, input: { from?: string; to?: string }): Promise<CollectResult> {
      await authz.require(p, 'cost:collect', sourceResource(orgId, id));
      const source = await requireSource(orgId, id);
      const result = await runCollection(source, input);
      await recordAudit(db, p, { action: 'cost:collect', orgId, target: { type: 'cost-source', id, name: source.name }, after: result });
      return result;
    },

    /** The hourly worker: every source from its watermark to the last whole hour. */
    async collectAll(): Promise<number> {
      let runs = 0;
      for (const s of await store.allSources(db)) {
        const source = await store.findSource(db, s.org_id, s.id);
        if (!source) continue;
        await runCollection(source, {});
        runs++;
      }
      return runs;
    },

    // ---- usage push ----

    async pushUsage(p: Principal, orgId: string, input: PushUsageInput): Promise<{ accepted: number }> {
      await authz.require(p, 'cost:ingest', orgResource(orgId, 'cost-usage'));
      const seen = new Set<string>();
      for (const [i, s] of input.samples.entries()) {
        const key = `${s.cluster}\u0000${s.namespace}\u0000${s.pod}\u0000${Date.parse(s.hour)}`;
        if (seen.has(key)) throw problems.badRequest('duplicate-sample', 'Two samples have the same cluster, namespace, pod and hour.', `samples.${i}`);
        seen.add(key);
      }
      const rows: store.SampleRow[] = input.samples.map(({ labels: _, hour, ...s }) => ({ ...s, hour: new Date(hour) }));
      const hours = rows.map((r) => r.hour.getTime());
      // One label row per pod (the latest hour's): an upsert may not touch the same row twice.
      const latestLabels = new Map<string, { cluster: string; namespace: string; pod: string; labels: Record<string, string>; seenAt: Date }>();
      for (const s of input.samples) {
        if (!s.labels) continue;
        const key = `${s.cluster}\u0000${s.namespace}\u0000${s.pod}`;
        const seenAt = new Date(s.hour);
        if ((latestLabels.get(key)?.seenAt.getTime() ?? -Infinity) <= seenAt.getTime()) latestLabels.set(key, { cluster: s.cluster, namespace: s.namespace, pod: s.pod, labels: s.labels, seenAt });
      }
      const labelRows = [...latestLabels.values()];
      const clusters = [...new Set(rows.map((r) => r.cluster))];
      return db.transaction().execute(async (t) => {
        await store.ensurePartitions(t, new Date(Math.min(...hours)), new Date(Math.max(...hours)));
        await store.upsertSamples(t, orgId, rows, 'push');
        await store.upsertLabels(t, orgId, labelRows);
        for (const c of clusters) await store.upsertCluster(t, orgId, c, input.provider ?? 'onprem', input.region ?? 'default', input.provider !== undefined);
        await recordAudit(t, p, { action: 'cost:ingest', orgId, target: { type: 'cost-usage', id: null }, after: { samples: rows.length, clusters, from: iso(new Date(Math.min(...hours))), to: iso(new Date(Math.max(...hours) + HOUR_MS)) } });
        return { accepted: rows.length };
      });
    },

    // ---- allocation ----

    async allocation(p: Principal, orgId: string, query: AllocationQuery): Promise<AllocationView> {
      await authz.require(p, 'cost:read', orgResource(orgId, 'cost-allocation'));
      return allocate(orgId, query);
    },

    /**
     * For budgets and reports (no authorization: the calling module checks its own action).
     * Spend over [from, to) per group with a per-day series, days in the org's time zone;
     * every day's groups sum to that day's total, and the window's groups to `total`.
     */
    async spend(orgId: string, window: { from: Date; to: Date; groupBy?: string }): Promise<Spend> {
      const a = await allocate(orgId, { from: window.from.toISOString(), to: window.to.toISOString(), groupBy: window.groupBy ?? 'workspace', series: 'day' });
      const org = await organization(orgId);
      return { currency: a.currency, timeZone: org.timeZone, total: a.total, groups: a.groups, days: a.series ?? [] };
    },

    /**
     * The budgets port (cost/budget-service.ts `BudgetPorts.dailySpend`): spend per local day of
     * one workspace, or of one project or pod-label value inside it, idle and shared cost included.
     * No authorization: the budget service checks its own actions.
     */
    async dailySpend(orgId: string, scope: { workspaceId: string; projectId: string | null; label: { key: string; value: string } | null }, window: { from: Date; to: Date }): Promise<Map<string, bigint>> {
      const [groupBy, key] = scope.projectId
        ? ['project', scope.projectId]
        : scope.label
          ? [`${WORKSPACE_LABEL}${scope.label.key}`, `${scope.workspaceId}|${scope.label.value}`]
          : ['workspace', scope.workspaceId];
      const a = await allocate(orgId, { from: window.from.toISOString(), to: window.to.toISOString(), groupBy, series: 'day' });
      const out = new Map<string, bigint>();
      for (const d of a.series ?? []) if (d.groups[key] !== undefined) out.set(d.day, BigInt(d.groups[key]!));
      return out;
    },

    /**
     * The budgets port `unitPrices`: the vCPU-hour and GiB-hour rates in force at `at`, after the
     * negotiated discount (half up), of the price that prices the org's first cluster (by name),
     * or of the newest version when no cluster is known yet; null without any price.
     */
    async unitPrices(orgId: string, at: Date = clock.now()): Promise<{ cpuHourMicros: bigint; memoryGibHourMicros: bigint } | null> {
      const [versions, clusters] = await Promise.all([store.allPrices(db, orgId).then((rows) => rows.map(priceVersionOf)), store.listClusters(db, orgId)]);
      const first = [...clusters].sort((a, b) => (a.cluster < b.cluster ? -1 : 1))[0];
      const candidates = first ? versions.filter((v) => v.provider === first.provider && v.region === first.region) : versions;
      const v = versionAt(candidates, at);
      if (!v) return null;
      const net = (rate: number) => (BigInt(rate) * BigInt(10_000 - v.discountBp) + 5_000n) / 10_000n;
      return { cpuHourMicros: net(v.rates.cpuCoreHour), memoryGibHourMicros: net(v.rates.memoryGibHour) };
    },
  };
}
