import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Configuration comes from an optional YAML file (HEXAPLANE_CONFIG) overlaid by
 * environment variables. Every key is validated once at start; a bad value stops
 * the process with the offending key named.
 */
/** A switch: YAML gives booleans, the environment gives "true"/"false"/"1"/"0". */
const flag = () => z.union([z.boolean(), z.stringbool()]).default(false);

/** A list: YAML gives a sequence, the environment a comma-separated string. */
const list = () =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
    z.array(z.string()),
  );

/** Ranges outbound connections (webhooks, SIEM streams) may reach although not public. */
const cidrList = () =>
  list()
    .pipe(z.array(z.string().refine((c) => ipaddr.isValidCIDR(c), 'must be a CIDR like 10.20.0.0/16 or fd00::/8')))
    .default([]);

export const configSchema = z.object({
  host: z.string().min(1).default('localhost'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  publicUrl: z.url().default('http://localhost:8080'),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  dataDir: z.string().min(1).default('.hexaplane'),
  embeddedPostgresPort: z.coerce.number().int().min(1024).max(65535).default(54329),
  databasePoolSize: z.coerce.number().int().min(1).max(200).default(10),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bootstrapAdminEmail: z.email().default('admin@hexaplane.local'),
  bootstrapAdminPassword: z.string().min(12).optional(),
  sessionIdleMinutes: z.coerce.number().int().min(1).max(24 * 60).default(30),
  sessionAbsoluteHours: z.coerce.number().int().min(1).max(24 * 30).default(12),
  rateLimitPerMinute: z.coerce.number().int().min(1).default(1200),
  apiKeyRateLimitPerMinute: z.coerce.number().int().min(1).default(6000),
  kekFile: z.string().optional(),
  consoleDir: z.string().default('console/dist'),
  trustProxy: flag(),
  outboxPollMs: z.coerce.number().int().min(10).max(60_000).default(500),
  demo: flag(),
  smtpUrl: z.string().optional(),
  smtpFrom: z.string().min(3).max(320).default('Hexaplane <no-reply@hexaplane.local>'),
  egressAllowCidrs: cidrList(),
  /** How often the retention worker deletes what retention allows (ADR 0009). */
  retentionIntervalMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(24 * 60),
  budgetEvaluationMinutes: z.coerce.number().int().min(1).max(24 * 60).default(15),
  // audit: sealing cadence and SIEM streams (ADR 0007)
  auditSealIntervalMs: z.coerce.number().int().min(10).max(60_000).default(250),
  auditStreamPollMs: z.coerce.number().int().min(10).max(60_000).default(1000),
  auditFileSinkDir: z.string().min(1).optional(),
  // single sign-on (ADR 0014): DNS servers for domain verification ("host:port"; empty = the system's)
  dnsServers: list().default([]),
  ssoClockSkewSeconds: z.coerce.number().int().min(0).max(600).default(120),
});

export type Config = z.infer<typeof configSchema>;

const envKeys: Record<keyof Config, string> = {
  host: 'HEXAPLANE_HOST',
  port: 'HEXAPLANE_PORT',
  publicUrl: 'HEXAPLANE_PUBLIC_URL',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'HEXAPLANE_DATA_DIR',
  embeddedPostgresPort: 'HEXAPLANE_EMBEDDED_PG_PORT',
  databasePoolSize: 'HEXAPLANE_DB_POOL_SIZE',
  logLevel: 'HEXAPLANE_LOG_LEVEL',
  bootstrapAdminEmail: 'HEXAPLANE_ADMIN_EMAIL',
  bootstrapAdminPassword: 'HEXAPLANE_ADMIN_PASSWORD',
  sessionIdleMinutes: 'HEXAPLANE_SESSION_IDLE_MINUTES',
  sessionAbsoluteHours: 'HEXAPLANE_SESSION_ABSOLUTE_HOURS',
  rateLimitPerMinute: 'HEXAPLANE_RATE_LIMIT_PER_MINUTE',
  apiKeyRateLimitPerMinute: 'HEXAPLANE_API_KEY_RATE_LIMIT_PER_MINUTE',
  kekFile: 'HEXAPLANE_KEK_FILE',
  consoleDir: 'HEXAPLANE_CONSOLE_DIR',
  trustProxy: 'HEXAPLANE_TRUST_PROXY',
  outboxPollMs: 'HEXAPLANE_OUTBOX_POLL_MS',
  demo: 'HEXAPLANE_DEMO',
  smtpUrl: 'HEXAPLANE_SMTP_URL',
  smtpFrom: 'HEXAPLANE_SMTP_FROM',
  egressAllowCidrs: 'HEXAPLANE_EGRESS_ALLOW_CIDRS',
  retentionIntervalMinutes: 'HEXAPLANE_RETENTION_INTERVAL_MINUTES',
  budgetEvaluationMinutes: 'HEXAPLANE_BUDGET_EVALUATION_MINUTES',
  auditSealIntervalMs: 'HEXAPLANE_AUDIT_SEAL_INTERVAL_MS',
  auditStreamPollMs: 'HEXAPLANE_AUDIT_STREAM_POLL_MS',
  auditFileSinkDir: 'HEXAPLANE_AUDIT_FILE_SINK_DIR',
  dnsServers: 'HEXAPLANE_DNS_SERVERS',
  ssoClockSkewSeconds: 'HEXAPLANE_SSO_CLOCK_SKEW_SECONDS',
};

/** The environment variable that sets each key, for docs and error messages. */
export const configEnvironment = envKeys;

export class ConfigError extends Error {}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const fromFile = readConfigFile(env.HEXAPLANE_CONFIG);
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envKeys)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const parsed = configSchema.safeParse({ ...fromFile, ...fromEnv, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const name = envKeys[key as keyof Config] ?? key;
      return `  ${key} (${name}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  config.dataDir = path.resolve(config.dataDir);
  config.consoleDir = path.resolve(config.consoleDir);
  config.auditFileSinkDir = path.resolve(config.auditFileSinkDir ?? path.join(config.dataDir, 'siem'));
  return config;
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  const doc: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`configuration file ${file} must hold a mapping of keys`);
  }
  return doc as Record<string, unknown>;
}

const secretKeys = new Set<keyof Config>(['bootstrapAdminPassword', 'smtpUrl']);

/** The configuration as it is safe to print: secrets and URL passwords hidden. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (secretKeys.has(key as keyof Config)) out[key] = '[redacted]';
    else if (key === 'databaseUrl' && typeof value === 'string') out[key] = redactUrl(value);
    else out[key] = value;
  }
  return out;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
