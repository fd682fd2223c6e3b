import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const entryColumns = [
  { header: 'TIME', value: (e: Any) => e.at },
  { header: 'METHOD', value: (e: Any) => e.method },
  { header: 'ROUTE', value: (e: Any) => e.route ?? '(no route)' },
  { header: 'STATUS', value: (e: Any) => e.status },
  { header: 'MS', value: (e: Any) => e.latencyMs },
  { header: 'PRINCIPAL', value: (e: Any) => (e.principal ? `${e.principal.kind}:${e.principal.id}` : '') },
  { header: 'IP', value: (e: Any) => e.ip },
  { header: 'IN', value: (e: Any) => e.bytesIn },
  { header: 'OUT', value: (e: Any) => e.bytesOut },
];

const settingsColumns = [
  { header: 'SCOPE', value: (r: Any) => r.scope },
  { header: 'AUDIT DAYS', value: (r: Any) => r.auditDays ?? '(org)' },
  { header: 'ACCESS LOG DAYS', value: (r: Any) => r.accessLogDays ?? '(org)' },
];

const holdColumns = [
  { header: 'ID', value: (h: Any) => h.id },
  { header: 'NAME', value: (h: Any) => h.name },
  { header: 'SCOPE', value: (h: Any) => `${h.scope.type}:${h.scope.id}` },
  { header: 'STATUS', value: (h: Any) => h.status },
  { header: 'UNTIL', value: (h: Any) => h.until ?? '' },
  { header: 'CREATED', value: (h: Any) => h.createdAt },
];

function settingsRows(s: Any): Any[] {
  return [
    { scope: `organization ${s.orgId}`, auditDays: s.auditDays, accessLogDays: s.accessLogDays },
    ...s.workspaces.map((w: Any) => ({ scope: `workspace ${w.workspaceId}`, auditDays: w.auditDays, accessLogDays: w.accessLogDays })),
  ];
}

/** `--workspace ws_…=auditDays:accessLogDays` (either part may be empty: the org's value). */
function parseWorkspaceOverride(text: string): { workspaceId: string; auditDays: number | null; accessLogDays: number | null } {
  const match = /^(ws_[0-9a-z]{26})=(\d*):(\d*)$/.exec(text);
  if (!match) throw new Error(`--workspace expects ws_<id>=<auditDays>:<accessLogDays>, got "${text}"`);
  const days = (s: string) => (s === '' ? null : Number(s));
  return { workspaceId: match[1]!, auditDays: days(match[2]!), accessLogDays: days(match[3]!) };
}

export function accessLogCommands(program: Command): void {
  const accessLog = program.command('access-log').description('The access log: every API request');
  accessLog.command('list')
    .option('--principal <id>', 'user or API key id')
    .option('--method <method>', 'GET, POST, ...')
    .option('--route <prefix>', 'a route template or its prefix, e.g. /api/v1/orgs/:orgId/workspaces')
    .option('--status <status>', 'a status (404) or class (4xx)')
    .option('--ip <address>')
    .option('--from <iso>')
    .option('--to <iso>')
    .option('--limit <n>', 'entries', '50')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = {
        limit: Number(o.limit),
        ...(o.principal ? { principalId: o.principal } : {}),
        ...(o.method ? { method: String(o.method).toUpperCase() as 'GET' } : {}),
        ...(o.route ? { route: o.route } : {}),
        ...(o.status ? { status: o.status } : {}),
        ...(o.ip ? { ip: o.ip } : {}),
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
      };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/access-log', { params: { path: { orgId }, query } })).items, entryColumns);
    });
}

