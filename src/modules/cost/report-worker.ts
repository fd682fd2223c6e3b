import { intervalWorker, type IntervalWorker } from '../../kernel/interval-worker.ts';
import type { Logger } from '../../kernel/logger.ts';
import type { ReportService } from './report-service.ts';

/**
 * Sends the scheduled cost reports: hourly, every enabled schedule whose day of the month has
 * come sends the previous month's report. Deliveries are claimed in the database (one row per
 * schedule and month), so replicas and restarts send each month once.
 */
export type ReportWorker = IntervalWorker;

export function createReportWorker(service: ReportService, log: Logger, options: { intervalMs: number }): ReportWorker {
  return intervalWorker(() => service.sendDue(), { intervalMs: options.intervalMs, log, didWork: 'scheduled cost reports sent', failed: 'scheduled cost report pass failed' });
}
