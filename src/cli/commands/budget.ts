import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const budgetColumns = [
  { header: 'ID', value: (b: Any) => b.id },
  { header: 'NAME', value: (b: Any) => b.name },
  { header: 'WORKSPACE', value: (b: Any) => b.workspaceId },
  { header: 'SCOPE', value: (b: Any) => [b.projectId, b.label ? `${b.label.key}=${b.label.value}` : null].filter(Boolean).join(' ') || 'workspace' },
  { header: 'PERIOD', value: (b: Any) => b.period },
  { header: 'AMOUNT', value: (b: Any) => `${b.amount} ${b.currency}` },
  { header: 'THRESHOLDS', value: (b: Any) => thresholdsText(b.thresholds) },
  { header: 'ON EXCEEDED', value: (b: Any) => b.onExceeded },
];

const thresholdsText = (list: Any[]) => list.map((t) => `${t.percent}%${t.basis === 'forecast' ? ' (forecast)' : ''}`).join(', ');

/** --threshold 80 --threshold 100:forecast → [{percent, basis}]. */
function thresholdsOf(values: string[] | undefined): Any[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values.map((v) => {
    const m = /^(\d+(?:\.\d{1,2})?)(?::(actual|forecast))?$/.exec(v);
    if (!m) throw new Error(`--threshold: a percent, optionally with :actual or :forecast, like 80 or 100:forecast (got "${v}")`);
    return { percent: Number(m[1]), basis: m[2] ?? 'actual' };
  });
}

/** --label team=payments → {key, value}. */
function labelOf(v: string | undefined): Any | undefined {
  if (v === undefined) return undefined;
  const at = v.indexOf('=');
  if (at < 1) throw new Error(`--label: expected key=value, got "${v}"`);
  return { key: v.slice(0, at), value: v.slice(at + 1) };
}

const collect = (v: string, acc: string[] = []) => [...acc, v];
const channelsOf = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** The status as a vertical key/value table: a budget is one thing with many figures. */
function printStatus(output: 'table' | 'json', s: Any): void {
  if (output === 'json') return print(output, s, []);
  const rows: Array<[string, string]> = [
    ['PERIOD', `${s.period.kind} ${s.period.start} – ${s.period.end} (day ${s.period.daysElapsed} of ${s.period.days}, ${s.timeZone})`],
    ['AMOUNT', `${s.amount} ${s.currency}`],
    ['ACTUAL', `${s.actual} ${s.currency} (${s.actualPercent.toFixed(1)} %)`],
    ['FORECAST', `${s.forecast.point} ${s.currency} (${s.forecast.percent.toFixed(1)} %), ${Math.round(s.forecast.level * 100)} % interval ${s.forecast.low}–${s.forecast.high}, ${s.forecast.method}`],
    ['REMAINING', `${s.remaining} ${s.currency}`],
    ['DECISION', s.decision],
    ...s.thresholds.map((t: Any): [string, string] => [
      `THRESHOLD ${t.percent}% ${t.basis}`,
      t.crossed ? `crossed${t.alertedAt ? `, alerted ${t.alertedAt}` : ''}` : 'not crossed',
    ]),
  ];
  print(output, rows, [
    { header: 'FIELD', value: (r) => r[0] },
    { header: 'VALUE', value: (r) => r[1] },
  ]);
}

