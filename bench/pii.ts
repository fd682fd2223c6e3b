/**
 * PII masking figures (issue 4, ADR 0010), each next to a baseline measured in the same run:
 * - masking: events/s through `maskEvent` with every detector enabled (a realistic audit event
 *   carrying an e-mail, a phone number, a card, an IBAN, a My Number and an IP address), against
 *   JSON.stringify of the same events (what writing them costs anyway);
 * - the write port alone: `maskForWrite` per call for an org without write rules (a cached empty
 *   set) and with them;
 * - recordAudit on an embedded PostgreSQL: no masker installed (baseline), an org without write
 *   rules, and an org with the default write rules plus more, as ratios.
 * Usage: npm run bench -- pii [maskEvents] [auditWrites]   (bounded well under 30 s)
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { recordAudit, setAuditWriteMasker, type AuditMaskable } from '../src/kernel/audit.ts';
import { newPrincipal } from '../src/kernel/authz.ts';
import type { Db } from '../src/kernel/db/index.ts';
import { newId } from '../src/kernel/ids.ts';
import { maskEvent, orderRules, type EventRule } from '../src/modules/compliance/pii.ts';
import { auditWriteMasker, compileRules, defaultRules, invalidateRules, rulesFor } from '../src/modules/compliance/service.ts';
import * as store from '../src/modules/compliance/store.ts';
import { withBenchDatabase } from './_database.ts';

const everywhere = { payload: true, fields: [], targetName: true, actorName: true, actorIp: false, reason: true };
const fullRuleSet: EventRule[] = orderRules([
  { detector: 'email', style: 'partial', appliesTo: everywhere },
  { detector: 'phone', style: 'hash', appliesTo: everywhere, defaultCountry: 'JP' },
  { detector: 'payment-card', style: 'partial', appliesTo: everywhere },
  { detector: 'my-number', style: 'redact', appliesTo: everywhere },
  { detector: 'iban', style: 'partial', appliesTo: everywhere },
  { detector: 'ip-address', style: 'partial', appliesTo: { ...everywhere, actorIp: true } },
]);

/** An invitation-like event with PII in a few fields and ordinary values in the rest. */
function realisticEvent(i: number): AuditMaskable {
  return {
    actorName: `Hanako Yamada ${i}`,
    actorIp: `10.1.${i % 250}.7`,
    targetName: `customer-${i}@example.co.jp`,
    reason: null,
    before: { status: 'pending', labels: { team: 'payments', env: 'prod' }, quota: { cpu: '8', memory: '32Gi' } },
    after: {
      id: `inv_01j${String(i).padStart(23, '0')}`,
      email: `customer-${i}@example.co.jp`,
      displayName: `Customer ${i}`,
      phone: '03-1234-5678',
      note: `refund to card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, My Number 1234 5678 9018`,
      status: 'active',
      labels: { team: 'payments', env: 'prod', 'cost-center': `cc-${i % 97}` },
      createdAt: new Date(Date.UTC(2026, 10, 23) + i).toISOString(),
    },
  };
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

function masking(n: number) {
  const events = Array.from({ length: n }, (_, i) => realisticEvent(i));
  const hmacKey = randomBytes(32);
  // Warm both paths so the JIT has compiled them before the clock starts.
  for (const e of events.slice(0, 200)) {
    maskEvent(e, fullRuleSet, { hmacKey });
    JSON.stringify(e);
  }
  let start = process.hrtime.bigint();
  let bytes = 0;
  for (const e of events) bytes += JSON.stringify(e).length;
  const stringify = seconds(start);
  start = process.hrtime.bigint();
  let changed = 0;
  for (const e of events) if (maskEvent(e, fullRuleSet, { hmacKey }) !== e) changed += 1;
  const mask = seconds(start);
  if (changed !== n) throw new Error(`masked ${changed} of ${n}`);
  return {
    events: n,
    rules: fullRuleSet.map((r) => `${r.detector}/${r.style}`),
    eventsPerSecond: Math.round(n / mask),
    baselineJsonStringifyEventsPerSecond: Math.round(n / stringify),
    costRelativeToStringify: Number((mask / stringify).toFixed(2)),
    averageEventBytes: Math.round(bytes / n),
  };
}

async function portAlone(db: Db, emptyOrg: string, ruledOrg: string, n: number) {
  const fields = realisticEvent(1);
  // Fill the cache once; the loop then measures the hot path.
  await rulesFor(db, emptyOrg);
  await rulesFor(db, ruledOrg);
  const per = (orgId: string, calls: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      const r = auditWriteMasker.maskForWrite(db, orgId, fields);
      if (r instanceof Promise) throw new Error('cache miss in the hot loop');
    }
    return Number(process.hrtime.bigint() - start) / calls;
  };
  per(emptyOrg, n);
  // Masking calls cost microseconds each: fewer of them keep the run short.
  return { nsPerCallNoWriteRules: Math.round(per(emptyOrg, n)), nsPerCallWithWriteRules: Math.round(per(ruledOrg, n / 100)), calls: { noWriteRules: n, withWriteRules: n / 100 } };
}


