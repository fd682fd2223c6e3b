/**
 * Tenancy + integrations on a fresh database, without the identity and access modules:
 * an allow-all authorization engine (with a deny list), stubbed identity/access contracts,
 * and a header authenticator (`x-test-user: usr_...`). Enough to test the integrations
 * service, its outbox handlers and its routes on their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Principal } from '../../src/kernel/authz.ts';
import { systemClock } from '../../src/kernel/clock.ts';
import { loadConfig, type Config } from '../../src/kernel/config.ts';
import { localKeyProvider } from '../../src/kernel/crypto.ts';
import { createDb, type Db } from '../../src/kernel/db/index.ts';
import { createHttpServer, type App } from '../../src/kernel/http/server.ts';
import { createKernel } from '../../src/kernel/index.ts';
import { createLogger, type Logger } from '../../src/kernel/logger.ts';
import { newId } from '../../src/kernel/ids.ts';
import type { AccessService } from '../../src/modules/access/index.ts';
import type { ModuleDeps, Services } from '../../src/modules/deps.ts';
import type { IdentityService } from '../../src/modules/identity/index.ts';
import * as integrations from '../../src/modules/integrations/index.ts';
import type { ConnectCluster, IntegrationsService } from '../../src/modules/integrations/index.ts';
import * as tenancy from '../../src/modules/tenancy/index.ts';
import { createTestDatabase } from '../support/app.ts';

export interface Harness {
  app: App;
  deps: ModuleDeps;
  db: Db;
  config: Config;
  integrations: IntegrationsService;
  admin: Principal;
  /** Actions the authorization stub refuses, as `<principalId> <action>` or `* <action>`. */
  denied: Set<string>;
  user(id?: string, orgId?: string | null): Principal;
  createOrg(slug?: string): Promise<string>;
  close(): Promise<void>;
}

const identityStub: IdentityService = {
  findUsers: async () => [],
  findUserByEmail: async () => undefined,
  createLocalUser: async () => {
    throw new Error('not in this harness');
  },
  groupsOfUser: async () => [],
  revokeAccessInOrg: async () => undefined,
} as unknown as IdentityService;

const accessStub: AccessService = {
  bindOwner: async () => undefined,
  assertGrantable: async () => undefined,
  grantUnchecked: async () => undefined,
  revokeSubject: async () => undefined,
  revokeScope: async () => undefined,
  assertCanDelegate: async () => undefined,
  visibility: async () => ({ all: true }),
} as unknown as AccessService;

export async function createHarness(options: { config?: Partial<Record<keyof Config, unknown>>; connect?: ConnectCluster; log?: Logger } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-integrations-'));
  const config = loadConfig({}, { databaseUrl: database.url, dataDir, logLevel: process.env.HEXAPLANE_TEST_LOG ?? 'silent', rateLimitPerMinute: 100_000, ...options.config });
  const log = options.log ?? createLogger(config.logLevel);
  const { db } = createDb(database.url, 5);
  const kernel = createKernel({ config, db, log, clock: systemClock, keys: localKeyProvider(path.join(dataDir, 'kek.key')) });
  const deps: ModuleDeps = { ...kernel, services: {} as Services };
  const app = await createHttpServer({ config, log, metrics: kernel.metrics, ports: kernel.ports, idempotency: { db }, ready: async () => true });

  const denied = new Set<string>();
  deps.authz.useEngine({
    decide: async (principal, action) =>
      denied.has(`${principal.id} ${action}`) || denied.has(`* ${action}`) ? { allowed: false, reason: 'denied by the test' } : { allowed: true, reason: 'test engine' },
  });
  const user = (id = 'usr_01jtestadmin0000000000000', orgId: string | null = null): Principal => ({
    kind: 'user', id, orgId, displayName: `Test ${id}`, platformAdmin: true,
    sessionId: null, apiKeyId: null, ip: '127.0.0.1', userAgent: 'vitest', requestId: null, mfaAt: null,
  });
  deps.ports.authenticator = {
    authenticate: async (request) => {
      const id = request.headers['x-test-user'];
      return typeof id === 'string' ? { principal: user(id), via: 'apiKey' } : null;
    },
  };

  deps.services.tenancy = tenancy.register(app, deps);
  deps.services.identity = identityStub;
  deps.services.access = accessStub;
  const service = integrations.register(app, deps, options.connect ? { connect: options.connect } : {});
  await app.ready();

  const admin = user();
  return {
    app,
    deps,
    db,
    config,
    integrations: service,
    admin,
    denied,
    user,
    async createOrg(slug = `org-${newId('request').slice(-8)}`) {
      const org = await deps.services.tenancy.createOrganization(admin, { name: `Org ${slug}`, slug, timeZone: 'UTC', currency: 'USD' });
      return org.id;
    },
    async close() {
      await app.close();
      await deps.outbox.stop();
      await db.destroy();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
