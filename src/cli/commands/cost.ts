import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Micro-units as a decimal amount, exactly (no floating point). */
const money = (micros: number) => {
  const v = BigInt(micros);
  const abs = v < 0n ? -v : v;
  return `${v < 0n ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
};

const priceColumns = [
  { header: 'ID', value: (p: Any) => p.id },
  { header: 'PROVIDER/REGION', value: (p: Any) => `${p.provider}/${p.region}` },
  { header: 'FROM', value: (p: Any) => p.effectiveFrom },
  { header: 'KIND', value: (p: Any) => p.kind },
  { header: 'VCPU-H', value: (p: Any) => money(p.rates.cpuCoreHour) },
  { header: 'GIB-H', value: (p: Any) => money(p.rates.memoryGibHour) },
  { header: 'GIB-MONTH', value: (p: Any) => money(p.rates.storageGibMonth) },
  { header: 'GPU-H', value: (p: Any) => money(p.rates.gpuHour) },
  { header: 'EGRESS/GIB', value: (p: Any) => money(p.rates.egressGib) },
  { header: 'DISCOUNT', value: (p: Any) => `${(p.discountBp / 100).toFixed(2)} %` },
  { header: 'CURRENCY', value: (p: Any) => p.currency },
];

const sourceColumns = [
  { header: 'ID', value: (s: Any) => s.id },
  { header: 'NAME', value: (s: Any) => s.name },
  { header: 'CLUSTER', value: (s: Any) => s.cluster },
  { header: 'URL', value: (s: Any) => s.url },
  { header: 'PRICED AS', value: (s: Any) => `${s.provider}/${s.region}` },
  { header: 'COLLECTED UNTIL', value: (s: Any) => s.collectedUntil ?? '' },
  { header: 'LAST RUN', value: (s: Any) => (s.lastRun ? `${s.lastRun.status} ${s.lastRun.error ?? ''}` : '') },
];

/** --cpu 0.031611 (decimal currency) → micro-units; only the flags given. */
function ratesOf(o: Any): Any | undefined {
  const map: Array<[string, string]> = [['cpu', 'cpuCoreHour'], ['memory', 'memoryGibHour'], ['storage', 'storageGibMonth'], ['gpu', 'gpuHour'], ['egress', 'egressGib']];
  const out: Any = {};
  for (const [flag, key] of map) {
    if (o[flag] === undefined) continue;
    const m = /^(\d{1,12})(?:\.(\d{0,6}))?$/.exec(String(o[flag]));
    if (!m) throw new Error(`--${flag}: an amount with at most 6 decimals, like 0.031611`);
    out[key] = Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
  }
  return Object.keys(out).length ? out : undefined;
}

const discountBp = (o: Any) => (o.discount === undefined ? undefined : Math.round(Number(o.discount) * 100));

export function costCommands(program: Command): void {
  const cost = program.command('cost').description('Cost management: prices, usage sources, allocation');

  const price = cost.command('price').description('Versioned price catalogs per provider and region');
  price.command('list')
    .option('--provider <provider>')
    .option('--region <region>')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = { limit: 200, ...(o.provider ? { provider: o.provider } : {}), ...(o.region ? { region: o.region } : {}) };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/prices', { params: { path: { orgId }, query } })).items, priceColumns);
    });
  price.command('create')
    .requiredOption('--provider <provider>', 'aws, gcp, azure, onprem, ...')
    .requiredOption('--region <region>')
    .requiredOption('--from <time>', 'effective from (RFC 3339)')
    .requiredOption('--currency <code>', 'the organization currency, e.g. USD')
    .option('--kind <kind>', 'list | on-prem', 'list')
    .option('--cpu <amount>', 'per vCPU-hour')
    .option('--memory <amount>', 'per GiB-hour')
    .option('--storage <amount>', 'per GiB-month')
    .option('--gpu <amount>', 'per GPU-hour')
    .option('--egress <amount>', 'per GiB of egress')
    .option('--discount <percent>', 'negotiated discount, e.g. 12.5')
    .option('--amortise <json>', 'on-prem: {"capex":…,"lifetimeMonths":36,"opexMonthly":…,"vcpus":…,"memoryGib":…} (micro-units)')
    .option('--note <text>')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        provider: o.provider, region: o.region, effectiveFrom: o.from, currency: o.currency, kind: o.kind,
        ...(ratesOf(o) ? { rates: ratesOf(o) } : {}),
        ...(discountBp(o) !== undefined ? { discountBp: discountBp(o) } : {}),
        ...(o.amortise ? { amortisation: JSON.parse(o.amortise) } : {}),
        ...(o.note ? { note: o.note } : {}),
      };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/prices', { params: { path: { orgId } }, body: body as never })), priceColumns);
    });
  price.command('update <priceId>')
    .option('--cpu <amount>').option('--memory <amount>').option('--storage <amount>').option('--gpu <amount>').option('--egress <amount>')
    .option('--discount <percent>')
    .option('--note <text>')
    .option('--if-match <etag>', 'only if still at this version, e.g. "v3"')
    .action(async (priceId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { ...(ratesOf(o) ? { rates: ratesOf(o) } : {}), ...(discountBp(o) !== undefined ? { discountBp: discountBp(o) } : {}), ...(o.note !== undefined ? { note: o.note } : {}) };
      const headers = o.ifMatch ? { 'if-match': o.ifMatch } : {};
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/cost/prices/{priceId}', { params: { path: { orgId, priceId } }, body: body as never, headers })), priceColumns);
    });
  price.command('delete <priceId>').action(async (priceId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/cost/prices/{priceId}', { params: { path: { orgId, priceId } } }));
    printMessage(output, `deleted ${priceId}`, { deleted: priceId });
  });
  price.command('import <file>')
    .description('Create or update price versions from a CSV file (the export format), all rows or none')
    .action(async (file: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const result = unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/prices/import', { params: { path: { orgId } }, body: { csv: readFileSync(file, 'utf8') } }));
      printMessage(output, `created ${result.created}, updated ${result.updated}, unchanged ${result.unchanged}`, result);
    });
  price.command('export').description('Every price version as CSV on stdout').action(async (_o, cmd: Command) => {
    const { client, orgId } = contextOf(cmd);
    const res = await client.GET('/api/v1/orgs/{orgId}/cost/prices/export', { params: { path: { orgId } }, parseAs: 'text' });
    process.stdout.write(unwrap(res) as string);
  });

  const source = cost.command('source').description('Prometheus sources usage is collected from');
  source.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/sources', { params: { path: { orgId }, query: { limit: 200 } } })).items, sourceColumns);
  });
  source.command('create <name>')
    .requiredOption('--cluster <cluster>')
    .requiredOption('--url <url>', 'Prometheus base URL')
    .requiredOption('--provider <provider>')
    .requiredOption('--region <region>')
    .option('--bearer-token-env <name>', 'read a bearer token from this environment variable')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const token = o.bearerTokenEnv ? process.env[o.bearerTokenEnv] : undefined;
      const body = { name, cluster: o.cluster, url: o.url, provider: o.provider, region: o.region, ...(token ? { bearerToken: token } : {}) };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/sources', { params: { path: { orgId } }, body })), sourceColumns);
    });
  source.command('delete <sourceId>').action(async (sourceId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/cost/sources/{sourceId}', { params: { path: { orgId, sourceId } } }));
    printMessage(output, `deleted ${sourceId}`, { deleted: sourceId });
  });
  source.command('collect <sourceId>')
    .description('Collect now from the watermark, or backfill --from/--to; re-runs replace the same hours')
    .option('--from <time>')
    .option('--to <time>')
    .action(async (sourceId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) };
      const run = unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/sources/{sourceId}/collect', { params: { path: { orgId, sourceId } }, body }));
      print(output, run, [
        { header: 'STATUS', value: (r: Any) => r.status },
        { header: 'FROM', value: (r: Any) => r.from },
        { header: 'TO', value: (r: Any) => r.to },
        { header: 'PODS', value: (r: Any) => r.pods },
        { header: 'SAMPLES', value: (r: Any) => r.samples },
        { header: 'ERROR', value: (r: Any) => r.error ?? '' },
      ]);
    });

  cost.command('allocation')
    .description('Cost per group for a window; the groups sum to the total to the micro-unit')
    .requiredOption('--from <time>')
    .requiredOption('--to <time>')
    .option('--group-by <g>', 'workspace | project | team | namespace | label:<key>', 'workspace')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const a = unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/allocation', { params: { path: { orgId }, query: { from: o.from, to: o.to, groupBy: o.groupBy } } }));
      if (output === 'json') return print(output, a, []);
      print(output, [...a.groups, { key: 'TOTAL', name: '', direct: NaN, idle: a.idleTotal, shared: NaN, total: a.total }], [
        { header: 'GROUP', value: (g: Any) => g.key },
        { header: 'NAME', value: (g: Any) => g.name },
        { header: `DIRECT ${a.currency}`, value: (g: Any) => (Number.isNaN(g.direct) ? '' : money(g.direct)) },
        { header: 'IDLE', value: (g: Any) => money(g.idle) },
        { header: 'SHARED', value: (g: Any) => (Number.isNaN(g.shared) ? '' : money(g.shared)) },
        { header: 'TOTAL', value: (g: Any) => money(g.total) },
      ]);
    });

  focusCommands(cost);
}

const ruleColumns = [
  { header: 'ID', value: (r: Any) => r.id },
  { header: 'POS', value: (r: Any) => r.position },
  { header: 'TAG', value: (r: Any) => r.tagKey },
  { header: 'MATCH', value: (r: Any) => (r.value !== null ? `= ${r.value}` : r.pattern !== null ? `~ ${r.pattern}` : 'any value') },
  { header: 'WORKSPACE', value: (r: Any) => r.workspaceId },
  { header: 'PROJECT', value: (r: Any) => r.projectId ?? '' },
  { header: 'VERSION', value: (r: Any) => `v${r.version}` },
];

const importColumns = [
  { header: 'ID', value: (i: Any) => i.id },
  { header: 'CHARGES FROM', value: (i: Any) => i.chargePeriodStart ?? '' },
  { header: 'TO', value: (i: Any) => i.chargePeriodEnd ?? '' },
  { header: 'ROWS', value: (i: Any) => i.rowCount },
  { header: 'COLUMN', value: (i: Any) => i.costColumn },
  { header: 'BILLED', value: (i: Any) => money(i.billedTotal) },
  { header: 'EFFECTIVE', value: (i: Any) => money(i.effectiveTotal) },
  { header: 'CURRENCY', value: (i: Any) => i.currency },
];

/** An import with its allocation, one row per target and the unallocated rest. */
function printImport(output: 'table' | 'json', i: Any): void {
  if (output === 'json') return print(output, i, []);
  const rows = [...i.allocation.byTarget, { workspaceId: 'unallocated', projectId: null, cost: i.allocation.unallocated.cost, lines: i.allocation.unallocated.lines }, { workspaceId: 'TOTAL', projectId: null, cost: i.allocation.total, lines: i.rowCount }];
  printMessage(output, `import ${i.id}: ${i.rowCount} rows, ${i.costColumn} allocated`, i);
  print(output, rows, [
    { header: 'WORKSPACE', value: (r: Any) => r.workspaceId },
    { header: 'PROJECT', value: (r: Any) => r.projectId ?? '' },
    { header: 'LINES', value: (r: Any) => r.lines },
    { header: `COST ${i.currency}`, value: (r: Any) => money(r.cost) },
  ]);
}

/** hexaplane cost focus …: FOCUS 1.x bills in (with tag rules) and Hexaplane's allocation out. */
function focusCommands(cost: Command): void {
  const focus = cost.command('focus').description('FOCUS 1.x cloud bills: import with tag mapping rules, export of Hexaplane allocations');

  focus.command('import <file>')
    .description('Import a FOCUS CSV bill (all lines or none) and allocate it by the rules; the same file twice is refused')
    .option('--cost-column <column>', 'EffectiveCost | BilledCost', 'EffectiveCost')
    .action(async (file: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { csv: readFileSync(file, 'utf8'), costColumn: o.costColumn };
      printImport(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/focus-imports', { params: { path: { orgId } }, body })));
    });
  focus.command('imports').description('Imported bills').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/focus-imports', { params: { path: { orgId }, query: { limit: 200 } } })).items, importColumns);
  });
  focus.command('show <importId>').description('An imported bill with its allocation').action(async (importId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    printImport(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/focus-imports/{importId}', { params: { path: { orgId, importId } } })));
  });
  focus.command('reallocate <importId>').description('Apply the current rules to an imported bill again').action(async (importId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    printImport(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/focus-imports/{importId}/reallocate', { params: { path: { orgId, importId } } })));
  });
  focus.command('export')
    .description('Hexaplane allocations of a window as a FOCUS CSV on stdout')
    .requiredOption('--from <time>')
    .requiredOption('--to <time>')
    .action(async (o: Any, cmd: Command) => {
      const { client, orgId } = contextOf(cmd);
      const res = await client.GET('/api/v1/orgs/{orgId}/cost/focus-export', { params: { path: { orgId }, query: { from: o.from, to: o.to } }, parseAs: 'text' });
      process.stdout.write(unwrap(res) as string);
    });

  const rules = focus.command('rules').description('Tag mapping rules: the first whose tag matches maps a bill line to a workspace (and project)');
  rules.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/cost/focus-rules', { params: { path: { orgId } } })).items, ruleColumns);
  });
  rules.command('create')
    .requiredOption('--tag <key>', 'the tag key, exactly')
    .option('--value <value>', 'match this value exactly')
    .option('--pattern <regex>', 'or a regular expression matched against the whole value')
    .requiredOption('--workspace <workspaceId>')
    .option('--project <projectId>')
    .option('--position <n>', 'order (default: last)')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        tagKey: o.tag, workspaceId: o.workspace,
        ...(o.value !== undefined ? { value: o.value } : {}), ...(o.pattern !== undefined ? { pattern: o.pattern } : {}),
        ...(o.project ? { projectId: o.project } : {}), ...(o.position !== undefined ? { position: Number(o.position) } : {}),
      };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/cost/focus-rules', { params: { path: { orgId } }, body })), ruleColumns);
    });
  rules.command('update <ruleId>')
    .option('--tag <key>').option('--value <value>').option('--pattern <regex>').option('--workspace <workspaceId>').option('--project <projectId>').option('--position <n>')
    .option('--if-match <etag>', 'only if still at this version, e.g. "v3"')
    .action(async (ruleId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        ...(o.tag !== undefined ? { tagKey: o.tag } : {}), ...(o.value !== undefined ? { value: o.value, pattern: null } : {}), ...(o.pattern !== undefined ? { pattern: o.pattern, value: null } : {}),
        ...(o.workspace !== undefined ? { workspaceId: o.workspace } : {}), ...(o.project !== undefined ? { projectId: o.project } : {}), ...(o.position !== undefined ? { position: Number(o.position) } : {}),
      };
      const headers = o.ifMatch ? { 'if-match': o.ifMatch } : {};
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/cost/focus-rules/{ruleId}', { params: { path: { orgId, ruleId } }, body, headers })), ruleColumns);
    });
  rules.command('delete <ruleId>').option('--if-match <etag>').action(async (ruleId: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/cost/focus-rules/{ruleId}', { params: { path: { orgId, ruleId } }, headers: o.ifMatch ? { 'if-match': o.ifMatch } : {} }));
    printMessage(output, `deleted ${ruleId}`, { deleted: ruleId });
  });
}
