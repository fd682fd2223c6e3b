import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const contractColumns = [
  { header: 'ID', value: (c: Any) => c.id },
  { header: 'NAME', value: (c: Any) => c.name },
  { header: 'PERIOD', value: (c: Any) => c.period },
  { header: 'COMMITMENT', value: (c: Any) => `${c.commitment} ${c.currency}` },
  { header: 'OVERAGE', value: (c: Any) => `${(c.overageRateBp / 100).toFixed(2)} %` },
  { header: 'TERM', value: (c: Any) => `${c.startsOn} – ${c.endsOn ?? 'open'}` },
];

const unitColumns = [
  { header: 'UNIT', value: (u: Any) => u.unit },
  { header: 'NAME', value: (u: Any) => u.name },
  { header: 'SHARE', value: (u: Any) => `${(u.shareBp / 100).toFixed(2)} %` },
  { header: 'SHOWBACK', value: (u: Any) => u.showback },
  { header: 'CHARGEBACK', value: (u: Any) => u.chargeback },
];

/** Fixed-price contracts: commitments per period, overage, true-up, and statements per business unit. */
export function contractCommands(program: Command): void {
  const contract = program.command('contract').description('Fixed-price contracts and their period statements (showback and chargeback)');

  contract.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/contracts', { params: { path: { orgId }, query: { limit: 200 } } })).items, contractColumns);
  });

  contract.command('get <contractId>').action(async (contractId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/contracts/{contractId}', { params: { path: { orgId, contractId } } })), contractColumns);
  });

  contract.command('create <name>')
    .requiredOption('--period <period>', 'monthly, quarterly or yearly')
    .requiredOption('--commitment <amount>', 'committed spend per period, e.g. 50000')
    .requiredOption('--starts-on <day>', 'first day of the first period (YYYY-MM-DD, a period start)')
    .option('--ends-on <day>', 'the day after the last period')
    .option('--overage-rate <percent>', 'overage price in percent of the contract rate (100 = the same)', '100')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { name, period: o.period, commitment: o.commitment, startsOn: o.startsOn, endsOn: o.endsOn ?? null, overageRateBp: Math.round(Number(o.overageRate) * 100) };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/contracts', { params: { path: { orgId } }, body: body as never })), contractColumns);
    });

  contract.command('update <contractId>')
    .option('--name <name>')
    .option('--commitment <amount>')
    .option('--ends-on <day>')
    .option('--overage-rate <percent>')
    .action(async (contractId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        ...(o.name ? { name: o.name } : {}),
        ...(o.commitment ? { commitment: o.commitment } : {}),
        ...(o.endsOn ? { endsOn: o.endsOn } : {}),
        ...(o.overageRate ? { overageRateBp: Math.round(Number(o.overageRate) * 100) } : {}),
      };
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/contracts/{contractId}', { params: { path: { orgId, contractId } }, body })), contractColumns);
    });

  contract.command('delete <contractId>').action(async (contractId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/contracts/{contractId}', { params: { path: { orgId, contractId } } }));
    printMessage(output, `deleted ${contractId}`, { id: contractId, deleted: true });
  });

  contract.command('statement <contractId>')
    .description('The statement of a period (default: the current one): drawdown, overage, true-up, showback and chargeback per business unit')
    .option('--period <day>', 'any day of the period (YYYY-MM-DD)')
    .option('--csv', 'print the statement as CSV')
    .action(async (contractId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = o.period ? { period: o.period as string } : {};
      if (o.csv) {
        const res = await client.GET('/api/v1/orgs/{orgId}/contracts/{contractId}/statement/export', { params: { path: { orgId, contractId }, query }, parseAs: 'text' });
        process.stdout.write(unwrap(res) as string);
        return;
      }
      const s = unwrap(await client.GET('/api/v1/orgs/{orgId}/contracts/{contractId}/statement', { params: { path: { orgId, contractId }, query } }));
      if (output === 'json') return printMessage(output, '', s);
      printMessage(
        output,
        [
          `period     ${s.period.start} – ${s.period.end}${s.period.closed ? ' (closed)' : ' (open)'}`,
          `commitment ${s.commitment} ${s.currency}; used ${s.usage}, drawn ${s.drawdown}, remaining ${s.remainingCommitment}`,
          `overage    ${s.overageUsage} used, charged ${s.overageCharge}; true-up ${s.trueUp}`,
          `charge     ${s.charge} ${s.currency}`,
        ].join('\n'),
      );
      print(output, s.units, unitColumns);
    });
}
