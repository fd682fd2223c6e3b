import { describe, expect, it } from 'vitest';
import { intervalWorker } from './interval-worker.ts';
import { createLogger } from './logger.ts';

const log = createLogger('silent');

describe('interval workers', () => {
  it('run at once on start, again after the interval, and stop() waits for the pass in flight, which sees the stop', async () => {
    const seen: boolean[] = [];
    let release: () => void = () => undefined;
    let passes = 0;
    const worker = intervalWorker(
      async (signal) => {
        passes++;
        if (passes === 2) await new Promise<void>((resolve) => (release = resolve));
        seen.push(signal.stopping);
        return 1;
      },
      { intervalMs: 5, log, didWork: 'did', failed: 'failed' },
    );
    worker.start();
    await expect.poll(() => passes).toBe(2);
    const stopped = worker.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await stopped;
    expect(seen).toEqual([false, true]);
    await new Promise((r) => setTimeout(r, 20));
    expect(passes).toBe(2);
  });

  it('keeps going after a failed pass', async () => {
    let passes = 0;
    const worker = intervalWorker(async () => {
      passes++;
      if (passes === 1) throw new Error('boom');
      return 0;
    }, { intervalMs: 1, log, didWork: 'did', failed: 'failed' });
    worker.start();
    await expect.poll(() => passes).toBeGreaterThanOrEqual(2);
    await worker.stop();
  });
});
