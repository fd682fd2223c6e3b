import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { createHarness, type Harness } from './harness.ts';

/** The message body as sent: long lines travel quoted-printable (RFC 2045 section 6.7). */
function bodyOf(raw: string): string {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  if (!/content-transfer-encoding: quoted-printable/i.test(raw)) return body;
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe('notification.email over SMTP', () => {
  let smtp: TestSmtpServer;
  let h: Harness;
  let orgId: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    h = await createHarness({ config: { smtpUrl: smtp.url, publicUrl: 'https://hexaplane.example.com' } });
    orgId = await h.createOrg('mailers');
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  it('delivers an invitation created through the tenancy API, with its accept link', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/invitations`,
      headers: { 'x-test-user': h.admin.id },
      payload: { email: 'Dana@Example.com', roleId: 'org-member' },
    });
    expect(response.statusCode).toBe(201);
    const { acceptUrl } = response.json() as { acceptUrl: string };
    expect(acceptUrl).toMatch(/^https:\/\/hexaplane\.example\.com\/accept-invitation\?token=/);

    expect(smtp.received).toHaveLength(0);
    await h.deps.outbox.drain();
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.from).toBe('no-reply@hexaplane.local');
    expect(mail!.to).toEqual(['dana@example.com']);
    expect(mail!.raw).toMatch(/^Subject: You are invited to Hexaplane\r$/m);
    expect(mail!.raw).toMatch(/^From: Hexaplane <no-reply@hexaplane\.local>\r$/m);
    expect(bodyOf(mail!.raw)).toContain(`Accept: ${acceptUrl}`);

    const rows = await h.db.selectFrom('outbox').selectAll().where('topic', '=', 'notification.email').execute();
    expect(rows).toEqual([expect.objectContaining({ status: 'done', attempts: 1 })]);
  });

  it('leaves a message pending for a retry when the SMTP server is down, naming no recipient', async () => {
    const down = await createHarness({ config: { smtpUrl: 'smtp://127.0.0.1:9' } });
    try {
      const org = await down.createOrg('offline');
      await down.deps.services.tenancy.createInvitation(down.user(undefined, org), org, { email: 'lee@example.com', roleId: 'org-member', expiresInHours: 24 });
      await down.deps.outbox.drain();
      const [row] = await down.db.selectFrom('outbox').selectAll().where('topic', '=', 'notification.email').execute();
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row!.last_error).toMatch(/sending e-mail through smtp:\/\/127\.0\.0\.1:9 failed/);
      expect(row!.last_error).not.toContain('lee@example.com');
    } finally {
      await down.close();
    }
  });
});

describe('notification.email without SMTP', () => {
  it('warns once that e-mail is disabled, drops the messages, and logs no body or link', async () => {
    const { log, lines } = memoryLogger();
    const h = await createHarness({ log });
    try {
      const orgId = await h.createOrg('quiet');
      const p = h.user(undefined, orgId);
      const first = await h.deps.services.tenancy.createInvitation(p, orgId, { email: 'a@example.com', roleId: 'org-member', expiresInHours: 24 });
      await h.deps.services.tenancy.createInvitation(p, orgId, { email: 'b@example.com', roleId: 'org-member', expiresInHours: 24 });
      await h.deps.outbox.drain();

      const rows = await h.db.selectFrom('outbox').selectAll().where('topic', '=', 'notification.email').execute();
      expect(rows.map((r) => r.status)).toEqual(['done', 'done']);
      const warnings = lines.filter((l) => l.includes('e-mail delivery is disabled'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40 });
      const all = lines.join('\n');
      const token = new URL(first.acceptUrl).searchParams.get('token')!;
      expect(all).not.toContain(token);
      expect(all).not.toContain('accept-invitation');
      expect(all).not.toContain('a@example.com');
    } finally {
      await h.close();
    }
  });
});
