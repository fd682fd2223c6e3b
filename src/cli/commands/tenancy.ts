import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, parsePairs, print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const orgColumns = [
  { header: 'ID', value: (o: Any) => o.id },
  { header: 'NAME', value: (o: Any) => o.name },
  { header: 'SLUG', value: (o: Any) => o.slug },
  { header: 'TIME ZONE', value: (o: Any) => o.timeZone },
  { header: 'CURRENCY', value: (o: Any) => o.currency },
];
const quotaText = (q: Any) => ['cpu', 'memory', 'storage', 'pods'].filter((k) => q[k] !== null).map((k) => `${k}=${q[k]}`).join(' ');
const workspaceColumns = [
  { header: 'ID', value: (w: Any) => w.id },
  { header: 'NAME', value: (w: Any) => w.name },
  { header: 'SLUG', value: (w: Any) => w.slug },
  { header: 'LABELS', value: (w: Any) => Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(' ') },
  { header: 'QUOTA', value: (w: Any) => quotaText(w.quota) },
];
const projectColumns = [
  { header: 'ID', value: (p: Any) => p.id },
  { header: 'WORKSPACE', value: (p: Any) => p.workspaceId },
  { header: 'NAME', value: (p: Any) => p.name },
  { header: 'SLUG', value: (p: Any) => p.slug },
  { header: 'QUOTA', value: (p: Any) => quotaText(p.quota) },
];

function quotaFrom(options: { cpu?: string; memory?: string; storage?: string; pods?: string }) {
  const quota: Any = {};
  if (options.cpu !== undefined) quota.cpu = options.cpu === 'none' ? null : options.cpu;
  if (options.memory !== undefined) quota.memory = options.memory === 'none' ? null : options.memory;
  if (options.storage !== undefined) quota.storage = options.storage === 'none' ? null : options.storage;
  if (options.pods !== undefined) quota.pods = options.pods === 'none' ? null : Number(options.pods);
  return quota;
}

function quotaOptions(command: Command): Command {
  return command
    .option('--cpu <quantity>', 'CPU, e.g. 8 or 500m ("none" for no limit)')
    .option('--memory <quantity>', 'memory, e.g. 32Gi')
    .option('--storage <quantity>', 'storage, e.g. 1Ti')
    .option('--pods <n>', 'pod count');
}

export function organizationCommands(program: Command): void {
  const org = program.command('org').description('Organizations');
  org.command('list').description('Organizations you belong to').action(async (_o, cmd: Command) => {
    const { client, output } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs', { params: { query: {} } })).items, orgColumns);
  });
  org.command('get').description('The current organization').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}', { params: { path: { orgId } } })), orgColumns);
  });
  org
    .command('create <name> <slug>')
    .description('Create an organization (platform administrators)')
    .option('--time-zone <tz>', 'IANA time zone', 'UTC')
    .option('--currency <code>', 'ISO 4217 currency', 'USD')
    .action(async (name: string, slug: string, o: { timeZone: string; currency: string }, cmd: Command) => {
      const { client, output } = contextOf(cmd);
      print(output, unwrap(await client.POST('/api/v1/orgs', { body: { name, slug, timeZone: o.timeZone, currency: o.currency } })), orgColumns);
    });
}

export function workspaceCommands(program: Command): void {
  const ws = program.command('workspace').alias('ws').description('Workspaces (business units)');
  ws.command('list')
    .option('--label <key=value>', 'only with this label')
    .option('-q, --query <text>', 'name or slug contains')
    .action(async (o: { label?: string; query?: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = { ...(o.label ? { label: o.label } : {}), ...(o.query ? { q: o.query } : {}) };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId }, query } })).items, workspaceColumns);
    });
  ws.command('get <workspaceId>').action(async (workspaceId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId } } })), workspaceColumns);
  });
  quotaOptions(
    ws.command('create <name> <slug>')
      .option('-d, --description <text>', 'description', '')
      .option('--label <key=value>', 'a label (repeatable)', collect),
  ).action(async (name: string, slug: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const quota = quotaFrom(o);
    const body = { name, slug, description: o.description, labels: parsePairs(o.label) ?? {}, ...(Object.keys(quota).length ? { quota } : {}) };
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/workspaces', { params: { path: { orgId } }, body })), workspaceColumns);
  });
  ws.command('update <workspaceId>')
    .option('--name <name>')
    .option('-d, --description <text>')
    .option('--label <key=value>', 'replace the labels (repeatable)', collect)
    .action(async (workspaceId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { ...(o.name ? { name: o.name } : {}), ...(o.description !== undefined ? { description: o.description } : {}), ...(o.label ? { labels: parsePairs(o.label) } : {}) };
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId } }, body })), workspaceColumns);
    });
  quotaOptions(ws.command('quota <workspaceId>').description('Set the workspace quota')).action(async (workspaceId: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.PUT('/api/v1/orgs/{orgId}/workspaces/{workspaceId}/quota', { params: { path: { orgId, workspaceId } }, body: quotaFrom(o) })), workspaceColumns);
  });
  ws.command('delete <workspaceId>').action(async (workspaceId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId } } }));
    printMessage(output, `deleted ${workspaceId}`, { deleted: workspaceId });
  });
  ws.command('manifests <workspaceId>')
    .description('Print the Kubernetes manifests (YAML) Hexaplane applies for the workspace')
    .action(async (workspaceId: string, _o, cmd: Command) => {
      const { client, orgId } = contextOf(cmd);
      const result = await client.GET('/api/v1/orgs/{orgId}/workspaces/{workspaceId}/manifests', {
        params: { path: { orgId, workspaceId } },
        parseAs: 'text',
      });
      process.stdout.write(String(unwrap(result)));
    });
}

