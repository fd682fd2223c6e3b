import type { Logger } from '../../kernel/logger.ts';
import type { ReportService } from './report-service.ts';

/**
 * Sends the scheduled cost reports: hourly, every enabled schedule whose day of the month has
 * come sends the previous month's report. Deliveries are claimed in the database (one row per
 * schedule and month), so replicas and restarts send each month once.
 */
export interface ReportWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass; returns the e-mails sent. */
  runOnce(): Promise<number>;
}

export function createReportWorker(service: ReportService, log: Logger, options: { intervalMs: number }): ReportWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = service
        .sendDue()
        .then((sent) => {
          if (sent > 0) log.info({ emails: sent }, 'scheduled cost reports sent');
        })
        .catch((error: unknown) => log.error({ err: error }, 'scheduled cost report pass failed'))
        .finally(() => {
          running = null;
          schedule(options.intervalMs);
        });
    }, delay);
    timer.unref();
  }

  return {
    runOnce: () => service.sendDue(),
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
