import { sql } from 'kysely';
import { buildApp, type Hexaplane } from './app.ts';
import { loadConfig, redactConfig, type Config } from './kernel/config.ts';
import { startEmbeddedPostgres, type RunningDatabase } from './kernel/db/embedded.ts';
import { createDb, type Db } from './kernel/db/index.ts';
import { migrate } from './kernel/db/migrate.ts';
import { expireIdempotencyKeys } from './kernel/http/idempotency.ts';
import { createLogger, type Logger } from './kernel/logger.ts';
import { startAccessLogWriter, startRetentionWorker, startSealer, startStreamWorker } from './modules/audit/index.ts';
import { startBudgetWorker, startReportWorker, startCostCollector } from './modules/cost/index.ts';
import { bootstrapAdministrator } from './modules/identity/index.ts';
import { startWebhookWorker } from './modules/integrations/index.ts';
import { seedDemo } from './modules/readiness/demo.ts';

export interface Database {
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** Opens the configured PostgreSQL, starting the embedded one when no DATABASE_URL is set. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  let embedded: RunningDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort, log);
    url = embedded.url;
    log.info({ dataDir: config.dataDir }, 'embedded PostgreSQL is running');
  }
  const { db } = createDb(url, config.databasePoolSize);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}

export interface Server {
  hexaplane: Hexaplane;
  url: string;
  close(): Promise<void>;
}

/** `hexaplane serve`: config -> database -> migrations -> http app -> workers. */
export async function serve(config: Config = loadConfig()): Promise<Server> {
  const log = createLogger(config.logLevel);
  log.info({ config: redactConfig(config) }, 'starting Hexaplane');
  const database = await openDatabase(config, log);
  const applied = await migrate(database.db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  await sql`SELECT ensure_audit_partitions(now()::date, 3)`.execute(database.db);

  const hexaplane = await buildApp({ config, db: database.db, log });
  const admin = await bootstrapAdministrator(hexaplane.deps);
  if (admin.generatedPassword) {
    // Shown once, on the console only, never in the structured log.
    process.stdout.write(
      `\n  Bootstrap administrator created.\n  E-mail:   ${admin.email}\n  Password: ${admin.generatedPassword}\n  (shown once; change it after signing in)\n\n`,
    );
  }
  if (config.demo) await seedDemo(hexaplane.deps, admin.userId, log);

  await hexaplane.deps.changes.listen(database.url);
  hexaplane.deps.outbox.start();
  const sealer = startSealer(hexaplane.deps);
  const webhooks = startWebhookWorker(hexaplane.deps);
  const accessLog = startAccessLogWriter(hexaplane.deps);
  const retention = startRetentionWorker(hexaplane.deps);
  const streamWorker = startStreamWorker(hexaplane.deps);
  const stopCostCollector = startCostCollector(hexaplane.deps);
  const budgetWorker = startBudgetWorker(hexaplane.deps);
  const reportWorker = startReportWorker(hexaplane.deps);
  const housekeeping = setInterval(() => {
    expireIdempotencyKeys(database.db).catch((error) => log.warn({ err: error }, 'idempotency cleanup failed'));
    sql`SELECT ensure_audit_partitions(now()::date, 3)`.execute(database.db).catch(() => undefined);
  }, 3600_000);
  housekeeping.unref();

  const address = await hexaplane.app.listen({ host: config.host, port: config.port });
  log.info({ address }, 'Hexaplane is listening');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(housekeeping);
      stopCostCollector();
      await budgetWorker.stop();
      await reportWorker.stop();
      // Stop taking requests and wait for in-flight ones (and their transactions) to finish.
      await hexaplane.app.close();
      await hexaplane.deps.outbox.stop();
      await sealer.stop();
      await webhooks.stop();
      await retention.stop();
      // After the HTTP server closed: the last responses are in the buffer.
      await accessLog.stop();
      await streamWorker.stop();
      await hexaplane.deps.changes.close();
      await database.close();
      log.info('Hexaplane stopped');
    })());
  return { hexaplane, url: address, close };
}
