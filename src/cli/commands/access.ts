import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print, printMessage } from '../output.ts';
import { readTextFile } from './tenancy.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const roleColumns = [
  { header: 'ID', value: (r: Any) => r.id },
  { header: 'NAME', value: (r: Any) => r.name },
  { header: 'SCOPE', value: (r: Any) => r.scope },
  { header: 'BUILT-IN', value: (r: Any) => (r.builtIn ? 'yes' : '') },
  { header: 'ACTIONS', value: (r: Any) => r.actions },
];
const bindingColumns = [
  { header: 'ID', value: (b: Any) => b.id },
  { header: 'ROLE', value: (b: Any) => b.roleName ?? b.roleId },
  { header: 'SUBJECT', value: (b: Any) => `${b.subject.type}:${b.subject.id}` },
  { header: 'SCOPE', value: (b: Any) => `${b.scope.type}:${b.scope.id}` },
];
const policyColumns = [
  { header: 'ID', value: (p: Any) => p.id },
  { header: 'NAME', value: (p: Any) => p.name },
  { header: 'ENABLED', value: (p: Any) => (p.enabled ? 'yes' : 'no') },
  { header: 'UPDATED', value: (p: Any) => p.updatedAt },
];

/** `user:usr_…`, `group:grp_…`, `workspace:ws_…` → {type, id}. */
function typed(value: string, what: string): { type: string; id: string } {
  const at = value.indexOf(':');
  if (at < 1) throw new Error(`${what} must be type:id, e.g. user:usr_01…`);
  return { type: value.slice(0, at), id: value.slice(at + 1) };
}

export function roleCommands(program: Command): void {
  const role = program.command('role').description('Roles and role bindings');
  role.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/roles', { params: { path: { orgId }, query: {} } })).items, roleColumns);
  });
  role.command('create <name>')
    .requiredOption('--scope <scope>', 'organization | workspace | project')
    .requiredOption('--action <noun:verb>', 'an action or pattern (repeatable)', collect)
    .option('-d, --description <text>', 'description', '')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { name, description: o.description, scope: o.scope, actions: o.action };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/roles', { params: { path: { orgId } }, body })), roleColumns);
    });
  role.command('delete <roleId>').action(async (roleId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/roles/{roleId}', { params: { path: { orgId, roleId } } }));
    printMessage(output, `deleted ${roleId}`, { deleted: roleId });
  });
  role.command('bindings')
    .option('--subject <id>')
    .option('--scope <id>')
    .action(async (o: { subject?: string; scope?: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = { ...(o.subject ? { subjectId: o.subject } : {}), ...(o.scope ? { scopeId: o.scope } : {}) };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/role-bindings', { params: { path: { orgId }, query } })).items, bindingColumns);
    });
  role.command('bind <roleId> <subject> <scope>')
    .description('Grant a role: subject is user:<id> or group:<id>; scope is organization:<id>, workspace:<id> or project:<id>')
    .action(async (roleId: string, subject: string, scope: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { roleId, subject: typed(subject, 'subject'), scope: typed(scope, 'scope') } as Any;
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/role-bindings', { params: { path: { orgId } }, body: body as never })), bindingColumns);
    });
  role.command('unbind <bindingId>').action(async (bindingId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/role-bindings/{bindingId}', { params: { path: { orgId, bindingId } } }));
    printMessage(output, `removed ${bindingId}`, { removed: bindingId });
  });
  role.command('check <action> <resource>')
    .description('May I (or --principal user:<id>) do <action> on <resource> (type:id)?')
    .option('--principal <type:id>')
    .action(async (action: string, resource: string, o: { principal?: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { action, resource: typed(resource, 'resource'), ...(o.principal ? { principal: typed(o.principal, 'principal') } : {}) } as Any;
      const decision = unwrap(await client.POST('/api/v1/orgs/{orgId}/authz/check', { params: { path: { orgId } }, body: body as never }));
      printMessage(output, `${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${decision.reason}`, decision);
    });
}

export function policyCommands(program: Command): void {
  const policy = program.command('policy').description('Cedar policies');
  policy.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/policies', { params: { path: { orgId }, query: {} } })).items, policyColumns);
  });
  policy.command('get <policyId>').action(async (policyId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const p = unwrap(await client.GET('/api/v1/orgs/{orgId}/policies/{policyId}', { params: { path: { orgId, policyId } } }));
    if (output === 'json') print(output, p, policyColumns);
    else process.stdout.write(`# ${p.name}\n${p.text}\n`);
  });
  policy.command('validate <file>').description('Validate a Cedar policy file against the schema (- for stdin)').action(async (file: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const result = unwrap(await client.POST('/api/v1/orgs/{orgId}/policies/validate', { params: { path: { orgId } }, body: { text: readTextFile(file) } }));
    const lines = result.errors.map((e: Any) => `  ${e.line ? `${e.line}:${e.column ?? 0} ` : ''}${e.message}`);
    printMessage(output, result.valid ? 'valid' : `invalid:\n${lines.join('\n')}`, result);
    if (!result.valid) process.exitCode = 1;
  });
  policy.command('create <name> <file>')
    .option('-d, --description <text>', 'description', '')
    .option('--disabled', 'save it disabled')
    .action(async (name: string, file: string, o: { description: string; disabled?: boolean }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { name, description: o.description, text: readTextFile(file), enabled: !o.disabled };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/policies', { params: { path: { orgId } }, body })), policyColumns);
    });
  policy.command('delete <policyId>').action(async (policyId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/policies/{policyId}', { params: { path: { orgId, policyId } } }));
    printMessage(output, `deleted ${policyId}`, { deleted: policyId });
  });
}
