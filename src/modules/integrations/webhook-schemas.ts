import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';
import { isKnownEventType } from './webhook-events.ts';

const nameSchema = z.string().trim().min(1).max(100);

const urlSchema = z
  .string()
  .min(1)
  .max(2000)
  .describe('Where deliveries are POSTed: https://, public addresses only unless the operator allow-lists a range (then http:// too)');

const eventTypesSchema = z
  .array(
    z
      .string()
      .max(100)
      .refine((t) => t === '*' || isKnownEventType(t), 'is not an event type (see GET .../webhook-event-types), nor *'),
  )
  .min(1)
  .max(100)
  .refine((types) => !types.includes('*') || types.length === 1, '* stands alone: it means every event type')
  .transform((types) => [...new Set(types)])
  .describe('The event types to receive, or ["*"] for all of them');

export const webhookEventTypeSchema = z
  .object({ type: z.string(), description: z.string() })
  .meta({ id: 'WebhookEventType' });

export const webhookSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    description: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe('Why the endpoint was disabled automatically (repeated failed deliveries); null otherwise'),
    consecutiveFailures: z.number().int().describe('Deliveries that failed for good since the last success'),
    rotatedAt: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable().describe('Until then deliveries are signed with the old secret as well as the new one'),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Webhook' });

export const createWebhookBody = z
  .object({
    name: nameSchema,
    url: urlSchema,
    eventTypes: eventTypesSchema,
    description: z.string().max(1000).default(''),
    enabled: z.boolean().default(true),
  })
  .strict();

export const updateWebhookBody = z
  .object({ name: nameSchema, url: urlSchema, eventTypes: eventTypesSchema, description: z.string().max(1000), enabled: z.boolean() })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const rotateWebhookSecretBody = z
  .object({
    overlapMinutes: z.number().int().min(0).max(10_080).default(60).describe('How long deliveries stay signed with the old secret too (0-10080)'),
  })
  .strict();

export const webhookWithSecretSchema = z
  .object({
    webhook: webhookSchema,
    secret: z.string().describe('The signing secret (whsec_...), shown this once'),
  })
  .meta({ id: 'WebhookWithSecret' });

export const deliveryStatusSchema = z.enum(['pending', 'succeeded', 'failed']);

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string().describe('The audit event id (or the ping message id); also the webhook-id header'),
    eventType: z.string(),
    status: deliveryStatusSchema.describe('pending: waiting for its next attempt; succeeded: a 2xx answer; failed: out of attempts'),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    latencyMs: z.number().int().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookAttemptSchema = z
  .object({
    attemptedAt: z.string(),
    url: z.string(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    responseBody: z.string().nullable().describe('The start of the response body (at most 2 KiB)'),
  })
  .meta({ id: 'WebhookDeliveryAttempt' });

export const webhookDeliveryDetailSchema = webhookDeliverySchema
  .extend({
    payload: z.string().describe('The JSON body as sent'),
    attemptLog: z.array(webhookAttemptSchema),
  })
  .meta({ id: 'WebhookDeliveryDetail' });

export const webhookParams = z.object({ orgId: z.string(), webhookId: idSchema('whk') });
export const deliveryParams = webhookParams.extend({ deliveryId: idSchema('whd') });
export const deliveryQuery = z.object({ status: deliveryStatusSchema.optional().describe('Only deliveries in this state') });

export type WebhookView = z.infer<typeof webhookSchema>;
export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;
export type WebhookDeliveryDetailView = z.infer<typeof webhookDeliveryDetailSchema>;
export type CreateWebhookInput = z.infer<typeof createWebhookBody>;
export type UpdateWebhookInput = z.infer<typeof updateWebhookBody>;
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;
