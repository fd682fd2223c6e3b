import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One row per setting: the policy is nested, a table of dotted names reads best. */
function rows(policy: Any): Any[] {
  const flat = (prefix: string, value: unknown): Any[] =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value as Any).flatMap(([k, v]) => flat(prefix ? `${prefix}.${k}` : k, v))
      : [{ setting: prefix, value: Array.isArray(value) ? value.join(', ') : String(value) }];
  const { mfa, password, sessions, ipAllowList, lockout } = policy;
  return flat('', { mfa, password, sessions, ipAllowList, lockout });
}

const columns = [
  { header: 'SETTING', value: (r: Any) => r.setting },
  { header: 'VALUE', value: (r: Any) => r.value },
];

/** `hexaplane security-policy get|set` (ADR 0013). */
export function securityPolicyCommands(program: Command): void {
  const policy = program.command('security-policy').description("The organization's security policy: MFA, passwords, sessions, IP allow-lists, lockout");
  policy.command('get').action(async (_o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const current = unwrap(await client.GET('/api/v1/orgs/{orgId}/security-policy', { params: { path: { orgId } } }));
    if (output === 'json') print('json', current, []);
    else print(output, rows(current), columns);
  });
  policy.command('set')
    .requiredOption('--file <policy.json>', 'the whole policy as JSON (what `get -o json` prints; orgId, version and updated* are ignored)')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const { mfa, password, sessions, ipAllowList, lockout } = JSON.parse(readFileSync(o.file as string, 'utf8')) as Any;
      const current = await client.GET('/api/v1/orgs/{orgId}/security-policy', { params: { path: { orgId } } });
      const etag = current.response.headers.get('etag') ?? undefined;
      const saved = unwrap(await client.PUT('/api/v1/orgs/{orgId}/security-policy', {
        params: { path: { orgId } }, body: { mfa, password, sessions, ipAllowList, lockout }, ...(etag ? { headers: { 'if-match': etag } } : {}),
      }));
      if (output === 'json') print('json', saved, []);
      else print(output, rows(saved), columns);
    });
}
