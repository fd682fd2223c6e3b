import { Command, Option } from 'commander';
import { loadConfig } from '../kernel/config.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { createLogger, type Logger } from '../kernel/logger.ts';
import type { ModuleDeps } from '../modules/deps.ts';
import { openDatabase, serve } from '../main.ts';
import { ApiProblem, createHexaplaneClient, unwrap } from '../sdk/index.ts';
import { apiKeyCommands } from './commands/apikey.ts';
import { policyCommands, roleCommands } from './commands/access.ts';
import { auditCommands } from './commands/audit.ts';
import { complianceCommands } from './commands/compliance.ts';
import { contractCommands } from './commands/contract.ts';
import { reportCommands } from './commands/report.ts';
import { costCommands } from './commands/cost.ts';
import { budgetCommands } from './commands/budget.ts';
import { accessLogCommands, legalHoldCommands, retentionCommands } from './commands/retention.ts';
import { securityPolicyCommands } from './commands/security-policy.ts';
import { memberCommands, organizationCommands, projectCommands, workspaceCommands } from './commands/tenancy.ts';
import { channelCommands } from './commands/channel.ts';
import { webhookCommands } from './commands/webhook.ts';
import { scimTokenCommands } from './commands/scim-token.ts';
import { ssoCommands } from './commands/sso.ts';
import { writeProfile } from './context.ts';
import { printMessage } from './output.ts';

const program = new Command('hexaplane')
  .description('Hexaplane: the enterprise control plane for multi-tenant Kubernetes')
  .option('--url <url>', 'Hexaplane URL (HEXAPLANE_URL; default from `login`, else http://localhost:8080)')
  .option('--api-key <key>', 'API key (HEXAPLANE_API_KEY; default from `login`)')
  .option('--org <orgId>', 'organization (HEXAPLANE_ORG; default: the API key\'s)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'));

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

const admin = program.command('admin').description('Operator commands that run against the database directly');

/** Runs an operator command with the whole app composed on the configured database (migrated first). */
async function asOperator(work: (deps: ModuleDeps, log: Logger) => Promise<string>): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config, log);
  try {
    await migrate(database.db);
    const { buildApp } = await import('../app.ts');
    const { app, deps } = await buildApp({ config, db: database.db, log });
    try {
      process.stdout.write(`${await work(deps, log)}\n`);
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

admin
  .command('reset-password <email>')
  .description('Break-glass: set a generated password, clear the lockout, end sessions (audited)')
  .action((email: string) =>
    asOperator(async (deps) => {
      const { resetPasswordByOperator } = await import('../modules/identity/index.ts');
      const { password } = await resetPasswordByOperator(deps, email);
      return `new password for ${email} (shown once): ${password}`;
    }),
  );

admin
  .command('reset-mfa <email>')
  .description('Break-glass: remove every second factor and recovery code of a user (audited)')
  .action((email: string) =>
    asOperator(async (deps) => {
      const { resetMfaByOperator } = await import('../modules/identity/index.ts');
      const removed = await resetMfaByOperator(deps, email);
      return `removed ${removed.join(', ') || 'nothing'} for ${email}; they can sign in with their password and enrol again`;
    }),
  );

admin
  .command('rotate-audit-key')
  .description('Retire the key that signs audit checkpoints and manifests and start a new one; old public keys stay published')
  .action(() =>
    asOperator(async (deps, log) => {
      const { rotateSigningKey } = await import('../modules/audit/index.ts');
      const keyId = await rotateSigningKey(deps);
      log.warn({ keyId }, 'audit signing key rotated by the operator');
      return `audit checkpoints are now signed by ${keyId}; publish its public key (GET /api/v1/audit/public-keys) to verifiers`;
    }),
  );

program
  .command('login')
  .description('Save a Hexaplane URL and API key for later commands (~/.config/hexaplane/credentials.json, mode 0600)')
  .action(async (_options: unknown, cmd: Command) => {
    const globals = cmd.optsWithGlobals<{ url?: string; apiKey?: string; output: 'table' | 'json' }>();
    const apiKey = globals.apiKey ?? process.env.HEXAPLANE_API_KEY;
    if (!apiKey) throw new Error('pass --api-key hxp_<id>_<secret>');
    const url = globals.url ?? process.env.HEXAPLANE_URL ?? 'http://localhost:8080';
    const client = createHexaplaneClient({ baseUrl: url, apiKey });
    const orgs = unwrap(await client.GET('/api/v1/orgs', { params: { query: {} } })).items;
    const org = orgs[0];
    if (!org) throw new Error('the key works but belongs to no organization');
    const file = writeProfile({ url, apiKey, orgId: org.id });
    printMessage(globals.output, `logged in to ${url} as an API key of ${org.name} (${org.id}); saved to ${file}`, { url, orgId: org.id });
  });

organizationCommands(program);
workspaceCommands(program);
projectCommands(program);
memberCommands(program);
roleCommands(program);
policyCommands(program);
apiKeyCommands(program);
scimTokenCommands(program);
ssoCommands(program);
auditCommands(program);
complianceCommands(program);
costCommands(program);
budgetCommands(program);
contractCommands(program);
reportCommands(program);
webhookCommands(program);
channelCommands(program);
accessLogCommands(program);
retentionCommands(program);
securityPolicyCommands(program);
legalHoldCommands(program);

program
  .command('demo')
  .description('Seed the Acme Financial Group demo into the configured database and exit')
  .action(async () => {
    const { runDemoSeed } = await import('../modules/readiness/demo.ts');
    await runDemoSeed(loadConfig());
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ApiProblem) {
    const field = error.problem.field ? ` (${error.problem.field})` : '';
    process.stderr.write(`hexaplane: ${error.status} ${error.problem.detail ?? error.message}${field}\n`);
  } else {
    process.stderr.write(`hexaplane: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