export function retentionCommands(program: Command): void {
  const retention = program.command('retention').description('How long audit events and the access log are kept');
  retention.command('get').action(async (_o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const settings = unwrap(await client.GET('/api/v1/orgs/{orgId}/retention', { params: { path: { orgId } } }));
    if (output === 'json') print('json', settings, []);
    else print(output, settingsRows(settings), settingsColumns);
  });
  retention.command('set')
    .option('--audit-days <n>', 'days to keep audit events')
    .option('--access-log-days <n>', 'days to keep the access log')
    .option('--workspace <override...>', 'ws_<id>=<auditDays>:<accessLogDays>; replaces all overrides when given')
    .option('--clear-workspaces', 'remove every workspace override')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const current = await client.GET('/api/v1/orgs/{orgId}/retention', { params: { path: { orgId } } });
      const settings = unwrap(current);
      const workspaces = o.clearWorkspaces ? [] : o.workspace ? (o.workspace as string[]).map(parseWorkspaceOverride) : settings.workspaces;
      const body = {
        auditDays: o.auditDays ? Number(o.auditDays) : settings.auditDays,
        accessLogDays: o.accessLogDays ? Number(o.accessLogDays) : settings.accessLogDays,
        workspaces,
      };
      const etag = current.response.headers.get('etag') ?? undefined;
      const saved = unwrap(await client.PUT('/api/v1/orgs/{orgId}/retention', {
        params: { path: { orgId } }, body, ...(etag ? { headers: { 'if-match': etag } } : {}),
      }));
      if (output === 'json') print('json', saved, []);
      else print(output, settingsRows(saved), settingsColumns);
    });
  retention.command('runs').option('--limit <n>', 'runs', '20').action(async (o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/retention/runs', { params: { path: { orgId }, query: { limit: Number(o.limit) } } })).items, [
      { header: 'RUN', value: (r: Any) => r.id },
      { header: 'STARTED', value: (r: Any) => r.startedAt },
      { header: 'DRY RUN', value: (r: Any) => r.dryRun },
      { header: 'STATUS', value: (r: Any) => r.status },
      { header: 'AUDIT PURGED', value: (r: Any) => r.auditPurged },
      { header: 'ACCESS LOG DELETED', value: (r: Any) => r.accessLogDeleted },
      { header: 'HELD BY', value: (r: Any) => r.heldBy },
    ]);
  });
  retention.command('run')
    .description('Platform operators: run retention now against the database (direct, like `migrate`)')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .action(async (o: Any, cmd: Command) => {
      const { output } = cmd.optsWithGlobals<{ output: 'table' | 'json' }>();
      const { runRetentionFromCli } = await import('./retention-run.ts');
      const report = await runRetentionFromCli(Boolean(o.dryRun));
      if (!report) {
        printMessage(output, 'another retention run is in progress; nothing done', { skipped: true });
        return;
      }
      if (output === 'json') {
        print('json', report, []);
        return;
      }
      const verb = report.dryRun ? 'would remove' : 'removed';
      const lines = [
        `retention run ${report.runId}${report.dryRun ? ' (dry run: nothing changed)' : ''}`,
        ...report.orgs.map((org) => `  ${org.orgId}: ${verb} ${org.auditPurged} audit event(s)${org.ranges.length ? ` (seq ${org.ranges.map((r) => (r.fromSeq === r.toSeq ? r.fromSeq : `${r.fromSeq}-${r.toSeq}`)).join(', ')})` : ''}, ${org.accessLogDeleted} access log entr(ies)${org.heldBy.length ? `; held by ${org.heldBy.join(', ')}` : ''}`),
        `  audit partitions ${report.dryRun ? 'to drop' : 'dropped'}: ${report.auditPartitionsDropped.map((p) => `${p.name} (${p.rows} rows)`).join(', ') || 'none'}`,
        `  access log partitions ${report.dryRun ? 'to drop' : 'dropped'}: ${report.accessLogPartitionsDropped.map((p) => `${p.name} (${p.rows} rows)`).join(', ') || 'none'}`,
        `  access log entries without an organization ${verb}: ${report.accessLogDeletedWithoutOrg}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

export function legalHoldCommands(program: Command): void {
  const hold = program.command('legal-hold').description('Legal holds: stop deletion in an organization or workspace');
  hold.command('list').option('--status <status>', 'active | expired | released').action(async (o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const query = { limit: 200, ...(o.status ? { status: o.status } : {}) };
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/legal-holds', { params: { path: { orgId }, query } })).items, holdColumns);
  });
  hold.command('create')
    .requiredOption('--name <name>')
    .requiredOption('--reason <reason>')
    .option('-w, --workspace <workspaceId>', 'hold one workspace (default: the whole organization)')
    .option('--until <iso>', 'the hold ends by itself at this time')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        name: o.name,
        reason: o.reason,
        scope: o.workspace ? { type: 'workspace' as const, id: o.workspace } : { type: 'organization' as const, id: orgId },
        ...(o.until ? { until: o.until } : {}),
      };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/legal-holds', { params: { path: { orgId } }, body })), holdColumns);
    });
  hold.command('release <holdId>').requiredOption('--reason <reason>').action(async (holdId: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/legal-holds/{holdId}/release', { params: { path: { orgId, holdId } }, body: { reason: o.reason } })), holdColumns);
  });
}
