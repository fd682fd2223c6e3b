/**
 * Budget spend forecast (issue 5, ADR 0017) on seeded synthetic series (weekday/weekend
 * pattern, trend, multiplicative noise; test/support/spend-series.ts), next to the naive
 * run-rate extrapolation (spend so far / elapsed days × days in period) measured in the same run:
 * - accuracy: mean and median absolute percentage error of the period-end total, per period kind;
 * - calibration: how often the 80 % interval covers the true total;
 * - time per forecast (8 weeks of history into a year period: the longest horizon).
 * Usage: npm run bench -- cost-forecast [scenarios=1000]
 */
import { forecastSpend, runRateForecast } from '../src/modules/cost/forecast.ts';
import { randomScenario, scenario, type Scenario } from '../test/support/spend-series.ts';

function summarize(errors: number[]) {
  const sorted = [...errors].sort((a, b) => a - b);
  return {
    meanAbsPctError: Number(((100 * errors.reduce((s, e) => s + e, 0)) / errors.length).toFixed(3)),
    medianAbsPctError: Number((100 * sorted[Math.floor(sorted.length / 2)]!).toFixed(3)),
  };
}

function timePerCall(fn: () => unknown, minMs = 1000): number {
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < minMs) {
    fn();
    calls++;
  }
  return ((performance.now() - started) * 1000) / calls;
}

export async function run(args: string[]) {
  const n = Number(args[0] ?? 1000);
  const scenarios: Scenario[] = Array.from({ length: n }, (_, i) => randomScenario(i + 1));
  const groups = new Map<string, { ours: number[]; naive: number[]; covered: number }>();
  for (const s of scenarios) {
    const truth = Number(s.truthMicros);
    const f = forecastSpend(s);
    for (const key of ['all', s.period]) {
      const g = groups.get(key) ?? { ours: [], naive: [], covered: 0 };
      g.ours.push(Math.abs(Number(f.forecastMicros) - truth) / truth);
      g.naive.push(Math.abs(Number(runRateForecast(s)) - truth) / truth);
      if (f.lowerMicros <= s.truthMicros && s.truthMicros <= f.upperMicros) g.covered++;
      groups.set(key, g);
    }
  }
  const accuracy = Object.fromEntries(
    [...groups].map(([key, g]) => {
      const ours = summarize(g.ours);
      const naive = summarize(g.naive);
      return [key, { scenarios: g.ours.length, forecast: ours, naiveRunRate: naive, errorRatio: Number((ours.meanAbsPctError / naive.meanAbsPctError).toFixed(3)), interval80Coverage: Number((g.covered / g.ours.length).toFixed(3)) }];
    }),
  );

  const longest = scenario(7, { baseDaily: 3000, weekendFactor: 0.4, trendPerDay: 0.001, noise: 0.1 }, { period: 'year', periodOf: '2026-01-01', elapsed: 20, historyDays: 40 });
  const forecastUs = timePerCall(() => forecastSpend(longest));
  const naiveUs = timePerCall(() => runRateForecast(longest));
  return {
    bench: 'cost-forecast',
    scenarios: n,
    accuracy,
    timing: { yearPeriodHistoryDays: longest.daily.length, forecastMicrosecondsPerCall: Number(forecastUs.toFixed(2)), naiveRunRateMicrosecondsPerCall: Number(naiveUs.toFixed(2)) },
  };
}
