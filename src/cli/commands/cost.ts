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
}
