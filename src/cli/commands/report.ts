import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const lineColumns = [
  { header: 'KEY', value: (l: Any) => l.key },
  { header: 'NAME', value: (l: Any) => l.name },
  { header: 'DIRECT', value: (l: Any) => l.direct },
  { header: 'IDLE', value: (l: Any) => l.idle },
  { header: 'SHARED', value: (l: Any) => l.shared },
  { header: 'TOTAL', value: (l: Any) => l.total },
];

const scheduleColumns = [
  { header: 'ID', value: (s: Any) => s.id },
  { header: 'NAME', value: (s: Any) => s.name },
  { header: 'FORMAT', value: (s: Any) => s.format },
  { header: 'TO', value: (s: Any) => [s.recipients === 'managers' ? 'unit managers' : '', ...s.emails].filter(Boolean).join(', ') },
  { header: 'DAY', value: (s: Any) => `${s.dayOfMonth} (${s.timeZone})` },
  { header: 'LABEL', value: (s: Any) => s.label ?? '' },
  { header: 'ENABLED', value: (s: Any) => (s.enabled ? 'yes' : 'no') },
  { header: 'LAST SENT', value: (s: Any) => s.lastSentPeriod ?? '' },
];

/** The report query from the shared options. */
function queryOf(o: Any): { period?: string; from?: string; to?: string; label?: string } {
  return { ...(o.period ? { period: o.period } : {}), ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.label ? { label: o.label } : {}) };
}

function periodOptions(c: Command): Command {
  return c
    .option('--period <month>', 'the month (YYYY-MM); default: the last complete month')
    .option('--from <day>', 'first day of a custom window (YYYY-MM-DD, with --to)')
    .option('--to <day>', 'the day after the last day (with --from)')
    .option('--label <key>', 'also group by this label key, e.g. team');
}

/** Cost allocation reports and their monthly e-mail schedules. */
export function reportCommands(program: Command): void {
  const report = program.command('report').description('Cost allocation reports (by business unit, project and label, with a three-month trend) and their schedules');

  periodOptions(report.command('show').description('The report as tables (or JSON with -o json)')).action(async (o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const r = unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/reports/allocation', { params: { path: { orgId }, query: queryOf(o) } }));
    if (output === 'json') return printMessage(output, '', r);
    printMessage(output, `${r.orgName}: ${r.period.month ?? `${r.period.start} – ${r.period.end}`}${r.period.closed ? '' : ' (to date)'}, total ${r.total} ${r.currency} (unallocated ${r.unallocated})\n\nBusiness units`);
    print(output, r.businessUnits, lineColumns);
    printMessage(output, '\nProjects');
    print(output, r.projects, lineColumns);
    if (r.labels) {
      printMessage(output, `\nLabel ${r.label ?? ''}`);
      print(output, r.labels, lineColumns);
    }
    printMessage(output, `\nTrend: ${r.trend.map((m) => `${m.month} ${m.total}`).join(', ')}`);
  });

  periodOptions(report.command('csv').description('The report as CSV on stdout')).action(async (o: Any, cmd: Command) => {
    const { client, orgId } = contextOf(cmd);
    const res = await client.GET('/api/v1/orgs/{orgId}/cost/reports/allocation.csv', { params: { path: { orgId }, query: queryOf(o) }, parseAs: 'text' });
    process.stdout.write(unwrap(res) as string);
  });

  periodOptions(report.command('pdf').description('The report as PDF, written to a file'))
    .requiredOption('--out <file>', 'where to write the PDF')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const res = await client.GET('/api/v1/orgs/{orgId}/cost/reports/allocation.pdf', { params: { path: { orgId }, query: queryOf(o) }, parseAs: 'arrayBuffer' });
      const bytes = Buffer.from(unwrap(res) as unknown as ArrayBuffer);
      writeFileSync(o.out, bytes);
      printMessage(output, `wrote ${o.out} (${bytes.length} bytes)`, { file: o.out, bytes: bytes.length });
    });

  const schedule = report.command('schedule').description('Monthly e-mail delivery of the previous month\'s report');

  schedule.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/report-schedules', { params: { path: { orgId }, query: { limit: 200 } } })).items, scheduleColumns);
  });

  schedule.command('create <name>')
    .option('--format <format>', 'pdf or csv', 'pdf')
    .option('--label <key>', 'also group by this label key')
    .option('--to <emails>', 'comma-separated addresses that get the whole report')
    .option('--no-managers', 'do not send each business unit\'s report to its workspace admins')
    .option('--day <day>', 'day of the month to send (1-28, organization time zone)', '1')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const emails = o.to ? String(o.to).split(',').map((e) => e.trim()).filter(Boolean) : [];
      const body = { name, format: o.format, label: o.label ?? null, recipients: o.managers ? 'managers' : 'emails', emails, dayOfMonth: Number(o.day) };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/report-schedules', { params: { path: { orgId } }, body: body as never })), scheduleColumns);
    });

  schedule.command('delete <scheduleId>').action(async (scheduleId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/cost/report-schedules/{scheduleId}', { params: { path: { orgId, scheduleId } } }));
    printMessage(output, `deleted ${scheduleId}`, { id: scheduleId, deleted: true });
  });

  schedule.command('send <scheduleId>')
    .description('E-mail a month\'s report now')
    .option('--period <month>', 'the month (YYYY-MM); default: the last complete month')
    .action(async (scheduleId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const result = unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/report-schedules/{scheduleId}/send', { params: { path: { orgId, scheduleId } }, body: o.period ? { period: o.period } : {} }));
      if (output === 'json') return printMessage(output, '', result);
      printMessage(output, [
        `sent ${result.period}: ${result.messages.length} e-mail(s)`,
        ...result.messages.map((m) => `  ${m.to.join(', ')}${m.unit ? ` (unit ${m.unit})` : ''}: ${m.attachment}`),
        ...result.skipped.map((s) => `  skipped ${s.unit}: ${s.reason}`),
      ].join('\n'));
    });
}
