import { z } from 'zod';
import { orgParams } from '../../kernel/http/routing.ts';

const workspaceId = z.string().regex(/^ws_[0-9a-z]{26}$/, 'a workspace id');
const projectId = z.string().regex(/^prj_[0-9a-z]{26}$/, 'a project id');
const isoTime = z.iso.datetime({ offset: true }).describe('RFC 3339 time');

// ---- rules ----

const ruleFields = {
  position: z.number().int().min(0).max(100_000).describe('Order: rules are tried by position (then id); the first match wins. Default: after the last rule'),
  tagKey: z.string().min(1).max(256).describe('The tag key to look at, exactly (case-sensitive)'),
  value: z.string().max(256).nullable().describe('Match this tag value exactly'),
  pattern: z.string().min(1).max(512).nullable().describe('Or: a regular expression matched against the whole value (anchored). Neither: any value of the key'),
  workspaceId,
  projectId: projectId.nullable().describe('A project of that workspace, or null'),
};

export const focusRuleSchema = z
  .object({ id: z.string(), orgId: z.string(), ...ruleFields, version: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'CostFocusRule' });
export type FocusRuleView = z.infer<typeof focusRuleSchema>;

export const createFocusRuleBody = z
  .object({ tagKey: ruleFields.tagKey, position: ruleFields.position.optional(), value: ruleFields.value.optional(), pattern: ruleFields.pattern.optional(), workspaceId, projectId: ruleFields.projectId.optional() })
  .strict()
  .meta({ id: 'CostFocusRuleCreate' });
export type CreateFocusRuleInput = z.infer<typeof createFocusRuleBody>;

export const updateFocusRuleBody = createFocusRuleBody.partial().strict().meta({ id: 'CostFocusRuleUpdate' });
export type UpdateFocusRuleInput = z.infer<typeof updateFocusRuleBody>;

export const focusRuleParams = orgParams.extend({ ruleId: z.string().min(1).max(64) });

// ---- imports ----

export const createFocusImportBody = z
  .object({
    csv: z.string().min(1).max(1_000_000).describe('A FOCUS 1.x CSV (header row with the FOCUS column names)'),
    costColumn: z.enum(['EffectiveCost', 'BilledCost']).default('EffectiveCost').describe('Which FOCUS cost column is allocated'),
  })
  .strict();

const targetSchema = z.object({
  workspaceId: z.string(),
  projectId: z.string().nullable(),
  cost: z.number().int().describe('Micro-units of the currency'),
  lines: z.number().int(),
});

export const focusImportSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    sha256: z.string().describe('SHA-256 of the CSV text; the same file is imported once'),
    currency: z.string(),
    costColumn: z.enum(['EffectiveCost', 'BilledCost']),
    billingPeriodStart: z.string().nullable(),
    billingPeriodEnd: z.string().nullable(),
    chargePeriodStart: z.string().nullable(),
    chargePeriodEnd: z.string().nullable(),
    rowCount: z.number().int(),
    billedTotal: z.number().int().describe('Σ BilledCost, micro-units'),
    effectiveTotal: z.number().int().describe('Σ EffectiveCost, micro-units'),
    allocatedAt: z.string(),
    createdAt: z.string(),
    allocation: z
      .object({
        total: z.number().int().describe('Σ of costColumn: byTarget plus unallocated equal it exactly'),
        byTarget: z.array(targetSchema),
        unallocated: z.object({ cost: z.number().int(), lines: z.number().int() }),
      })
      .optional(),
  })
  .meta({ id: 'CostFocusImport' });
export type FocusImportView = z.infer<typeof focusImportSchema>;

export const focusImportParams = orgParams.extend({ importId: z.string().min(1).max(64) });

export const focusExportQuery = z
  .object({ from: isoTime, to: isoTime })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });
