/**
 * Delivery of notification-channel messages (ADR 0016). notify() queues one
 * `notification.channel` outbox message per (channel, dedup key); the outbox delivers it at
 * least once with backoff, and this handler sends it over SMTP or to a Slack-compatible
 * incoming webhook through the egress guard. A send already marked `sent` is skipped, so an
 * outbox retry after a crash between the send and the outbox commit does not repeat it.
 */
import { openSecret } from '../../kernel/crypto.ts';
import { EgressRefused } from '../../kernel/egress.ts';
import type { OutboxMessage } from '../../kernel/outbox.ts';
import type { ModuleDeps } from '../deps.ts';
import type { NotificationField, SlackMessage } from './channel-schemas.ts';
import * as store from './channel-store.ts';
import { smtpFailure, smtpTransport } from './email.ts';

export const CHANNEL_TOPIC = 'notification.channel';

export const webhookUrlAad = (channelId: string) => `notification-channel:${channelId}`;

export interface ChannelMessage {
  subject: string;
  text: string;
  fields: NotificationField[];
  /** Stable per send; becomes the e-mail Message-ID so mail clients can drop a repeat. */
  messageId: string;
}

/** Thrown when a send cannot succeed by retrying (no SMTP relay configured). */
export class PermanentSendFailure extends Error {}

/** The plain-text e-mail body: the text, then one `label: value` line per field. */
export function emailText(text: string, fields: NotificationField[]): string {
  if (fields.length === 0) return `${text}\n`;
  const width = Math.max(...fields.map((f) => f.label.length));
  return `${text}\n\n${fields.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`).join('\n')}\n`;
}

/** Slack mrkdwn treats & < > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The incoming-webhook body: `text` is the notification fallback every Slack-compatible
 * receiver shows (Mattermost, Rocket.Chat read it too); blocks add a header and the fields
 * as a two-column section (Slack allows at most 10 fields a section, hence the chunks).
 */
export function slackMessage(subject: string, text: string, fields: NotificationField[]): SlackMessage {
  const blocks: NonNullable<SlackMessage['blocks']> = [
    { type: 'header', text: { type: 'plain_text', text: subject.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text).slice(0, 3000) } },
  ];
  for (let i = 0; i < fields.length; i += 10) {
    blocks.push({
      type: 'section',
      fields: fields.slice(i, i + 10).map((f) => ({ type: 'mrkdwn' as const, text: `*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`.slice(0, 2000) })),
    });
  }
  return { text: `${subject}: ${text}`, blocks };
}

function describeError(error: unknown): string {
  if (error instanceof EgressRefused) return `refused by the egress guard: ${error.reason}`;
  const e = error as { code?: string; message?: string };
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`.slice(0, 2000);
}

export type ChannelSender = ReturnType<typeof createChannelSender>;

/** Sends one message to one channel; throws an error that names neither a recipient nor the webhook URL. */
export function createChannelSender(deps: Pick<ModuleDeps, 'config' | 'keys' | 'egress'>) {
  const transport = smtpTransport(deps.config);

  async function sendEmail(channel: store.ChannelRow, message: ChannelMessage): Promise<void> {
    if (!transport) throw new PermanentSendFailure('e-mail delivery is disabled on this server (set HEXAPLANE_SMTP_URL)');
    try {
      await transport.sendMail({ to: channel.recipients, subject: message.subject, text: emailText(message.text, message.fields), messageId: `<${message.messageId}@hexaplane>` });
    } catch (error) {
      throw smtpFailure(deps.config, error);
    }
  }

  async function sendSlack(channel: store.ChannelRow, message: ChannelMessage): Promise<void> {
    const url = await openSecret(deps.keys, channel.webhook_url_sealed!, webhookUrlAad(channel.id));
    let response;
    try {
      response = await deps.egress.request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Hexaplane-Notifications/1' },
        body: JSON.stringify(slackMessage(message.subject, message.text, message.fields)),
        timeoutMs: 10_000,
        maxResponseBytes: 2048,
      });
    } catch (error) {
      // Connection errors can quote the URL, whose path is the secret: keep the reason only.
      throw new Error(`posting to ${channel.webhook_host} failed: ${describeError(error).replaceAll(url, '[webhook URL]')}`);
    }
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${channel.webhook_host} answered HTTP ${response.status}${response.body ? `: ${response.body.slice(0, 200)}` : ''}`);
    }
  }

  return async function send(channel: store.ChannelRow, message: ChannelMessage): Promise<void> {
    if (channel.kind === 'email') return sendEmail(channel, message);
    return sendSlack(channel, message);
  };
}

/** The outbox handler of `notification.channel` messages: `{ sendId }` payloads. */
export function channelDelivery(deps: ModuleDeps) {
  const send = createChannelSender(deps);
  const log = deps.log.child({ component: 'notifications' });

  return async function deliver(outboxMessage: OutboxMessage): Promise<void> {
    const sendId = (outboxMessage.payload as { sendId?: unknown } | null)?.sendId;
    if (typeof sendId !== 'string' || !outboxMessage.orgId) throw new Error(`${CHANNEL_TOPIC} ${outboxMessage.id} carries no sendId`);
    const orgId = outboxMessage.orgId;
    const row = await store.findSend(deps.db, orgId, sendId);
    // Deleted with its channel, or already sent by an earlier run of this message.
    if (!row || row.status !== 'pending') return;
    const channel = await store.findChannelById(deps.db, orgId, row.channel_id);
    if (!channel) return;
    if (!channel.enabled) {
      await store.recordSendOutcome(deps.db, orgId, row.id, 'cancelled', 'the channel was disabled before delivery');
      return;
    }
    try {
      await send(channel, { subject: row.subject, text: row.body, fields: row.fields, messageId: row.id });
    } catch (error) {
      const reason = describeError(error);
      if (error instanceof PermanentSendFailure) {
        log.warn({ channelId: channel.id, sendId: row.id, err: reason }, 'notification not sent');
        await store.recordSendOutcome(deps.db, orgId, row.id, 'failed', reason);
        return;
      }
      await store.recordSendOutcome(deps.db, orgId, row.id, 'pending', reason);
      throw new Error(reason);
    }
    await store.recordSendOutcome(deps.db, orgId, row.id, 'sent', null);
  };
}
