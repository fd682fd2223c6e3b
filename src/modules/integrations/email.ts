import { createTransport } from 'nodemailer';
import type { Config } from '../../kernel/config.ts';
import type { Logger } from '../../kernel/logger.ts';
import type { OutboxMessage } from '../../kernel/outbox.ts';
import { redactUrl } from '../../kernel/config.ts';
import { emailMessage } from './schemas.ts';

/** The server's SMTP relay (HEXAPLANE_SMTP_URL, HEXAPLANE_SMTP_FROM), or null when none is configured. */
export function smtpTransport(config: Pick<Config, 'smtpUrl' | 'smtpFrom'>) {
  if (!config.smtpUrl) return null;
  return createTransport(
    // Short timeouts: delivery runs inside an outbox batch, and a failed send is retried anyway.
    { url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from: config.smtpFrom },
  );
}

/** An SMTP failure without the recipients or body a server reply can quote: the code and reply code only. */
export function smtpFailure(config: Pick<Config, 'smtpUrl'>, error: unknown): Error {
  const e = error as { code?: string; responseCode?: number };
  return new Error(`sending e-mail through ${redactUrl(config.smtpUrl ?? '')} failed: ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}`);
}

/**
 * Delivers `notification.email` outbox messages over SMTP. Bodies can hold credentials
 * (invitation links), so neither a body nor a recipient ever reaches the log. With no
 * SMTP server configured, messages are dropped after one warning: queued mail would
 * otherwise pile up forever, and the API already shows an invitation's link to its sender.
 */
export function emailDelivery(config: Pick<Config, 'smtpUrl' | 'smtpFrom'>, log: Logger) {
  const transport = smtpTransport(config);
  let warned = false;

  return async function deliver(message: OutboxMessage): Promise<void> {
    const parsed = emailMessage.safeParse(message.payload);
    if (!parsed.success) throw new Error(`notification.email ${message.id} is not {to, subject, text}`);
    if (!transport) {
      if (!warned) {
        log.warn('e-mail delivery is disabled (set HEXAPLANE_SMTP_URL); e-mail notifications are dropped');
        warned = true;
      }
      return;
    }
    const mail = parsed.data;
    try {
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text });
    } catch (error) {
      throw smtpFailure(config, error);
    }
  };
}

/** An e-mail with attachments, sent now (reports: the bytes are too large for an outbox row). */
export interface DirectEmail {
  to: string[];
  subject: string;
  text: string;
  attachments: Array<{ filename: string; content: Buffer | string; contentType: string }>;
}

/**
 * Sends one e-mail through the configured relay; throws when none is configured or the relay
 * refuses, with neither recipients nor body in the error (they can be personal data).
 */
export async function sendEmail(config: Pick<Config, 'smtpUrl' | 'smtpFrom'>, mail: DirectEmail): Promise<void> {
  const transport = smtpTransport(config);
  if (!transport) throw new Error('e-mail delivery is disabled (set HEXAPLANE_SMTP_URL)');
  try {
    await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, attachments: mail.attachments });
  } catch (error) {
    throw smtpFailure(config, error);
  } finally {
    transport.close();
  }
}
