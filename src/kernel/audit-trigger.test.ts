import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { expectJson, signIn } from '../../test/support/http.ts';

let t: TestApp;
let eventId: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = await signIn(t.app);
  const org = await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme' } });
  eventId = (await t.db.selectFrom('audit_events').select('id').where('org_id', '=', org.id).executeTakeFirstOrThrow()).id;
});
afterAll(async () => t?.close());

describe('the audit table is append-only in the database', () => {
  it('refuses to change any column of an event', async () => {
    await expect(sql`UPDATE audit_events SET action = 'x:y' WHERE id = ${eventId}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_events SET after = '{}'::jsonb WHERE id = ${eventId}`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('refuses DELETE and TRUNCATE', async () => {
    await expect(sql`DELETE FROM audit_events WHERE id = ${eventId}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('queues each event for the sealer in the same statement', async () => {
    const queued = await t.db.selectFrom('audit_unsealed').select('event_id').where('event_id', '=', eventId).execute();
    expect(queued).toHaveLength(1);
  });
});
