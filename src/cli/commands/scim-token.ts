import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tokenColumns = [
  { header: 'ID', value: (k: Any) => k.id },
  { header: 'NAME', value: (k: Any) => k.name },
  { header: 'STATUS', value: (k: Any) => k.status },
  { header: 'CREATED', value: (k: Any) => k.createdAt },
  { header: 'LAST USED', value: (k: Any) => k.lastUsedAt ?? '' },
  { header: 'OLD TOKEN UNTIL', value: (k: Any) => k.previousSecretExpiresAt ?? '' },
];

function showToken(output: 'table' | 'json', created: Any): void {
  printMessage(output, `${created.scimToken.id}\nSCIM base URL: ${created.baseUrl}\ntoken (shown once, paste it into the identity provider now):\n${created.token}`, created);
}

/** `hexaplane scim-token list|create|rotate|revoke`: tokens an identity provider provisions with. */
export function scimTokenCommands(program: Command): void {
  const scim = program.command('scim-token').description('SCIM provisioning tokens (for Okta, Entra ID)');
  scim.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/scim-tokens', { params: { path: { orgId }, query: {} } })).items, tokenColumns);
  });
  scim.command('create <name>').action(async (name: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    showToken(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/scim-tokens', { params: { path: { orgId } }, body: { name } })));
  });
  scim.command('rotate <tokenId>')
    .option('--overlap-minutes <n>', 'how long the old token keeps working', '60')
    .action(async (tokenId: string, o: { overlapMinutes: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { overlapMinutes: Number(o.overlapMinutes) };
      showToken(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/scim-tokens/{tokenId}/rotate', { params: { path: { orgId, tokenId } }, body })));
    });
  scim.command('revoke <tokenId>').action(async (tokenId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.DELETE('/api/v1/orgs/{orgId}/scim-tokens/{tokenId}', { params: { path: { orgId, tokenId } } })), tokenColumns);
  });
}
