import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';
import { detectors, maskStyles } from './pii.ts';

export const detectorSchema = z.enum(detectors).describe('What the rule finds');
export const maskStyleSchema = z.enum(maskStyles).describe('redact: [email]; partial: keeps the domain of an e-mail, the last 4 of a card ...; hash: a keyed HMAC token, the same for the same value');
export const piiModeSchema = z.enum(['write', 'read']).describe('write: masked before the event is stored (and sealed), for good; read: stored in the clear, masked when read or exported');

const fieldName = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'a JSON field name');

export const appliesToSchema = z
  .object({
    payload: z.boolean().default(true).describe('String values of the event before/after'),
    fields: z.array(fieldName).max(50).default([]).describe('Only these JSON field names (at any depth) of before/after; empty = all'),
    targetName: z.boolean().default(false),
    actorName: z.boolean().default(false),
    actorIp: z.boolean().default(false),
    reason: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'PiiAppliesTo' });

const countrySchema = z
  .string()
  .refine((c) => isSupportedCountry(c), 'must be an ISO 3166 alpha-2 country with a numbering plan, like JP')
  .describe('Country of phone numbers written without +<country code>');

const nameSchema = z.string().trim().min(1).max(100);

export const piiRuleSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    detector: detectorSchema,
    appliesTo: z.object({
      payload: z.boolean(),
      fields: z.array(z.string()),
      targetName: z.boolean(),
      actorName: z.boolean(),
      actorIp: z.boolean(),
      reason: z.boolean(),
    }),
    mode: piiModeSchema,
    style: maskStyleSchema,
    defaultCountry: z.string().nullable(),
    enabled: z.boolean(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PiiRule' });

const ruleFields = {
  name: nameSchema,
  detector: detectorSchema,
  appliesTo: appliesToSchema,
  mode: piiModeSchema,
  style: maskStyleSchema,
  defaultCountry: countrySchema.nullable(),
  enabled: z.boolean(),
};

/** A rule as written in a request (create, or a proposed rule set in a preview). */
export const piiRuleInput = z
  .object({
    ...ruleFields,
    appliesTo: appliesToSchema.default({ payload: true, fields: [], targetName: false, actorName: false, actorIp: false, reason: false }),
    defaultCountry: ruleFields.defaultCountry.default(null),
    enabled: ruleFields.enabled.default(true),
  })
  .strict();

export const createPiiRuleBody = piiRuleInput.meta({ id: 'CreatePiiRule' });

export const updatePiiRuleBody = z
  .object(ruleFields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const piiRuleParams = z.object({ orgId: z.string(), ruleId: idSchema('pii') });

const sampleEvent = z
  .object({
    actorName: z.string().max(500).nullable().default(null),
    actorIp: z.string().max(100).nullable().default(null),
    targetName: z.string().max(500).nullable().default(null),
    reason: z.string().max(2000).nullable().default(null),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .strict();

export const previewPiiBody = z
  .object({
    text: z.string().max(20_000).optional().describe('Free text: every enabled rule applies to all of it'),
    event: sampleEvent.optional().describe('A sample audit event: each rule applies where its appliesTo says'),
    rules: z.array(piiRuleInput).max(50).optional().describe('A proposed rule set; the org\'s current rules when absent'),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.event === undefined), { message: 'send exactly one of text and event', path: ['text'] })
  .meta({ id: 'PreviewPiiRequest' });

export const piiPreviewSchema = z
  .object({
    stored: z.unknown().describe('What would be stored: after the write-mode rules'),
    masked: z.unknown().describe('What a reader without audit:read-unmasked would see: after write- and read-mode rules'),
    matches: z.array(z.object({ ruleName: z.string(), detector: detectorSchema, mode: piiModeSchema, count: z.number().int() })),
  })
  .meta({ id: 'PiiPreview' });

export type PiiRuleView = z.infer<typeof piiRuleSchema>;
export type PiiRuleInput = z.infer<typeof piiRuleInput>;
export type UpdatePiiRuleInput = z.infer<typeof updatePiiRuleBody>;
export type PreviewPiiInput = z.infer<typeof previewPiiBody>;
export type PiiPreviewView = z.infer<typeof piiPreviewSchema>;
