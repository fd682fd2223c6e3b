import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import { notify } from '../integrations/index.ts';
import { budgetActions, contractActions, costActions, reportActions } from './actions.ts';
import { registerBudgetRoutes } from './budget-routes.ts';
import { createBudgetService, type BudgetPorts, type BudgetService } from './budget-service.ts';
import { createBudgetWorker, type BudgetWorker } from './budget-worker.ts';
import { registerContractRoutes } from './contract-routes.ts';
import { createContractService } from './contract-service.ts';
import { registerReportRoutes } from './report-routes.ts';
import { createReportService, type ReportService } from './report-service.ts';
import { createReportWorker, type ReportWorker } from './report-worker.ts';
import { registerFocusRoutes } from './focus-routes.ts';
import { createFocusService } from './focus-service.ts';
import { registerCostRoutes } from './routes.ts';
import { createCostService, type CostService } from './service.ts';

export type { CostService, Spend } from './service.ts';
export type { AllocationView, CostSettings, PriceView } from './schemas.ts';
export { allocateCosts, UNALLOCATED, IDLE } from './allocate.ts';
export { formatMicros, parseDecimalMicros } from './money.ts';

export type { BudgetService } from './budget-service.ts';
export type { ReportService } from './report-service.ts';
export type { ReportWorker } from './report-worker.ts';

/** What budgets take from the allocation service and from notification channels. */
function budgetPorts(cost: CostService): BudgetPorts {
  return {
    dailySpend: (orgId, scope, window) => cost.dailySpend(orgId, scope, window),
    unitPrices: (_db, orgId) => cost.unitPrices(orgId),
    notify: async (tx, alert) => {
      await notify(tx, { ...alert, fields: Object.entries(alert.fields).map(([label, value]) => ({ label, value })) });
    },
  };
}

const budgetServices = new WeakMap<ModuleDeps, BudgetService>();
const reportServices = new WeakMap<ModuleDeps, ReportService>();

export function register(app: App, deps: ModuleDeps): CostService {
  deps.authz.registerActions(costActions);
  deps.authz.registerActions(budgetActions);
  deps.authz.registerActions(contractActions);
  deps.authz.registerActions(reportActions);
  const service = createCostService(deps);
  registerCostRoutes(app, service);
  registerFocusRoutes(app, createFocusService(deps, service));
  const budgets = createBudgetService(deps, budgetPorts(service));
  budgetServices.set(deps, budgets);
  registerBudgetRoutes(app, budgets);
  registerContractRoutes(app, createContractService(deps, (orgId, window) => service.spend(orgId, window)));
  const reports = createReportService(deps, (orgId, window) => service.spend(orgId, window));
  reportServices.set(deps, reports);
  registerReportRoutes(app, reports);
  return service;
}

/** The budget evaluation worker of an app (not started). */
export function createBudgetWorkerFor(deps: ModuleDeps): BudgetWorker {
  const budgets = budgetServices.get(deps);
  if (!budgets) throw new Error('the cost module is not registered on these deps');
  return createBudgetWorker(deps.db, budgets, deps.log.child({ component: 'budgets' }), { intervalMs: deps.config.budgetEvaluationMinutes * 60_000 });
}

/** Evaluates every budget on the configured interval (main.ts starts it with the other workers). */
export function startBudgetWorker(deps: ModuleDeps): BudgetWorker {
  const worker = createBudgetWorkerFor(deps);
  worker.start();
  return worker;
}

/** The scheduled report worker of an app (not started); hourly by default. */
export function createReportWorkerFor(deps: ModuleDeps, intervalMs = 3_600_000): ReportWorker {
  const reports = reportServices.get(deps);
  if (!reports) throw new Error('the cost module is not registered on these deps');
  return createReportWorker(reports, deps.log.child({ component: 'cost-reports' }), { intervalMs });
}

/** Sends the scheduled cost reports that are due (main.ts starts it with the other workers). */
export function startReportWorker(deps: ModuleDeps): ReportWorker {
  const worker = createReportWorkerFor(deps);
  worker.start();
  return worker;
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
