import { Command } from 'commander';
import { loadConfig } from '../kernel/config.ts';
import { createLogger } from '../kernel/logger.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { openDatabase, serve } from '../main.ts';

const program = new Command('hexaplane').description('Hexaplane: the enterprise control plane for multi-tenant Kubernetes');

program
  .command('serve')
  .description('Start the API, console and workers (embedded PostgreSQL unless DATABASE_URL is set)')
  .option('--demo', 'seed the Acme Financial Group demo on start')
  .action(async (options: { demo?: boolean }) => {
    const config = loadConfig(process.env, options.demo ? { demo: 'true' } : {});
    const server = await serve(config);
    const shutdown = (signal: string) => {
      process.stdout.write(`\n${signal}: finishing in-flight requests...\n`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const database = await openDatabase(config, log);
    try {
      const applied = await migrate(database.db);
      process.stdout.write(applied.length ? `applied:\n  ${applied.join('\n  ')}\n` : 'database is up to date\n');
    } finally {
      await database.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`hexaplane: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
