import { systemClock } from '../../kernel/clock.ts';
import { loadConfig } from '../../kernel/config.ts';
import { migrate } from '../../kernel/db/migrate.ts';
import { createLogger } from '../../kernel/logger.ts';
import { openDatabase } from '../../main.ts';
import { runRetention, type RetentionReport } from '../../modules/audit/index.ts';

/** `hexaplane retention run`: straight against the database, like `hexaplane migrate`. */
export async function runRetentionFromCli(dryRun: boolean): Promise<RetentionReport | null> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config, log);
  try {
    await migrate(database.db);
    return await runRetention({ db: database.db, clock: systemClock, log }, { dryRun });
  } finally {
    await database.close();
  }
}
