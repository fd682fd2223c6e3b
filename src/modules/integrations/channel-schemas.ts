import { z } from 'zod';
import { idSchema } from '../../kernel/http/routing.ts';

const nameSchema = z.string().trim().min(1).max(100);

export const channelKindSchema = z.enum(['email', 'slack']).describe('email: sent over the server SMTP relay; slack: a Slack-compatible incoming webhook');

const recipientsSchema = z
  .array(z.email().max(320))
  .min(1)
  .max(50)
  .transform((list) => [...new Set(list.map((r) => r.toLowerCase()))])
  .describe('E-mail addresses (1-50) the channel sends to');

const webhookUrlSchema = z
  .string()
  .min(1)
  .max(2000)
  .describe('The incoming-webhook URL (https://; public addresses only unless the operator allow-lists a range). A secret: stored sealed, never returned');

export const notificationChannelSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    kind: channelKindSchema,
    recipients: z.array(z.string()).describe('E-mail channels: the recipients; empty for Slack channels'),
    webhookHost: z.string().nullable().describe('Slack channels: the host the webhook URL points at (the URL itself is a secret and never shown)'),
    enabled: z.boolean().describe('A disabled channel receives nothing; messages queued before are cancelled'),
    lastSentAt: z.string().nullable(),
    lastError: z.string().nullable().describe('The error of the latest failed attempt, when the latest message is not delivered yet'),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'NotificationChannel' });

export const createChannelBody = z
  .object({
    name: nameSchema,
    kind: channelKindSchema,
    recipients: recipientsSchema.optional().describe('Required for kind email'),
    webhookUrl: webhookUrlSchema.optional().describe('Required for kind slack'),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.kind === 'email') {
      if (!body.recipients) ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'an e-mail channel needs recipients' });
      if (body.webhookUrl !== undefined) ctx.addIssue({ code: 'custom', path: ['webhookUrl'], message: 'only a slack channel has a webhook URL' });
    } else {
      if (body.webhookUrl === undefined) ctx.addIssue({ code: 'custom', path: ['webhookUrl'], message: 'a slack channel needs its incoming-webhook URL' });
      if (body.recipients !== undefined) ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'only an e-mail channel has recipients' });
    }
  });

export const updateChannelBody = z
  .object({ name: nameSchema, recipients: recipientsSchema, webhookUrl: webhookUrlSchema, enabled: z.boolean() })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const channelTestResultSchema = z
  .object({
    delivered: z.boolean(),
    error: z.string().nullable().describe('Why the test message was not delivered'),
    durationMs: z.number().int(),
  })
  .meta({ id: 'NotificationChannelTestResult' });

export const channelParams = z.object({ orgId: z.string(), channelId: idSchema('nch') });

/** One labelled value of a notification (budget name, spend, threshold ...), shown as a table row. */
export const notificationFieldSchema = z.object({ label: z.string().min(1).max(100), value: z.string().max(1000) });

/** The Slack-compatible incoming-webhook body we send: `text` always (the fallback), Block Kit blocks beside it. */
export const slackMessageSchema = z.object({
  text: z.string().min(1),
  blocks: z
    .array(
      z.object({
        type: z.enum(['header', 'section']),
        text: z.object({ type: z.enum(['plain_text', 'mrkdwn']), text: z.string() }).optional(),
        fields: z.array(z.object({ type: z.literal('mrkdwn'), text: z.string() })).max(10).optional(),
      }),
    )
    .optional(),
});

export type NotificationChannelView = z.infer<typeof notificationChannelSchema>;
export type CreateChannelInput = z.infer<typeof createChannelBody>;
export type UpdateChannelInput = z.infer<typeof updateChannelBody>;
export type ChannelTestResult = z.infer<typeof channelTestResultSchema>;
export type NotificationField = z.infer<typeof notificationFieldSchema>;
export type SlackMessage = z.infer<typeof slackMessageSchema>;
