import type { Logger } from './logger.ts';

/**
 * A background pass run now and then every `intervalMs` after the previous one ends (never two at
 * once). `stop()` waits for a pass in flight; a long pass can end early by checking
 * `signal.stopping` between units of work.
 */
export interface IntervalWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass now, outside the schedule (tests, "run now" commands). */
  runOnce(): Promise<number>;
}

export interface PassSignal {
  readonly stopping: boolean;
}

export function intervalWorker(
  pass: (signal: PassSignal) => Promise<number>,
  options: { intervalMs: number; log: Logger; /** Logged at info when a pass did something: `{count}`. */ didWork: string; failed: string },
): IntervalWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const signal = { stopping: true };

  function schedule(delay: number): void {
    if (signal.stopping) return;
    timer = setTimeout(() => {
      timer = null;
      running = pass(signal)
        .then((count) => {
          if (count > 0) options.log.info({ count }, options.didWork);
        })
        .catch((error: unknown) => options.log.error({ err: error }, options.failed))
        .finally(() => {
          running = null;
          schedule(options.intervalMs);
        });
    }, delay);
    timer.unref();
  }

  return {
    runOnce: () => pass({ stopping: false }),
    start() {
      if (!signal.stopping) return;
      signal.stopping = false;
      schedule(0);
    },
    async stop() {
      signal.stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
