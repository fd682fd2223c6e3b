import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const streamColumns = [
  { header: 'ID', value: (s: Any) => s.id },
  { header: 'NAME', value: (s: Any) => s.name },
  { header: 'KIND', value: (s: Any) => s.kind },
  { header: 'STATUS', value: (s: Any) => s.status },
  { header: 'CURSOR', value: (s: Any) => s.health.cursor },
  { header: 'LAG', value: (s: Any) => s.health.lag },
  { header: 'DELIVERED', value: (s: Any) => s.health.deliveredCount },
  { header: 'LAST ERROR', value: (s: Any) => (s.health.lastError ? `${s.health.lastErrorAt} ${s.health.lastError}` : '') },
];

/** The secret of a destination, from a file or an environment variable: never from argv, which `ps` shows. */
function readSecret(o: Any): string | undefined {
  if (o.secretFile) return readFileSync(o.secretFile, 'utf8').trim();
  if (o.secretEnv) {
    const value = process.env[o.secretEnv];
    if (!value) throw new Error(`environment variable ${o.secretEnv} is empty`);
    return value;
  }
  return undefined;
}

const SECRET_FIELD: Record<string, string> = { 'splunk-hec': 'token', datadog: 'apiKey', https: 'hmacSecret', syslog: 'clientKeyPem' };

function destinationOf(o: Any): Any {
  const kind = o.kind as string;
  const secret = readSecret(o);
  const pem = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
  const d: Any = {
    kind,
    ...(o.endpoint ? { url: o.endpoint } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.port ? { port: Number(o.port) } : {}),
    ...(o.format ? { format: o.format } : {}),
    ...(o.index ? { index: o.index } : {}),
    ...(o.sourcetype ? { sourcetype: o.sourcetype } : {}),
    ...(o.service ? { service: o.service } : {}),
    ...(o.tag ? { tags: o.tag } : {}),
    ...(o.directory ? { directory: o.directory } : {}),
    ...(o.caFile ? { caPem: pem(o.caFile) } : {}),
    ...(o.clientCertFile ? { clientCertPem: pem(o.clientCertFile) } : {}),
  };
  if (secret !== undefined && SECRET_FIELD[kind]) d[SECRET_FIELD[kind]] = secret;
  return d;
}

function commonOptions(c: Command): Command {
  return c
    .option('--kind <kind>', 'splunk-hec | datadog | syslog | https | ocsf-file')
    .option('--endpoint <url>', 'receiver URL (splunk-hec, datadog, https); --url names the Hexaplane server')
    .option('--host <host>', 'syslog server')
    .option('--port <port>', 'syslog TLS port (6514)')
    .option('--format <format>', 'syslog payload: json | cef')
    .option('--index <index>', 'Splunk index')
    .option('--sourcetype <sourcetype>', 'Splunk sourcetype')
    .option('--service <service>', 'Datadog service')
    .option('--tag <tag>', 'Datadog tag (repeatable)', collect)
    .option('--directory <dir>', 'ocsf-file: directory under the operator\'s SIEM root')
    .option('--ca-file <pem>', 'CA certificate(s) that verify the receiver')
    .option('--client-cert-file <pem>', 'syslog client certificate')
    .option('--secret-file <file>', 'the token / API key / HMAC secret / client key, read from a file')
    .option('--secret-env <VAR>', '... or from an environment variable')
    .option('--min-severity <level>', 'info | low | medium | high | critical')
    .option('--action-prefix <prefix>', 'only these actions (repeatable)', collect)
    .option('--workspace <workspaceId>', 'only events in these workspaces (repeatable)', collect)
    .option('--max-events <n>', 'batch size')
    .option('--max-wait-ms <n>', 'how long a partial batch waits')
    .option('--max-attempts <n>', 'consecutive failures before dead_letter');
}

function filtersOf(o: Any): Any | undefined {
  if (!o.minSeverity && !o.actionPrefix && !o.workspace) return undefined;
  return { ...(o.minSeverity ? { minSeverity: o.minSeverity } : {}), ...(o.actionPrefix ? { actionPrefixes: o.actionPrefix } : {}), ...(o.workspace ? { workspaceIds: o.workspace } : {}) };
}

function batchOf(o: Any): Any | undefined {
  if (!o.maxEvents && !o.maxWaitMs) return undefined;
  return { ...(o.maxEvents ? { maxEvents: Number(o.maxEvents) } : {}), ...(o.maxWaitMs ? { maxWaitMs: Number(o.maxWaitMs) } : {}) };
}

/** `hexaplane audit stream …`: SIEM streams of the audit log (docs/audit.md, "Streaming to your SIEM"). */
export function auditStreamCommands(audit: Command): void {
  const stream = audit.command('stream').description('SIEM streams of the audit log');
  const path = '/api/v1/orgs/{orgId}/audit-streams/{streamId}' as const;

  stream.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/audit-streams', { params: { path: { orgId }, query: {} } })).items, streamColumns);
  });
  stream.command('get <streamId>').action(async (streamId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET(path, { params: { path: { orgId, streamId } } })), streamColumns);
  });
  commonOptions(stream.command('create <name>')).action(async (name: string, o: Any, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    if (!o.kind) throw new Error('--kind is required');
    const body = {
      name,
      destination: destinationOf(o),
      ...(filtersOf(o) ? { filters: filtersOf(o) } : {}),
      ...(batchOf(o) ? { batch: batchOf(o) } : {}),
      ...(o.maxAttempts ? { maxAttempts: Number(o.maxAttempts) } : {}),
    };
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/audit-streams', { params: { path: { orgId } }, body: body as never })), streamColumns);
  });
  commonOptions(stream.command('update <streamId>'))
    .option('--name <name>')
    .option('--pause', 'stop delivering')
    .option('--activate', 'deliver again after a pause')
    .action(async (streamId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        ...(o.name ? { name: o.name } : {}),
        ...(o.kind ? { destination: destinationOf(o) } : {}),
        ...(filtersOf(o) ? { filters: filtersOf(o) } : {}),
        ...(batchOf(o) ? { batch: batchOf(o) } : {}),
        ...(o.maxAttempts ? { maxAttempts: Number(o.maxAttempts) } : {}),
        ...(o.pause ? { status: 'paused' } : o.activate ? { status: 'active' } : {}),
      };
      print(output, unwrap(await client.PATCH(path, { params: { path: { orgId, streamId } }, body: body as never })), streamColumns);
    });
  stream.command('delete <streamId>').action(async (streamId: string, _o, cmd: Command) => {
    const { client, orgId } = contextOf(cmd);
    unwrap(await client.DELETE(path, { params: { path: { orgId, streamId } } }));
  });
  stream.command('replay <streamId>')
    .requiredOption('--from-seq <seq>', 'deliver again from this sequence number')
    .action(async (streamId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      print(output, unwrap(await client.POST(`${path}/replay`, { params: { path: { orgId, streamId } }, body: { fromSeq: Number(o.fromSeq) } })), streamColumns);
    });
  stream.command('resume <streamId>').description('restart a stream in dead_letter at its cursor').action(async (streamId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.POST(`${path}/resume`, { params: { path: { orgId, streamId } } })), streamColumns);
  });
  stream.command('test <streamId>').description('send one test message now').action(async (streamId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const result = unwrap(await client.POST(`${path}/test`, { params: { path: { orgId, streamId } } }));
    print(output, result, [
      { header: 'OK', value: (r: Any) => r.ok },
      { header: 'MS', value: (r: Any) => r.durationMs },
      { header: 'ERROR', value: (r: Any) => r.error },
    ]);
    if (!result.ok) process.exitCode = 1;
  });
}
