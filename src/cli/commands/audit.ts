import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print } from '../output.ts';
import { auditStreamCommands } from './audit-streams.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const eventColumns = [
  { header: 'TIME', value: (e: Any) => e.occurredAt },
  { header: 'ACTOR', value: (e: Any) => `${e.actor.kind}:${e.actor.name ?? e.actor.id}` },
  { header: 'ACTION', value: (e: Any) => e.action },
  { header: 'TARGET', value: (e: Any) => `${e.target.type}:${e.target.name ?? e.target.id ?? ''}` },
  { header: 'OUTCOME', value: (e: Any) => e.outcome },
  { header: 'IP', value: (e: Any) => e.actor.ip },
];

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('The audit log');
  audit.command('list')
    .option('--actor <id>', 'user or API key id')
    .option('--action <prefix>', 'an action or prefix, e.g. workspace:')
    .option('--target <id>')
    .option('-w, --workspace <workspaceId>')
    .option('--outcome <outcome>', 'success | denied | failed')
    .option('--from <iso>')
    .option('--to <iso>')
    .option('-q, --query <text>')
    .option('--limit <n>', 'events', '50')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = {
        limit: Number(o.limit),
        ...(o.actor ? { actorId: o.actor } : {}),
        ...(o.action ? { action: o.action } : {}),
        ...(o.target ? { targetId: o.target } : {}),
        ...(o.workspace ? { workspaceId: o.workspace } : {}),
        ...(o.outcome ? { outcome: o.outcome } : {}),
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
        ...(o.query ? { q: o.query } : {}),
      };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/audit-events', { params: { path: { orgId }, query } })).items, eventColumns);
    });
  audit.command('get <eventId>').action(async (eventId: string, _o, cmd: Command) => {
    const { client, orgId } = contextOf(cmd);
    print('json', unwrap(await client.GET('/api/v1/orgs/{orgId}/audit-events/{eventId}', { params: { path: { orgId, eventId } } })), eventColumns);
  });
  auditStreamCommands(audit);
}
