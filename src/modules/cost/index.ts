import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { costActions } from './actions.ts';
import { registerCostRoutes } from './routes.ts';
import { createCostService, type CostService } from './service.ts';

export type { CostService, Spend } from './service.ts';
export type { AllocationView, CostSettings, PriceView } from './schemas.ts';
export { allocateCosts, UNALLOCATED, IDLE } from './allocate.ts';
export { formatMicros, parseDecimalMicros } from './money.ts';

export function register(app: App, deps: ModuleDeps): CostService {
  deps.authz.registerActions(costActions);
  const service = createCostService(deps);
  registerCostRoutes(app, service);
  return service;
}

/** Hourly collection from every source, from each one's watermark; returns a stop function. */
export function startCostCollector(deps: ModuleDeps, everyMs = 3_600_000): () => void {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    deps.services.cost
      .collectAll()
      .catch((error: unknown) => deps.log.warn({ err: error }, 'cost collection failed'))
      .finally(() => (running = false));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
