import type { Logger } from '../../kernel/logger.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { BudgetService } from './budget-service.ts';
import * as store from './budget-store.ts';

/**
 * Evaluates every budget on an interval. Alerts are claimed in the database (one row per
 * threshold and period), so replicas running this at once send each alert once; they only
 * repeat the reading.
 */
export interface BudgetWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass over every organization with budgets; returns the alerts sent. */
  runOnce(): Promise<number>;
}

export function createBudgetWorker(db: Queryable, service: BudgetService, log: Logger, options: { intervalMs: number }): BudgetWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  /** Set by stop(): a pass in flight ends after the organization it is on. */
  let stopping = false;

  async function runOnce(): Promise<number> {
    let sent = 0;
    let after: string | null = null;
    for (;;) {
      const orgs = await store.orgsWithBudgets(db, after, 100);
      for (const orgId of orgs) {
        if (stopping) return sent;
        sent += await service.evaluateOrg(orgId).catch((error: unknown) => {
          log.error({ err: error, orgId }, 'budget evaluation failed');
          return 0;
        });
      }
      if (orgs.length < 100) return sent;
      after = orgs[orgs.length - 1]!;
    }
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = runOnce()
        .then((sent) => {
          if (sent > 0) log.info({ alerts: sent }, 'budget alerts sent');
        })
        .catch((error: unknown) => log.error({ err: error }, 'budget evaluation pass failed'))
        .finally(() => {
          running = null;
          schedule(options.intervalMs);
        });
    }, delay);
    timer.unref();
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