export function projectCommands(program: Command): void {
  const project = program.command('project').description('Projects inside workspaces');
  project.command('list').option('-w, --workspace <workspaceId>').action(async (o: { workspace?: string }, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const query = o.workspace ? { workspaceId: o.workspace } : {};
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/projects', { params: { path: { orgId }, query } })).items, projectColumns);
  });
  project.command('get <projectId>').action(async (projectId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } })), projectColumns);
  });
  quotaOptions(
    project.command('create <workspaceId> <name> <slug>')
      .option('-d, --description <text>', 'description', '')
      .option('--label <key=value>', 'a label (repeatable)', collect),
  ).action(async (workspaceId: string, name: string, slug: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const quota = quotaFrom(o);
    const body = { workspaceId, name, slug, description: o.description, labels: parsePairs(o.label) ?? {}, ...(Object.keys(quota).length ? { quota } : {}) };
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/projects', { params: { path: { orgId } }, body })), projectColumns);
  });
  quotaOptions(project.command('quota <projectId>').description('Set the project quota (must fit its workspace)')).action(async (projectId: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.PUT('/api/v1/orgs/{orgId}/projects/{projectId}/quota', { params: { path: { orgId, projectId } }, body: quotaFrom(o) })), projectColumns);
  });
  project.command('delete <projectId>').action(async (projectId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } }));
    printMessage(output, `deleted ${projectId}`, { deleted: projectId });
  });
}

export function memberCommands(program: Command): void {
  const member = program.command('member').description('Members and invitations');
  member.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/members', { params: { path: { orgId }, query: {} } })).items, [
      { header: 'USER', value: (m: Any) => m.userId },
      { header: 'E-MAIL', value: (m: Any) => m.email },
      { header: 'NAME', value: (m: Any) => m.displayName },
      { header: 'JOINED', value: (m: Any) => m.joinedAt },
    ]);
  });
  member.command('remove <userId>').action(async (userId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } } }));
    printMessage(output, `removed ${userId}`, { removed: userId });
  });
  member.command('invite <email> <roleId>')
    .option('-w, --workspace <workspaceId>', 'grant the role in this workspace')
    .option('--expires-in-hours <n>', 'link lifetime', '72')
    .action(async (email: string, roleId: string, o: { workspace?: string; expiresInHours: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { email, roleId, expiresInHours: Number(o.expiresInHours), ...(o.workspace ? { workspaceId: o.workspace } : {}) };
      const invitation = unwrap(await client.POST('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId } }, body }));
      printMessage(output, `invited ${email}; accept link (shown once):\n${invitation.acceptUrl}`, invitation);
    });
  member.command('invitations').option('--status <status>', 'pending|accepted|revoked|expired').action(async (o: { status?: string }, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const query = o.status ? { status: o.status as 'pending' } : {};
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId }, query } })).items, [
      { header: 'ID', value: (i: Any) => i.id },
      { header: 'E-MAIL', value: (i: Any) => i.email },
      { header: 'ROLE', value: (i: Any) => i.roleId },
      { header: 'STATUS', value: (i: Any) => i.status },
      { header: 'EXPIRES', value: (i: Any) => i.expiresAt },
    ]);
  });
  member.command('revoke-invitation <invitationId>').action(async (invitationId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/invitations/{invitationId}', { params: { path: { orgId, invitationId } } }));
    printMessage(output, `revoked ${invitationId}`, { revoked: invitationId });
  });
}

export function readTextFile(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
}
