import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Clock } from './kernel/clock.ts';
import { systemClock } from './kernel/clock.ts';
import type { Config } from './kernel/config.ts';
import { localKeyProvider, type KeyProvider } from './kernel/crypto.ts';
import type { Db } from './kernel/db/index.ts';
import { createHttpServer } from './kernel/http/server.ts';
import { createKernel, type Kernel } from './kernel/index.ts';
import type { Logger } from './kernel/logger.ts';
import path from 'node:path';
import * as access from './modules/access/index.ts';
import * as audit from './modules/audit/index.ts';
import * as compliance from './modules/compliance/index.ts';
import * as cost from './modules/cost/index.ts';
import type { ModuleDeps, Services } from './modules/deps.ts';
import * as identity from './modules/identity/index.ts';
import * as integrations from './modules/integrations/index.ts';
import * as tenancy from './modules/tenancy/index.ts';

export interface AppOptions {
  config: Config;
  db: Db;
  log: Logger;
  clock?: Clock;
  keys?: KeyProvider;
}

export interface Hexaplane {
  app: FastifyInstance;
  deps: ModuleDeps;
}

/** Composes the kernel and every module into one HTTP app. Does not listen or start workers. */
export async function buildApp(options: AppOptions): Promise<Hexaplane> {
  const { config, db, log } = options;
  const kernel: Kernel = createKernel({
    config,
    db,
    log,
    clock: options.clock ?? systemClock,
    keys: options.keys ?? localKeyProvider(config.kekFile ?? path.join(config.dataDir, 'kek.key')),
  });
  const deps: ModuleDeps = { ...kernel, services: {} as Services };
  const app = await createHttpServer({
    config,
    log,
    metrics: kernel.metrics,
    ports: kernel.ports,
    idempotency: { db },
    ready: async () => {
      await sql`SELECT 1`.execute(db);
      return true;
    },
  });
  deps.services.tenancy = tenancy.register(app, deps);
  deps.services.identity = identity.register(app, deps);
  deps.services.access = access.register(app, deps);
  deps.services.audit = audit.register(app, deps);
  deps.services.compliance = compliance.register(app, deps);
  deps.services.cost = cost.register(app, deps);
  integrations.register(app, deps);
  await app.ready();
  return { app, deps };
}
