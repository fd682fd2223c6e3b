import { z } from 'zod';
import { idSchema, orgParams } from '../../kernel/http/routing.ts';

/** An amount of money at the API: a decimal string with at most six decimals, in the org's currency. */
export const amountSchema = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,6})?$/, 'a positive amount like "12000" or "12000.50" (at most 6 decimals)')
  .describe("An amount in the organization's currency, as a decimal string");

const thresholdSchema = z
  .object({
    percent: z.number().min(1).max(1000).multipleOf(0.01).describe('Percent of the budget, e.g. 80'),
    basis: z.enum(['actual', 'forecast']).default('actual').describe('actual: spend so far; forecast: the period-end forecast'),
  })
  .strict();

const defaultThresholds = [50, 80, 90, 100].map((percent) => ({ percent, basis: 'actual' as const }));

const labelSelector = z
  .object({
    key: z.string().min(1).max(63).regex(/^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/, 'a Kubernetes-style label key'),
    value: z.string().max(63).regex(/^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/, 'a Kubernetes-style label value'),
  })
  .strict();

const channelIds = z.array(z.string().min(1).max(64)).max(20);

const uniqueThresholds = (list: Array<{ percent: number; basis: string }>) => new Set(list.map((t) => `${t.basis}:${t.percent}`)).size === list.length;

export const budgetPeriodSchema = z.enum(['monthly', 'quarterly', 'yearly']);
export const exceededActionSchema = z
  .enum(['notify', 'require-approval', 'block'])
  .describe('What happens to new workloads once actual spend reaches 100 %: nothing beyond alerts, scale-ups need approval, or new workloads are refused');

export const createBudgetBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    workspaceId: idSchema('ws'),
    projectId: idSchema('prj').nullable().default(null).describe('Only this project of the workspace'),
    label: labelSelector.nullable().default(null).describe('Only workloads carrying this label'),
    period: budgetPeriodSchema,
    amount: amountSchema,
    thresholds: z.array(thresholdSchema).max(10).default(defaultThresholds).refine(uniqueThresholds, 'each threshold once'),
    channelIds: channelIds.default([]).describe('Notification channels alerted when a threshold is crossed'),
    onExceeded: exceededActionSchema.default('notify'),
  })
  .strict();

export const updateBudgetBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    amount: amountSchema,
    thresholds: z.array(thresholdSchema).max(10).refine(uniqueThresholds, 'each threshold once'),
    channelIds,
    onExceeded: exceededActionSchema,
  })
  .partial()
  .strict();

export const budgetParams = orgParams.extend({ budgetId: idSchema('bud') });

export const budgetListQuery = z
  .object({
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    workspaceId: idSchema('ws').optional(),
  })
  .strict();

export const budgetSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    workspaceId: z.string(),
    projectId: z.string().nullable(),
    label: z.object({ key: z.string(), value: z.string() }).nullable(),
    period: budgetPeriodSchema,
    amount: z.string(),
    currency: z.string(),
    thresholds: z.array(z.object({ percent: z.number(), basis: z.enum(['actual', 'forecast']) })),
    channelIds: z.array(z.string()),
    onExceeded: exceededActionSchema,
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Budget' });

export const budgetStatusSchema = z
  .object({
    budgetId: z.string(),
    currency: z.string(),
    timeZone: z.string(),
    period: z.object({ kind: budgetPeriodSchema, start: z.string(), end: z.string(), daysElapsed: z.number().int(), days: z.number().int() }),
    amount: z.string(),
    actual: z.string(),
    actualPercent: z.number(),
    forecast: z.object({ point: z.string(), low: z.string(), high: z.string(), percent: z.number(), method: z.string(), level: z.number().describe('Coverage of the low–high interval, e.g. 0.8') }),
    remaining: z.string(),
    thresholds: z.array(z.object({ percent: z.number(), basis: z.enum(['actual', 'forecast']), crossed: z.boolean(), alertedAt: z.string().nullable() })),
    decision: z.enum(['allow', 'require-approval', 'block']),
    burndown: z.array(z.object({ day: z.string(), actual: z.string().nullable(), forecast: z.string().nullable(), low: z.string().nullable(), high: z.string().nullable() })),
  })
  .meta({ id: 'BudgetStatus' });

export const budgetDecisionQuery = z
  .object({
    workspaceId: idSchema('ws'),
    projectId: idSchema('prj').optional(),
    labels: z.string().max(2000).optional().describe('The workload labels, as comma-separated key=value pairs'),
  })
  .strict();

export const budgetDecisionSchema = z
  .object({
    decision: z.enum(['allow', 'require-approval', 'block']),
    budgets: z.array(z.object({ budgetId: z.string(), name: z.string(), decision: z.enum(['allow', 'require-approval', 'block']), actualPercent: z.number() })),
  })
  .meta({ id: 'BudgetDecision' });

export const quotaEstimateSchema = z
  .object({
    budgetId: z.string(),
    remaining: z.string(),
    hoursLeft: z.number(),
    prices: z.object({ cpuHour: z.string(), memoryGibHour: z.string() }),
    cpuCores: z.number(),
    memoryGib: z.number(),
    balanced: z.object({ cpuCores: z.number(), memoryGib: z.number(), memoryGibPerCore: z.number() }),
  })
  .meta({ id: 'BudgetQuotaEstimate' });

export type CreateBudgetInput = z.infer<typeof createBudgetBody>;
export type UpdateBudgetInput = z.infer<typeof updateBudgetBody>;
export type BudgetView = z.infer<typeof budgetSchema>;
export type BudgetStatusView = z.infer<typeof budgetStatusSchema>;
export type BudgetDecisionView = z.infer<typeof budgetDecisionSchema>;
export type QuotaEstimateView = z.infer<typeof quotaEstimateSchema>;
