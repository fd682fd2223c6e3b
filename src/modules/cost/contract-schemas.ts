import { z } from 'zod';
import { idSchema, orgParams } from '../../kernel/http/routing.ts';
import { amountSchema, budgetPeriodSchema } from './budget-schemas.ts';

const day = z.iso.date().describe('A calendar day, YYYY-MM-DD');

export const createContractBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    period: budgetPeriodSchema.describe('The commitment renews every calendar month, quarter or year (organization time zone)'),
    commitment: amountSchema.describe('Committed spend per period'),
    overageRateBp: z.number().int().min(0).max(100_000).default(10_000).describe('Price of usage beyond the commitment, in basis points of the contract rate (10000 = the same, 12500 = +25 %)'),
    startsOn: day.describe('First day of the first period (a period start: the 1st of a month, quarter or year)'),
    endsOn: day.nullable().default(null).describe('The day after the last period; null = open-ended'),
  })
  .strict()
  .refine((c) => c.endsOn === null || c.endsOn > c.startsOn, { message: 'must be after startsOn', path: ['endsOn'] });

export const updateContractBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    commitment: amountSchema,
    overageRateBp: z.number().int().min(0).max(100_000),
    endsOn: day.nullable(),
  })
  .partial()
  .strict();

export const contractParams = orgParams.extend({ contractId: idSchema('ctr') });

export const statementQuery = z
  .object({
    period: day.optional().describe('Any day of the period; default: the current period'),
  })
  .strict();

export const contractSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    period: budgetPeriodSchema,
    commitment: z.string(),
    overageRateBp: z.number().int(),
    currency: z.string(),
    startsOn: z.string(),
    endsOn: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Contract' });

export const statementSchema = z
  .object({
    contractId: z.string(),
    currency: z.string(),
    period: z.object({ start: z.string(), end: z.string(), closed: z.boolean() }),
    commitment: z.string(),
    usage: z.string(),
    drawdown: z.string(),
    remainingCommitment: z.string(),
    overageUsage: z.string(),
    overageCharge: z.string(),
    trueUp: z.string(),
    charge: z.string().describe('What the organization owes for the period; the units’ chargeback sums to it exactly'),
    units: z.array(
      z.object({
        unit: z.string().describe('A workspace id, or "unallocated" / "idle"'),
        name: z.string(),
        shareBp: z.number().int(),
        showback: z.string().describe('What the unit used, at the contract rate'),
        chargeback: z.string().describe('Its share of the charge'),
      }),
    ),
  })
  .meta({ id: 'ContractStatement' });

export type CreateContractInput = z.infer<typeof createContractBody>;
export type UpdateContractInput = z.infer<typeof updateContractBody>;
export type ContractView = z.infer<typeof contractSchema>;
export type StatementView = z.infer<typeof statementSchema>;
