import { z } from 'zod';
import { orgParams } from '../../kernel/http/routing.ts';

// ---- shared pieces ----

const micros = (what: string) => z.number().int().min(0).max(1e12).describe(`${what}, in micro-units of the currency (1 = 0.000001)`);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like USD').describe('ISO 4217 currency');
const providerName = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash, underscore');
const isoTime = z.iso.datetime({ offset: true }).describe('RFC 3339 time');
const k8sName = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name');
const podName = z.string().min(1).max(253).regex(/^(pvc\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a pod name, or pvc/<claim> for a volume');

export const ratesSchema = z
  .object({
    cpuCoreHour: micros('Per vCPU-hour'),
    memoryGibHour: micros('Per GiB-hour of memory'),
    storageGibMonth: micros('Per GiB-month of storage'),
    gpuHour: micros('Per GPU-hour'),
    egressGib: micros('Per GiB of network egress'),
  })
  .strict();

export const amortisationSchema = z
  .object({
    capex: micros('Hardware purchase price'),
    lifetimeMonths: z.number().int().min(1).max(240),
    opexMonthly: micros('Running cost per month (power, space, support)'),
    vcpus: z.number().int().min(1).max(10_000_000),
    memoryGib: z.number().int().min(1).max(1_000_000_000),
    cpuWeightBp: z.number().int().min(0).max(10_000).default(6500).describe('Share of the compute cost carried by CPU, in basis points; memory carries the rest'),
  })
  .strict()
  .meta({ id: 'CostAmortisation' });

export const priceSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    provider: z.string(),
    region: z.string(),
    effectiveFrom: z.string(),
    currency: z.string(),
    kind: z.enum(['list', 'on-prem']),
    rates: ratesSchema,
    discountBp: z.number().int(),
    amortisation: amortisationSchema.nullable(),
    note: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CostPrice' });
export type PriceView = z.infer<typeof priceSchema>;

export const createPriceBody = z
  .object({
    provider: providerName.describe('aws, gcp, azure, onprem, ...'),
    region: providerName.describe('Region (eu-west-1, dc-tokyo, ...)'),
    effectiveFrom: isoTime,
    currency,
    kind: z.enum(['list', 'on-prem']).default('list'),
    rates: ratesSchema.partial().optional().describe('Required for list prices; for on-prem, storage, GPU and egress rates (compute comes from `amortisation`)'),
    discountBp: z.number().int().min(0).max(10_000).default(0).describe('Negotiated discount in basis points (1250 = 12.5 %)'),
    amortisation: amortisationSchema.optional(),
    note: z.string().max(500).default(''),
  })
  .strict();
export type CreatePriceInput = z.infer<typeof createPriceBody>;

export const updatePriceBody = z
  .object({
    rates: ratesSchema.partial().optional(),
    discountBp: z.number().int().min(0).max(10_000).optional(),
    note: z.string().max(500).optional(),
  })
  .strict();
export type UpdatePriceInput = z.infer<typeof updatePriceBody>;

export const priceParams = orgParams.extend({ priceId: z.string().regex(/^cpr_[0-9a-z]{26}$/, 'a price id (cpr_...)') });
export const listPricesQuery = z.object({ provider: providerName.optional(), region: providerName.optional() });

export const importPricesBody = z.object({ csv: z.string().min(1).max(1_000_000).describe('CSV with the header of GET .../cost/prices/export') }).strict();
export const importResultSchema = z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() }).meta({ id: 'CostPriceImport' });

// ---- settings ----

const sharedRule = z.discriminatedUnion('split', [
  z.object({ namespace: k8sName, split: z.literal('even') }).strict(),
  z.object({ namespace: k8sName, split: z.literal('proportional') }).strict(),
  z
    .object({
      namespace: k8sName,
      split: z.literal('fixed'),
      shares: z.record(z.string().regex(/^ws_[0-9a-z]{26}$/, 'a workspace id'), z.number().int().min(0).max(10_000)).describe('Basis points per workspace id; at most 10000 in all'),
    })
    .strict()
    .refine((r) => Object.values(r.shares).reduce((a, b) => a + b, 0) <= 10_000, { message: 'shares add up to more than 100 %', path: ['shares'] }),
]);

export const costSettingsSchema = z
  .object({
    costModel: z.enum(['max', 'request', 'usage']).default('max').describe('What a pod-hour is billed on: max(request, usage), the request, or the usage'),
    idle: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('proportional') }).strict(),
        z.object({ mode: z.literal('owner'), workspaceId: z.string().regex(/^ws_[0-9a-z]{26}$/, 'a workspace id') }).strict(),
      ])
      .default({ mode: 'proportional' }),
    shared: z.array(sharedRule).max(100).default([]).describe('Shared namespaces and how their cost is split'),
    teamLabel: z.string().min(1).max(63).default('cost-center').describe('The workspace label that names its team (SCIM department or cost center)'),
    projectLabel: z.string().min(1).max(316).default('hexaplane.dev/project').describe('The pod label that names its project id'),
    namespaces: z
      .record(k8sName, z.string().regex(/^ws_[0-9a-z]{26}$/, 'a workspace id'))
      .default({})
      .describe('Namespaces that belong to a workspace besides its own (hx-<slug>)'),
  })
  .strict()
  .meta({ id: 'CostSettings' });
