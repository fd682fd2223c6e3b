/**
 * The load generator of bench/siem.ts, in its own process (as API clients would be): writes
 * audit events through recordAudit at a steady rate, in small transactions, on its own pool.
 * argv: databaseUrl orgId eventsPerSecond seconds. Prints {events, seconds} as JSON.
 */
import { recordAudit } from '../src/kernel/audit.ts';
import { newPrincipal } from '../src/kernel/authz.ts';
import { createDb } from '../src/kernel/db/index.ts';

const [url, orgId, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const { db } = createDb(url!, 8);
const actor = newPrincipal({ kind: 'apiKey', id: 'key_bench', displayName: 'ci-deployer', ip: '10.1.2.3', userAgent: 'hexaplane-cli/0.1' });
const MAX_IN_FLIGHT = 8;
const PER_TX = 10;

async function write(count: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < count; i++) {
      await recordAudit(tx, actor, { action: 'project:update', orgId: orgId!, target: { type: 'project', id: 'prj_bench', name: 'Ledger' }, after: { labels: { team: 'payments' } } });
    }
  });
}

const start = Date.now();
let sent = 0;
const inFlight = new Set<Promise<void>>();
while (Date.now() - start < seconds * 1000) {
  const due = Math.floor(((Date.now() - start) / 1000) * rate) - sent;
  // Small transactions while keeping up; larger ones (never more in flight) when behind.
  for (let left = due; left > 0 && inFlight.size < MAX_IN_FLIGHT;) {
    const count = Math.min(left, inFlight.size < MAX_IN_FLIGHT - 1 ? PER_TX : left);
    const p = write(count).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent += count;
    left -= count;
  }
  await new Promise((r) => setTimeout(r, 5));
}
await Promise.all(inFlight);
process.stdout.write(JSON.stringify({ events: sent, seconds: (Date.now() - start) / 1000 }) + '\n');
await db.destroy();
