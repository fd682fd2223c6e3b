import type { Registry } from 'prom-client';
import { recordDenied } from './audit.ts';
import { Authz } from './authz.ts';
import { Changes } from './changes.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { KeyProvider } from './crypto.ts';
import type { Db } from './db/index.ts';
import { createEgress, type Egress } from './egress.ts';
import type { HttpPorts } from './http/server.ts';
import type { Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import { OutboxWorker } from './outbox.ts';

/** Everything a module stands on. Modules receive it in `register(app, deps)`. */
export interface Kernel {
  config: Config;
  log: Logger;
  db: Db;
  clock: Clock;
  keys: KeyProvider;
  authz: Authz;
  outbox: OutboxWorker;
  changes: Changes;
  metrics: Registry;
  ports: HttpPorts;
  /** The guard on tenant-aimed outbound connections (kernel/egress.ts); read it at call time. */
  egress: Egress;
}

export function createKernel(input: { config: Config; log: Logger; db: Db; clock: Clock; keys: KeyProvider }): Kernel {
  return {
    ...input,
    authz: new Authz(input.db, recordDenied),
    outbox: new OutboxWorker(input.db, input.log.child({ component: 'outbox' }), { pollMs: input.config.outboxPollMs }),
    changes: new Changes(input.log),
    metrics: createMetricsRegistry(),
    ports: { authenticator: null, tenants: null, accessLog: null },
    egress: createEgress({ allowCidrs: input.config.egressAllowCidrs }),
  };
}
