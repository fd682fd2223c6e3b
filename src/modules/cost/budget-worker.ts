import type { Queryable } from '../../kernel/db/index.ts';
import { intervalWorker, type IntervalWorker } from '../../kernel/interval-worker.ts';
import type { Logger } from '../../kernel/logger.ts';
import type { BudgetService } from './budget-service.ts';
import * as store from './budget-store.ts';

/**
 * Evaluates every budget on an interval. Alerts are claimed in the database (one row per
 * threshold and period), so replicas running this at once send each alert once; they only
 * repeat the reading.
 */
export type BudgetWorker = IntervalWorker;

export function createBudgetWorker(db: Queryable, service: BudgetService, log: Logger, options: { intervalMs: number }): BudgetWorker {
  return intervalWorker(
    async (signal) => {
      let sent = 0;
      let after: string | null = null;
      for (;;) {
        const orgs = await store.orgsWithBudgets(db, after, 100);
        for (const orgId of orgs) {
          if (signal.stopping) return sent;
          sent += await service.evaluateOrg(orgId).catch((error: unknown) => {
            log.error({ err: error, orgId }, 'budget evaluation failed');
            return 0;
          });
        }
        if (orgs.length < 100) return sent;
        after = orgs[orgs.length - 1]!;
      }
    },
    { intervalMs: options.intervalMs, log, didWork: 'budget alerts sent', failed: 'budget evaluation pass failed' },
  );
}