export function budgetCommands(program: Command): void {
  const budget = program.command('budget').description('Cost budgets: thresholds, forecast, alerts and the admission decision');

  budget.command('list')
    .option('--workspace <workspaceId>', 'only the budgets of this workspace')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = { limit: 200, ...(o.workspace ? { workspaceId: o.workspace } : {}) };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/budgets', { params: { path: { orgId }, query } })).items, budgetColumns);
    });

  budget.command('get <budgetId>').action(async (budgetId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId } } })), budgetColumns);
  });

  budget.command('create <name>')
    .requiredOption('--workspace <workspaceId>')
    .requiredOption('--period <period>', 'monthly | quarterly | yearly')
    .requiredOption('--amount <amount>', 'in the organization currency, e.g. 12000 or 12000.50')
    .option('--project <projectId>', 'only this project of the workspace')
    .option('--label <key=value>', 'only workloads carrying this label')
    .option('--threshold <percent[:basis]>', 'repeatable, e.g. 80 or 100:forecast (default 50, 80, 90, 100 of actual)', collect)
    .option('--channels <ids>', 'comma-separated notification channel ids')
    .option('--on-exceeded <action>', 'notify | require-approval | block', 'notify')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        name, workspaceId: o.workspace, period: o.period, amount: o.amount, onExceeded: o.onExceeded,
        ...(o.project ? { projectId: o.project } : {}),
        ...(labelOf(o.label) ? { label: labelOf(o.label) } : {}),
        ...(thresholdsOf(o.threshold) ? { thresholds: thresholdsOf(o.threshold) } : {}),
        ...(channelsOf(o.channels) ? { channelIds: channelsOf(o.channels) } : {}),
      };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/budgets', { params: { path: { orgId } }, body: body as never })), budgetColumns);
    });

  budget.command('update <budgetId>')
    .option('--name <name>')
    .option('--amount <amount>')
    .option('--threshold <percent[:basis]>', 'repeatable; replaces the thresholds', collect)
    .option('--channels <ids>', 'comma-separated notification channel ids; "" for none')
    .option('--on-exceeded <action>', 'notify | require-approval | block')
    .option('--if-match <etag>', 'only if still at this version, e.g. "v3"')
    .action(async (budgetId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.amount !== undefined ? { amount: o.amount } : {}),
        ...(thresholdsOf(o.threshold) ? { thresholds: thresholdsOf(o.threshold) } : {}),
        ...(channelsOf(o.channels) ? { channelIds: channelsOf(o.channels) } : {}),
        ...(o.onExceeded !== undefined ? { onExceeded: o.onExceeded } : {}),
      };
      const headers = o.ifMatch ? { 'if-match': o.ifMatch } : {};
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId } }, body: body as never, headers })), budgetColumns);
    });

  budget.command('delete <budgetId>').action(async (budgetId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId } } }));
    printMessage(output, `deleted ${budgetId}`, { deleted: budgetId });
  });

  budget.command('status <budgetId>')
    .description('Spend so far, the period-end forecast with its interval, thresholds and the decision')
    .action(async (budgetId: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      printStatus(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/budgets/{budgetId}/status', { params: { path: { orgId, budgetId } } })));
    });

  budget.command('evaluate <budgetId>')
    .description('Evaluate now and send the alerts of thresholds crossed for the first time this period')
    .action(async (budgetId: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      printStatus(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/budgets/{budgetId}/evaluate', { params: { path: { orgId, budgetId } } })));
    });

  budget.command('decision')
    .description('Whether a new workload of this workspace (project, labels) is allowed, needs approval or is blocked')
    .requiredOption('--workspace <workspaceId>')
    .option('--project <projectId>')
    .option('--labels <pairs>', 'the workload labels, comma-separated key=value pairs')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = { workspaceId: o.workspace, ...(o.project ? { projectId: o.project } : {}), ...(o.labels ? { labels: o.labels } : {}) };
      const d = unwrap(await client.GET('/api/v1/orgs/{orgId}/budgets/decision', { params: { path: { orgId }, query } }));
      if (output === 'json') return print(output, d, []);
      process.stdout.write(`decision: ${d.decision}\n`);
      if (d.budgets.length > 0) {
        print(output, d.budgets as Any[], [
          { header: 'BUDGET', value: (b: Any) => b.budgetId },
          { header: 'NAME', value: (b: Any) => b.name },
          { header: 'ACTUAL', value: (b: Any) => `${b.actualPercent.toFixed(1)} %` },
          { header: 'DECISION', value: (b: Any) => b.decision },
        ]);
      }
    });

  budget.command('quota <budgetId>')
    .description('How much CPU and memory the remaining budget buys until the period ends')
    .action(async (budgetId: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const q = unwrap(await client.GET('/api/v1/orgs/{orgId}/budgets/{budgetId}/quota-estimate', { params: { path: { orgId, budgetId } } }));
      print(output, q, [
        { header: 'REMAINING', value: (e: Any) => e.remaining },
        { header: 'HOURS LEFT', value: (e: Any) => e.hoursLeft },
        { header: 'CPU CORES (ONLY)', value: (e: Any) => e.cpuCores },
        { header: 'MEMORY GIB (ONLY)', value: (e: Any) => e.memoryGib },
        { header: 'BALANCED', value: (e: Any) => `${e.balanced.cpuCores} cores + ${e.balanced.memoryGib} GiB (${e.balanced.memoryGibPerCore} GiB/core)` },
        { header: 'PRICES', value: (e: Any) => `${e.prices.cpuHour}/core-h, ${e.prices.memoryGibHour}/GiB-h` },
      ]);
    });
}
