import { z } from 'zod';
import { idSchema, orgParams } from '../../kernel/http/routing.ts';

const day = z.iso.date().describe('A calendar day, YYYY-MM-DD');
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM').describe('A calendar month, YYYY-MM (organization time zone)');
/** A pod or workspace label key (Kubernetes syntax: optional DNS prefix, a name). */
export const labelKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,315}$/, 'a label key such as team or example.com/team')
  .describe('The label key to group by (e.g. team)');

export const reportQuery = z
  .object({
    period: month.optional().describe('The month to report; default: the last complete month. Not with from/to'),
    from: day.optional().describe('First day of a custom window (with to)'),
    to: day.optional().describe('The day after the last day of a custom window (with from)'),
    label: labelKeySchema.optional(),
  })
  .strict()
  .refine((q) => !(q.period && (q.from || q.to)), { message: 'give period or from/to, not both', path: ['period'] })
  .refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'from and to go together', path: ['to'] })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });
export type ReportQuery = z.infer<typeof reportQuery>;

const lineSchema = z.object({
  key: z.string().describe('A workspace or project id, a label value, or "unallocated" / "idle"'),
  name: z.string(),
  direct: z.string(),
  idle: z.string(),
  shared: z.string(),
  total: z.string(),
  totalMicros: z.number().int(),
});

export const costReportSchema = z
  .object({
    orgId: z.string(),
    orgName: z.string(),
    currency: z.string(),
    timeZone: z.string(),
    period: z.object({ month: z.string().nullable(), start: z.string(), end: z.string().describe('The day after the last day'), closed: z.boolean() }),
    label: z.string().nullable(),
    total: z.string().describe('The period total; each section\'s lines sum to it exactly'),
    totalMicros: z.number().int(),
    unallocated: z.string().describe('Spend no business unit owns'),
    businessUnits: z.array(lineSchema),
    projects: z.array(lineSchema),
    labels: z.array(lineSchema).nullable(),
    trend: z.array(
      z.object({
        month: z.string(),
        start: z.string(),
        end: z.string(),
        total: z.string(),
        totalMicros: z.number().int(),
        units: z.array(z.object({ key: z.string(), name: z.string(), total: z.string(), totalMicros: z.number().int() })),
      }),
    ).describe('The three months before the period, oldest first'),
    generatedAt: z.string(),
  })
  .meta({ id: 'CostReport' });

// ---- schedules ----

export const reportFormatSchema = z.enum(['pdf', 'csv']);
export const recipientsSchema = z.enum(['managers', 'emails']).describe('managers: each business unit\'s workspace admins get their unit\'s report; emails: the listed addresses get the whole report');

const scheduleFields = {
  name: z.string().trim().min(1).max(100),
  format: reportFormatSchema.default('pdf'),
  label: labelKeySchema.nullable().default(null),
  recipients: recipientsSchema.default('managers'),
  emails: z.array(z.email().max(254)).max(50).default([]).describe('The addresses (recipients = emails); with managers, they also receive the whole report'),
  dayOfMonth: z.number().int().min(1).max(28).default(1).describe('The day of the month (organization time zone) the previous month\'s report is sent'),
  enabled: z.boolean().default(true),
};

export const createScheduleBody = z
  .object(scheduleFields)
  .strict()
  .refine((s) => s.recipients !== 'emails' || s.emails.length > 0, { message: 'list at least one address', path: ['emails'] });

export const updateScheduleBody = z
  .object({
    name: scheduleFields.name,
    format: reportFormatSchema,
    label: labelKeySchema.nullable(),
    recipients: recipientsSchema,
    emails: z.array(z.email().max(254)).max(50),
    dayOfMonth: z.number().int().min(1).max(28),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export const scheduleParams = orgParams.extend({ scheduleId: idSchema('rps') });

export const sendScheduleBody = z
  .object({ period: month.optional().describe('The month to send; default: the last complete month') })
  .strict();

export const scheduleSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    format: reportFormatSchema,
    label: z.string().nullable(),
    recipients: recipientsSchema,
    emails: z.array(z.string()),
    dayOfMonth: z.number().int(),
    timeZone: z.string().describe('The organization time zone the day is read in'),
    enabled: z.boolean(),
    lastSentPeriod: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ReportSchedule' });

export const sendResultSchema = z
  .object({
    period: z.string(),
    messages: z.array(z.object({ to: z.array(z.string()), unit: z.string().nullable(), attachment: z.string() })),
    skipped: z.array(z.object({ unit: z.string(), reason: z.string() })).describe('Business units with spend but no manager with an e-mail'),
  })
  .meta({ id: 'ReportSendResult' });

export type CreateScheduleInput = z.infer<typeof createScheduleBody>;
export type UpdateScheduleInput = z.infer<typeof updateScheduleBody>;
export type ScheduleView = z.infer<typeof scheduleSchema>;
export type SendResult = z.infer<typeof sendResultSchema>;
