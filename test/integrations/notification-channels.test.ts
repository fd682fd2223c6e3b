/**
 * Notification channels against real peers on loopback: an SMTP server (smtp-server) and a
 * Slack-compatible incoming-webhook receiver on 127.0.0.2 (the only range this app's egress
 * allow-list holds). notify() dedups by key, rides the caller's transaction, and the outbox
 * retries a failed post.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { notify } from '../../src/modules/integrations/index.ts';
import { slackMessageSchema } from '../../src/modules/integrations/channel-schemas.ts';
import { createHarness, type Harness } from './harness.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

describe('notification channels', () => {
  let smtp: TestSmtpServer;
  let slack: Receiver;
  let h: Harness;
  let orgId: string;
  let otherOrg: string;
  let emailId: string;
  let slackId: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    slack = await startReceiver('127.0.0.2');
    h = await createHarness({ config: { smtpUrl: smtp.url, egressAllowCidrs: ['127.0.0.2/32'] } });
    orgId = await h.createOrg('finance');
    otherOrg = await h.createOrg('elsewhere');
  });
  afterAll(async () => {
    await h?.close();
    await slack?.close();
    await smtp?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown, org = orgId) =>
    h.app.inject({ method, url: `/api/v1/orgs/${org}/notification-channels${path}`, headers: { 'x-test-user': h.admin.id }, ...(payload === undefined ? {} : { payload: payload as object }) });

  async function sendsOf(channelId: string) {
    return h.db.withTables<{ notification_sends: { channel_id: string; status: string; attempts: number; last_error: string | null; dedup_key: string } }>()
      .selectFrom('notification_sends').selectAll().where('channel_id', '=', channelId).orderBy('dedup_key').execute();
  }

  it('creates an e-mail and a Slack channel; the webhook URL is sealed, never returned nor audited', async () => {
    const email = await api('POST', '', { name: 'Finance BU managers', kind: 'email', recipients: ['Cfo@Example.com', 'controller@example.com'] });
    expect(email.statusCode).toBe(201);
    expect(email.json()).toMatchObject({ kind: 'email', recipients: ['cfo@example.com', 'controller@example.com'], webhookHost: null, enabled: true, version: 1 });
    emailId = email.json().id;

    const hookUrl = `${slack.url}/services/T000/B000/s3cr3tpath`;
    const created = await api('POST', '', { name: 'finops-alerts', kind: 'slack', webhookUrl: hookUrl });
    expect(created.statusCode).toBe(201);
    slackId = created.json().id;
    expect(created.json()).toMatchObject({ kind: 'slack', recipients: [], webhookHost: `127.0.0.2:${slack.port}` });
    expect(created.body).not.toContain('s3cr3tpath');

    const row = await h.db.withTables<{ notification_channels: { id: string; webhook_url_sealed: unknown } }>()
      .selectFrom('notification_channels').select('webhook_url_sealed').where('id', '=', slackId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row.webhook_url_sealed)).not.toContain('s3cr3tpath');
    const audit = await h.db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).execute();
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['notification-channel:create']));
    expect(JSON.stringify(audit)).not.toContain('s3cr3tpath');

    const list = await api('GET', '');
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([emailId, slackId]);
    expect(list.body).not.toContain('s3cr3tpath');
  });

  it('refuses bad input and destinations the egress guard refuses, naming the field', async () => {
    const noRecipients = await api('POST', '', { name: 'x', kind: 'email' });
    expect(noRecipients.statusCode).toBe(400);
    expect(noRecipients.json().errors.map((e: { field: string }) => e.field).join(' ')).toContain('recipients');
    const privateHook = await api('POST', '', { name: 'internal', kind: 'slack', webhookUrl: 'https://10.1.2.3/services/x' });
    expect(privateHook.statusCode).toBe(400);
    expect(privateHook.json()).toMatchObject({ type: expect.stringContaining('egress-refused'), field: 'body.webhookUrl', reason: 'private' });
    expect(privateHook.body).not.toContain('services/x');
    const wrongKind = await api('PATCH', `/${emailId}`, { webhookUrl: `${slack.url}/x` });
    expect(wrongKind.statusCode).toBe(400);
    expect(wrongKind.json().field).toBe('body.webhookUrl');
    const taken = await api('POST', '', { name: 'FINOPS-alerts', kind: 'email', recipients: ['a@example.com'] });
    expect(taken.statusCode).toBe(409);
  });

  it('keeps channels to their organization', async () => {
    expect((await api('GET', `/${emailId}`, undefined, otherOrg)).statusCode).toBe(404);
    expect((await api('POST', `/${slackId}/test`, undefined, otherOrg)).statusCode).toBe(404);
    const result = await h.db.transaction().execute((tx) => notify(tx, { orgId: otherOrg, channelIds: [emailId], dedupKey: 'k', subject: 's', text: 't' }));
    expect(result).toEqual({ queued: [], duplicates: [], skipped: [emailId] });
  });

  it('sends one alert once per channel even when asked twice, as e-mail and as a Slack message', async () => {
    const alert = {
      orgId,
      channelIds: [emailId, slackId],
      dedupKey: 'budget:bud_finance:2026-11:80',
      subject: 'Finance-BU budget at 80 %',
      text: 'Spend reached 80 % of the November budget.',
      fields: [
        { label: 'Budget', value: 'Finance-BU' },
        { label: 'Spend', value: '8,000.00 USD of 10,000.00 USD' },
      ],
    };
    const first = await h.db.transaction().execute((tx) => notify(tx, alert));
    const second = await h.db.transaction().execute((tx) => notify(tx, alert));
    expect(first).toEqual({ queued: [emailId, slackId].sort(), duplicates: [], skipped: [] });
    expect(second.queued).toEqual([]);
    expect(second.duplicates.sort()).toEqual([emailId, slackId].sort());

    await h.deps.outbox.drain();
    await h.deps.outbox.drain();
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to.sort()).toEqual(['cfo@example.com', 'controller@example.com']);
    expect(mail.raw).toMatch(/^Subject: Finance-BU budget at 80 %\r$/m);
    expect(mail.raw).toMatch(/^Message-ID: <nsd_[0-9a-z]{26}@hexaplane>\r$/m);
    expect(mail.raw).toContain('Spend:  8,000.00 USD of 10,000.00 USD');

    expect(slack.received).toHaveLength(1);
    const post = slack.received[0]!;
    expect(post.path).toBe('/services/T000/B000/s3cr3tpath');
    expect(post.headers['content-type']).toBe('application/json');
    const body = slackMessageSchema.parse(JSON.parse(post.body));
    expect(body.text).toBe('Finance-BU budget at 80 %: Spend reached 80 % of the November budget.');
    expect(body.blocks![0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Finance-BU budget at 80 %' } });
    expect(body.blocks![2]!.fields).toEqual([
      { type: 'mrkdwn', text: '*Budget*\nFinance-BU' },
      { type: 'mrkdwn', text: '*Spend*\n8,000.00 USD of 10,000.00 USD' },
    ]);
    expect((await sendsOf(slackId)).map((s) => s.status)).toEqual(['sent']);
    expect((await api('GET', `/${slackId}`)).json().lastSentAt).not.toBeNull();
  });

  it('queues nothing when the caller’s transaction rolls back', async () => {
    await expect(
      h.db.transaction().execute(async (tx) => {
        await notify(tx, { orgId, channelIds: [emailId], dedupKey: 'rolled-back', subject: 's', text: 't' });
        throw new Error('the budget evaluation failed');
      }),
    ).rejects.toThrow('the budget evaluation failed');
    expect((await sendsOf(emailId)).map((s) => s.dedup_key)).not.toContain('rolled-back');
  });

  it('retries a Slack post the receiver refused once, and sends it once it answers 200', async () => {
    slack.received.length = 0;
    slack.answers.push(500);
    await h.db.transaction().execute((tx) => notify(tx, { orgId, channelIds: [slackId], dedupKey: 'budget:bud_finance:2026-11:90', subject: 'Finance-BU at 90 %', text: 'Spend reached 90 %.' }));
    await h.deps.outbox.drain();
    expect(slack.received).toHaveLength(1);
    const pending = (await sendsOf(slackId)).find((s) => s.dedup_key.endsWith(':90'))!;
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringContaining('HTTP 500') });
    expect(pending.last_error).not.toContain('s3cr3tpath');
    expect((await api('GET', `/${slackId}`)).json().lastError).toContain('HTTP 500');

    // The outbox backs off before the retry; make it due now instead of waiting.
    await sql`UPDATE outbox SET next_attempt_at = now() WHERE topic = 'notification.channel' AND status = 'pending'`.execute(h.db);
    await h.deps.outbox.drain();
    expect(slack.received).toHaveLength(2);
    expect(slack.received[1]!.body).toBe(slack.received[0]!.body);
    const sent = (await sendsOf(slackId)).find((s) => s.dedup_key.endsWith(':90'))!;
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });

  it('cancels queued messages of a channel disabled before delivery, and skips disabled channels', async () => {
    await h.db.transaction().execute((tx) => notify(tx, { orgId, channelIds: [emailId], dedupKey: 'late', subject: 's', text: 't' }));
    const version = (await api('GET', `/${emailId}`)).json().version;
    const disabled = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/notification-channels/${emailId}`, headers: { 'x-test-user': h.admin.id, 'if-match': `"v${version}"` }, payload: { enabled: false } });
    expect(disabled.statusCode).toBe(200);
    const before = smtp.received.length;
    await h.deps.outbox.drain();
    expect(smtp.received).toHaveLength(before);
    expect((await sendsOf(emailId)).find((s) => s.dedup_key === 'late')!.status).toBe('cancelled');
    const skipped = await h.db.transaction().execute((tx) => notify(tx, { orgId, channelIds: [emailId], dedupKey: 'off', subject: 's', text: 't' }));
    expect(skipped.skipped).toEqual([emailId]);
    expect((await api('PATCH', `/${emailId}`, { enabled: true })).statusCode).toBe(200);
  });

  it('tests a channel on demand and reports a failure without the secret', async () => {
    const mails = smtp.received.length;
    const ok = await api('POST', `/${emailId}/test`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ delivered: true, error: null });
    expect(smtp.received).toHaveLength(mails + 1);
    expect(smtp.received.at(-1)!.raw).toMatch(/^Subject: Hexaplane test notification\r$/m);

    slack.answers.push(403);
    const refused = await api('POST', `/${slackId}/test`);
    expect(refused.json()).toMatchObject({ delivered: false, error: expect.stringContaining('HTTP 403') });
    expect(refused.body).not.toContain('s3cr3tpath');
    const events = await h.db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).where('action', '=', 'notification-channel:test').execute();
    expect(events.map((e) => (e.after as { delivered: boolean }).delivered).sort()).toEqual([false, true]);
  });

  it('deletes a channel with its queued messages', async () => {
    expect((await api('DELETE', `/${slackId}`)).statusCode).toBe(204);
    expect((await api('GET', `/${slackId}`)).statusCode).toBe(404);
    expect(await sendsOf(slackId)).toEqual([]);
  });
});