async function newOrg(db: Db, writeRules: boolean): Promise<string> {
  const id = newId('organization');
  await sql`INSERT INTO organizations (id, name, slug) VALUES (${id}, ${id}, ${id.slice(4)})`.execute(db);
  await store.createSettings(db, id);
  const rules = writeRules
    ? [...defaultRules, { name: 'Phones', detector: 'phone' as const, mode: 'write' as const, style: 'redact' as const, applies_to: everywhere, default_country: 'JP', enabled: true }]
    : defaultRules.filter((r) => r.mode === 'read');
  await store.insertRules(db, rules.map((r) => ({ ...r, id: newId('piiRule'), org_id: id })));
  invalidateRules(id);
  return id;
}

async function auditWrites(n: number) {
  return withBenchDatabase('pii', 4, async ({ db }) => {
    const emptyOrg = await newOrg(db, false);
    const ruledOrg = await newOrg(db, true);
    const principal = newPrincipal({ kind: 'user', id: 'usr_bench', displayName: 'Hanako Yamada', ip: '10.1.2.3' });
    const write = async (orgId: string, count: number) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < count; i++) {
        const e = realisticEvent(i);
        await recordAudit(db, principal, { action: 'invitation:create', orgId, target: { type: 'invitation', id: `inv_${i}`, name: e.targetName }, before: e.before, after: e.after });
      }
      return seconds(start);
    };
    // Rounds alternate the three variants so drift in the machine's load hits each alike.
    const totals = { baseline: 0, noWriteRules: 0, withWriteRules: 0 };
    const rounds = 4;
    await write(emptyOrg, 100); // warm-up
    for (let round = 0; round < rounds; round++) {
      setAuditWriteMasker(null);
      totals.baseline += await write(emptyOrg, n / rounds);
      setAuditWriteMasker(auditWriteMasker);
      totals.noWriteRules += await write(emptyOrg, n / rounds);
      totals.withWriteRules += await write(ruledOrg, n / rounds);
    }
    const stored = await sql<{ after: { note: string } }>`SELECT after FROM audit_events WHERE org_id = ${ruledOrg} LIMIT 1`.execute(db);
    if (stored.rows[0]!.after.note.includes('4111')) throw new Error('the card was not masked at write');
    return {
      port: await portAlone(db, emptyOrg, ruledOrg, 200_000),
      recordAudit: {
        writesPerVariant: n,
        baselineNoMaskerWritesPerSecond: Math.round(n / totals.baseline),
        noWriteRulesWritesPerSecond: Math.round(n / totals.noWriteRules),
        withWriteRulesWritesPerSecond: Math.round(n / totals.withWriteRules),
        ratioNoWriteRulesToBaseline: Number((totals.noWriteRules / totals.baseline).toFixed(3)),
        ratioWithWriteRulesToBaseline: Number((totals.withWriteRules / totals.baseline).toFixed(3)),
        writeRules: compileRules([...defaultRules], null).write.map((r) => r.detector).concat('phone'),
        note: 'one INSERT per call outside a transaction, on an embedded PostgreSQL on this machine',
      },
    };
  }).finally(() => {
    setAuditWriteMasker(null);
  });
}

export async function run(args: string[]) {
  const maskEvents = Number(args[0] ?? 10_000);
  const writes = Number(args[1] ?? 1_000);
  return {
    benchmark: 'pii',
    machine: { cpus: os.cpus().length, node: process.version },
    masking: masking(maskEvents),
    ...(await auditWrites(writes)),
  };
}
