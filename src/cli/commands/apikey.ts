import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const keyColumns = [
  { header: 'ID', value: (k: Any) => k.id },
  { header: 'NAME', value: (k: Any) => k.name },
  { header: 'STATUS', value: (k: Any) => k.status },
  { header: 'GRANT', value: (k: Any) => k.roleId ?? k.actions },
  { header: 'WORKSPACE', value: (k: Any) => k.workspaceId },
  { header: 'EXPIRES', value: (k: Any) => k.expiresAt },
  { header: 'LAST USED', value: (k: Any) => (k.lastUsedAt ? `${k.lastUsedAt} from ${k.lastUsedIp}` : '') },
];

function showSecret(output: 'table' | 'json', created: Any): void {
  printMessage(output, `${created.apiKey.id}\nsecret (shown once, store it now):\n${created.secret}`, created);
}

export function apiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('API keys');
  apikey.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/api-keys', { params: { path: { orgId }, query: {} } })).items, keyColumns);
  });
  apikey.command('create <name>')
    .option('--role <roleId>', 'act with this role')
    .option('--action <noun:verb>', 'or with these actions (repeatable)', collect)
    .option('-w, --workspace <workspaceId>', 'limit the key to one workspace')
    .option('--expires-in-days <n>', 'expiry')
    .option('--rate-limit <perMinute>', 'requests per minute')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        name,
        ...(o.role ? { roleId: o.role } : {}),
        ...(o.action ? { actions: o.action } : {}),
        ...(o.workspace ? { workspaceId: o.workspace } : {}),
        ...(o.expiresInDays ? { expiresInDays: Number(o.expiresInDays) } : {}),
        ...(o.rateLimit ? { rateLimitPerMinute: Number(o.rateLimit) } : {}),
      };
      showSecret(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/api-keys', { params: { path: { orgId } }, body: body as never })));
    });
  apikey.command('rotate <keyId>')
    .option('--overlap-minutes <n>', 'how long the old secret keeps working', '60')
    .action(async (keyId: string, o: { overlapMinutes: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { overlapMinutes: Number(o.overlapMinutes) };
      showSecret(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/api-keys/{keyId}/rotate', { params: { path: { orgId, keyId } }, body })));
    });
  apikey.command('revoke <keyId>').action(async (keyId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.DELETE('/api/v1/orgs/{orgId}/api-keys/{keyId}', { params: { path: { orgId, keyId } } })), keyColumns);
  });
}
