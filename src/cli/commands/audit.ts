import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { verifyExportBundle, type ExportManifest, type ExportProof } from '../../modules/audit/export-bundle.ts';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { print, printMessage } from '../output.ts';
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

/** The search filters as flags, shared by `list` and `export`. */
function withFilters(command: Command): Command {
  return command
    .option('--actor <id>', 'user or API key id')
    .option('--action <prefix>', 'an action or prefix, e.g. workspace:')
    .option('--target <id>')
    .option('-w, --workspace <workspaceId>')
    .option('--outcome <outcome>', 'success | denied | failed')
    .option('--from <iso>')
    .option('--to <iso>')
    .option('-q, --query <text>');
}

function filtersOf(o: Any): Record<string, string> {
  return {
    ...(o.actor ? { actorId: o.actor } : {}),
    ...(o.action ? { action: o.action } : {}),
    ...(o.target ? { targetId: o.target } : {}),
    ...(o.workspace ? { workspaceId: o.workspace } : {}),
    ...(o.outcome ? { outcome: o.outcome } : {}),
    ...(o.from ? { from: o.from } : {}),
    ...(o.to ? { to: o.to } : {}),
    ...(o.query ? { q: o.query } : {}),
  };
}

/** Keys from a file: the public-keys endpoint's answer, or a plain [{keyId, publicKey}] list. */
function readKeys(file: string): ExportProof['publicKeys'] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { items?: ExportProof['publicKeys'] } | ExportProof['publicKeys'];
  const keys = Array.isArray(parsed) ? parsed : parsed.items ?? [];
  return keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey }));
}

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('The audit log');
  withFilters(audit.command('list'))
    .option('--limit <n>', 'events', '50')
    .option('--unmasked', 'stored values, without read-time PII masking (needs audit:read-unmasked; audited)')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const query = { limit: Number(o.limit), ...filtersOf(o), ...(o.unmasked ? { unmasked: 'true' as const } : {}) };
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/audit-events', { params: { path: { orgId }, query } })).items, eventColumns);
    });
  withFilters(audit.command('export'))
    .description('Export events with a signed manifest and proof into a directory; check it later with `audit verify`')
    .requiredOption('--out <dir>', 'directory to write manifest.json, events.jsonl|csv and proof.json into')
    .option('--format <format>', 'jsonl | csv', 'jsonl')
    .option('--from-seq <n>', 'first seq (exports without filters only)')
    .option('--tree-size <n>', 'the checkpoint to tie the export to (default: the latest)')
    .option('--unmasked', 'stored values, without read-time PII masking (needs audit:read-unmasked; recorded)')
    .action(async (o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = {
        format: o.format as 'jsonl' | 'csv',
        filters: filtersOf(o),
        ...(o.fromSeq ? { fromSeq: Number(o.fromSeq) } : {}),
        ...(o.treeSize ? { treeSize: Number(o.treeSize) } : {}),
        ...(o.unmasked ? { unmasked: true } : {}),
      };
      const created = unwrap(await client.POST('/api/v1/orgs/{orgId}/audit-exports', { params: { path: { orgId } }, body }));
      const path_ = { path: { orgId, exportId: created.id } };
      const file = await client.GET('/api/v1/orgs/{orgId}/audit-exports/{exportId}/file', { params: path_, parseAs: 'arrayBuffer' });
      if (!file.data) unwrap(file);
      const proof = unwrap(await client.GET('/api/v1/orgs/{orgId}/audit-exports/{exportId}/proof', { params: path_ }));
      mkdirSync(o.out, { recursive: true });
      writeFileSync(path.join(o.out, 'manifest.json'), JSON.stringify(created.manifest, null, 2) + '\n');
      writeFileSync(path.join(o.out, created.manifest.file.name), Buffer.from(file.data as ArrayBuffer));
      writeFileSync(path.join(o.out, 'proof.json'), JSON.stringify(proof) + '\n');
      printMessage(output, `exported ${created.eventCount} events (seq ${created.fromSeq}..${created.toSeq}) to ${o.out}`, created);
    });
  audit.command('verify <dir>')
    .description('Check an export offline: manifest signature, file hash, checkpoint, every event against its sealed leaf')
    .option('--public-keys <file>', 'trust only these keys (the /api/v1/audit/public-keys answer, saved), not the ones in proof.json')
    .action((dir: string, o: Any, cmd: Command) => {
      const { output } = cmd.optsWithGlobals<{ output: 'table' | 'json' }>();
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
      const proof = JSON.parse(readFileSync(path.join(dir, 'proof.json'), 'utf8')) as ExportProof;
      const file = readFileSync(path.join(dir, path.basename(manifest.file.name)));
      const verdict = verifyExportBundle({ manifest, file, proof, ...(o.publicKeys ? { trustedKeys: readKeys(o.publicKeys) } : {}) });
      if (verdict.ok) {
        printMessage(output, `OK: ${verdict.events} events verified against checkpoint ${verdict.checkpoint.treeSize} (key ${verdict.checkpoint.keyId})` +
          (verdict.masked ? `; ${verdict.masked} masked (position checked, content not: export --unmasked to check it)` : '') +
          (verdict.purged ? `; ${verdict.purged} purged by retention` : ''), verdict);
        return;
      }
      const where = [verdict.seq !== null ? `seq ${verdict.seq}` : '', verdict.eventId ?? '', verdict.line !== null ? `line ${verdict.line}` : ''].filter(Boolean).join(', ');
      printMessage(output, `FAILED (${verdict.problem})${where ? ` at ${where}` : ''}: ${verdict.detail}`, verdict);
      process.exitCode = 1;
    });
  audit.command('get <eventId>')
    .option('--unmasked', 'stored values, without read-time PII masking (needs audit:read-unmasked; audited)')
    .action(async (eventId: string, o: Any, cmd: Command) => {
      const { client, orgId } = contextOf(cmd);
      const query = o.unmasked ? { unmasked: 'true' as const } : {};
      print('json', unwrap(await client.GET('/api/v1/orgs/{orgId}/audit-events/{eventId}', { params: { path: { orgId, eventId }, query } })), eventColumns);
    });
  auditStreamCommands(audit);
}