export type CostSettings = z.infer<typeof costSettingsSchema>;
export const costSettingsView = costSettingsSchema.extend({ version: z.number().int() }).meta({ id: 'CostSettingsView' });

// ---- sources and collection ----

export const sourceSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    cluster: z.string(),
    url: z.string(),
    provider: z.string(),
    region: z.string(),
    hasBearerToken: z.boolean(),
    collectedUntil: z.string().nullable(),
    lastRun: z
      .object({ at: z.string(), from: z.string(), to: z.string(), status: z.enum(['succeeded', 'failed']), samples: z.number().int(), error: z.string().nullable() })
      .nullable(),
    version: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'CostSource' });
export type SourceView = z.infer<typeof sourceSchema>;

export const createSourceBody = z
  .object({
    name: z.string().min(1).max(100),
    cluster: k8sName.describe('The cluster name usage is recorded under'),
    url: z.url({ protocol: /^https?$/ }).max(2000).describe('The Prometheus base URL (…/api/v1/query_range is appended)'),
    provider: providerName,
    region: providerName,
    bearerToken: z.string().min(1).max(4096).optional().describe('Sent as Authorization: Bearer; sealed at rest, never returned'),
  })
  .strict();
export type CreateSourceInput = z.infer<typeof createSourceBody>;
export const updateSourceBody = createSourceBody.omit({ cluster: true }).partial().strict();
export type UpdateSourceInput = z.infer<typeof updateSourceBody>;
export const sourceParams = orgParams.extend({ sourceId: z.string().regex(/^csrc_[0-9a-z]{26}$/, 'a cost source id (csrc_...)') });

export const collectBody = z
  .object({
    from: isoTime.optional().describe('Backfill from this hour (default: where the last run stopped, or 24 h ago)'),
    to: isoTime.optional().describe('Up to this hour (default: the last whole hour)'),
  })
  .strict()
  .refine((b) => !b.from || !b.to || Date.parse(b.from) < Date.parse(b.to), { message: 'from must be before to', path: ['from'] });
export const collectResultSchema = z
  .object({ status: z.enum(['succeeded', 'failed']), from: z.string(), to: z.string(), samples: z.number().int(), pods: z.number().int(), error: z.string().nullable() })
  .meta({ id: 'CostCollection' });
export type CollectResult = z.infer<typeof collectResultSchema>;

// ---- usage push ----

const quantity = (max: number) => z.number().int().min(0).max(max);
export const usageSampleSchema = z
  .object({
    cluster: k8sName,
    namespace: k8sName,
    pod: podName,
    hour: isoTime.describe('The start of the hour (minutes and seconds zero)'),
    cpuRequestMcores: quantity(10_000_000).default(0),
    cpuUsageMcores: quantity(10_000_000).default(0),
    memoryRequestMib: quantity(1_000_000_000).default(0),
    memoryUsageMib: quantity(1_000_000_000).default(0),
    storageMib: quantity(2_000_000_000).default(0),
    gpuMilli: quantity(1_000_000).default(0),
    egressMib: quantity(2_000_000_000).default(0),
    labels: z.record(z.string().max(316), z.string().max(63)).optional(),
  })
  .strict()
  .refine((s) => Date.parse(s.hour) % 3_600_000 === 0, { message: 'must be the start of an hour', path: ['hour'] });
export type UsageSampleInput = z.infer<typeof usageSampleSchema>;

export const pushUsageBody = z
  .object({
    provider: providerName.optional().describe('Price clusters first seen here under this provider (default: onprem)'),
    region: providerName.optional(),
    samples: z.array(usageSampleSchema).min(1).max(10_000),
  })
  .strict();
export type PushUsageInput = z.infer<typeof pushUsageBody>;
export const pushUsageResultSchema = z.object({ accepted: z.number().int() }).meta({ id: 'CostUsagePush' });

// ---- allocation ----

export const groupByText = z
  .string()
  .regex(/^(workspace|project|team|namespace|label:[A-Za-z0-9][A-Za-z0-9._/-]{0,315})$/, 'workspace, project, team, namespace or label:<key>');

export const allocationQuery = z
  .object({
    from: isoTime,
    to: isoTime,
    groupBy: groupByText.default('workspace'),
    series: z.enum(['none', 'day']).default('none').describe('day: also a per-day series per group (days in the organization time zone)'),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });
export type AllocationQuery = z.infer<typeof allocationQuery>;

const groupCostSchema = z.object({
  key: z.string().describe('The group: a workspace or project id, a label value, a team, a namespace, or "unallocated" / "idle"'),
  name: z.string(),
  direct: z.number().int(),
  idle: z.number().int(),
  shared: z.number().int(),
  total: z.number().int(),
});

export const allocationSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.string(),
    currency: z.string(),
    costModel: z.string(),
    total: z.number().int().describe('The bill for the window in micro-units: the groups sum to it exactly'),
    idleTotal: z.number().int(),
    groups: z.array(groupCostSchema),
    unpricedClusters: z.array(z.string()).describe('Clusters with usage in the window but no price version in force for some of it: that usage cost zero'),
    series: z.array(z.object({ day: z.string(), total: z.number().int(), groups: z.record(z.string(), z.number().int()) })).optional(),
  })
  .meta({ id: 'CostAllocation' });
export type AllocationView = z.infer<typeof allocationSchema>;
