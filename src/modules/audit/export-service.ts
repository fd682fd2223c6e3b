import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { recordAudit } from '../../kernel/audit.ts';
import type { Principal } from '../../kernel/authz.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { ModuleDeps } from '../deps.ts';
import { CSV_COLUMNS, exportLine, signManifest, type ExportCheckpoint } from './export-bundle.ts';
import type { AuditExportView, CreateExportBody, ExportProofView } from './export-schemas.ts';
import * as exportStore from './export-store.ts';
import { frontierIds, leafHashOfText } from './merkle.ts';
import type { AuditQuery } from './schemas.ts';
import { activeSigningKey } from './sealer.ts';
import type { ReadMasker } from '../compliance/index.ts';
import { canonicalJson, leafData, type SealedEventRow } from './sealing.ts';
import { auditEventView } from './service.ts';
import * as store from './store.ts';

/** Seqs read per query while generating a file. */
const SEQ_WINDOW = 5_000;

interface ExportSpec {
  orgId: string;
  format: 'jsonl' | 'csv';
  filters: AuditQuery;
  fromSeq: number;
  toSeq: number;
  /** The org's read-time PII rules; null for an unmasked export. */
  masker: ReadMasker | null;
}

interface ExportedRow {
  row: SealedEventRow;
  /** The row's canonical JSON as shown (the leaf data itself unless masked). */
  json: string;
  /** The leaf sealed for the stored event. */
  leaf: Buffer;
  masked: boolean;
}

/** A row as the export shows it: read-masked where the org's rules change it, with the stored event's leaf. */
function exportedRow(row: SealedEventRow, masker: ReadMasker | null): ExportedRow {
  const json = leafData(row);
  const leaf = leafHashOfText(json);
  if (!masker || masker.empty) return { row, json, leaf, masked: false };
  const view = auditEventView(row);
  const shown = masker.maskEvent(view);
  if (shown === view) return { row, json, leaf, masked: false };
  const maskedRow = {
    ...row, actor_name: shown.actor.name, actor_ip: shown.actor.ip, target_name: shown.target.name, reason: shown.reason, before: shown.before, after: shown.after,
  };
  return { row: maskedRow, json: leafData(maskedRow), leaf, masked: true };
}

function jsonlLine({ row, json, leaf, masked }: ExportedRow): string {
  return exportLine(row.seq!, leaf, json, masked);
}

function csvLines(rows: ExportedRow[]): string {
  return stringify(
    rows.map(({ row, leaf, masked }) => {
      const { before, after, ...columns } = row as SealedEventRow & Record<string, unknown>;
      return {
        ...columns,
        leaf_hash: leaf.toString('base64'),
        masked: masked ? 'true' : null,
        before: before == null ? null : canonicalJson(before),
        after: after == null ? null : canonicalJson(after),
      };
    }),
    // An empty string is quoted and NULL left bare, so a reader can tell them apart.
    { columns: [...CSV_COLUMNS], quoted_match: /^$/ },
  );
}

/**
 * The export file, chunk by chunk, byte for byte the same every time: the sealed events never
 * change (a masked export stays the same while the org's read rules do).
 */
async function* exportChunks(db: ModuleDeps['db'], spec: ExportSpec): AsyncGenerator<{ text: string; events: number; masked: number }> {
  if (spec.format === 'csv') yield { text: stringify([[...CSV_COLUMNS]]), events: 0, masked: 0 };
  for (let after = spec.fromSeq - 1; after < spec.toSeq; after = Math.min(spec.toSeq, after + SEQ_WINDOW)) {
    const rows = await exportStore.exportEvents(db, spec.orgId, spec.filters, after, spec.toSeq, SEQ_WINDOW);
    if (rows.length === 0) continue;
    const shown = rows.map((row) => exportedRow(row, spec.masker));
    const text = spec.format === 'csv' ? csvLines(shown) : shown.map(jsonlLine).join('');
    yield { text, events: rows.length, masked: shown.filter((r) => r.masked).length };
  }
}

function compactFilters(filters: AuditQuery): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
}

function exportCheckpoint(row: store.CheckpointRow): ExportCheckpoint {
  return {
    orgId: row.org_id,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash.toString('base64'),
    signedAt: new Date(row.signed_at).toISOString(),
    keyId: row.key_id,
    signature: row.signature.toString('base64'),
  };
}

function exportView(row: exportStore.ExportRow): AuditExportView {
  return {
    id: row.id,
    orgId: row.org_id,
    format: row.format,
    filters: row.filters,
    complete: row.complete,
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    eventCount: Number(row.event_count),
    sha256: row.sha256,
    bytes: Number(row.bytes),
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    manifest: row.manifest,
  };
}

export type AuditExportService = ReturnType<typeof createAuditExportService>;

export function createAuditExportService(deps: ModuleDeps) {
  const { db, authz, clock } = deps;
  const orgResource = (orgId: string) => ({ type: 'organization', id: orgId, orgId });

  async function rangeOf(orgId: string, body: CreateExportBody, filters: Record<string, string>, toSeq: number): Promise<number> {
    const complete = Object.keys(filters).length === 0;
    if (!complete) {
      if (body.fromSeq !== undefined) throw problems.validation([{ field: 'body.fromSeq', message: 'applies only to exports without filters' }]);
      return (await exportStore.firstMatchingSeq(db, orgId, filters, toSeq)) ?? toSeq + 1;
    }
    const fromSeq = body.fromSeq ?? 1;
    if (fromSeq > toSeq + 1) throw problems.validation([{ field: 'body.fromSeq', message: `must be at most ${toSeq + 1} (the checkpoint covers ${toSeq} events)` }]);
    return fromSeq;
  }

  async function loadExport(p: Principal, orgId: string, exportId: string): Promise<exportStore.ExportRow> {
    await authz.require(p, 'audit:export', orgResource(orgId));
    const row = await exportStore.findExport(db, orgId, exportId);
    if (!row) throw problems.notFound('audit export', exportId);
    return row;
  }

  const maskerOf = async (orgId: string, unmasked: boolean) => (unmasked ? null : deps.services.compliance.readMasker(orgId));

  const specOf = async (row: exportStore.ExportRow): Promise<ExportSpec> => ({
    orgId: row.org_id, format: row.format, filters: row.filters, fromSeq: Number(row.from_seq), toSeq: Number(row.to_seq),
    masker: await maskerOf(row.org_id, !row.manifest.masked),
  });

  /**
   * Downloading an export made without masking shows stored values: the permission again, and
   * the download is recorded. (An org without read rules exports unmasked data that is not secret
   * from any reader; its manifest says masked: false too, so the same rule applies.)
   */
  async function revealUnmasked(p: Principal, orgId: string, exportId: string): Promise<void> {
    const masker = await deps.services.compliance.readMasker(orgId);
    if (masker.empty) return;
    await authz.require(p, 'audit:read-unmasked', orgResource(orgId));
    await recordAudit(db, p, { action: 'audit:read-unmasked', orgId, target: { type: 'audit-export', id: exportId } });
  }

  return {
    async createExport(p: Principal, orgId: string, body: CreateExportBody): Promise<AuditExportView> {
      await authz.require(p, 'audit:export', orgResource(orgId));
      // Stored values past read-time masking (ADR 0010): their own permission; the export's audit event says so.
      if (body.unmasked) await authz.require(p, 'audit:read-unmasked', orgResource(orgId));
      const checkpoint = body.treeSize === undefined ? await store.latestCheckpoint(db, orgId) : await store.findCheckpoint(db, orgId, body.treeSize);
      if (!checkpoint) {
        if (body.treeSize !== undefined) throw problems.notFound('audit checkpoint', `of tree size ${body.treeSize}`);
        throw problems.conflict('not-sealed', 'No audit event of this organization is sealed yet; export again after the first checkpoint.');
      }
      const toSeq = Number(checkpoint.tree_size);
      const filters = compactFilters(body.filters);
      if (filters.from && filters.to && new Date(filters.from) >= new Date(filters.to)) {
        throw problems.validation([{ field: 'body.filters.to', message: 'must be after from' }]);
      }
      const masker = await maskerOf(orgId, body.unmasked);
      const spec: ExportSpec = { orgId, format: body.format, filters, fromSeq: await rangeOf(orgId, body, filters, toSeq), toSeq, masker };
      const sha = createHash('sha256');
      let bytes = 0;
      let events = 0;
      let maskedEvents = 0;
      for await (const chunk of exportChunks(db, spec)) {
        const buffer = Buffer.from(chunk.text, 'utf8');
        sha.update(buffer);
        bytes += buffer.length;
        events += chunk.events;
        maskedEvents += chunk.masked;
      }
      const id = newId('auditExport');
      const createdAt = clock.now();
      const key = await activeSigningKey(deps);
      const manifest = signManifest(
        {
          version: 'hexaplane.audit.export/v1',
          exportId: id,
          orgId,
          format: spec.format,
          filters,
          complete: Object.keys(filters).length === 0,
          masked: masker !== null && !masker.empty,
          maskedEvents,
          range: { fromSeq: spec.fromSeq, toSeq },
          eventCount: events,
          file: { name: `events.${spec.format}`, sha256: sha.digest('hex'), bytes },
          checkpoint: exportCheckpoint(checkpoint),
          createdAt: createdAt.toISOString(),
          createdBy: p.id,
          keyId: key.keyId,
        },
        key.privateKeyPem,
      );
      await db.transaction().execute(async (tx) => {
        await exportStore.insertExport(tx, {
          id, orgId, format: spec.format, filters, complete: manifest.complete, fromSeq: spec.fromSeq, toSeq, eventCount: events,
          sha256: manifest.file.sha256, bytes, manifest, createdBy: p.id, createdAt,
        });
        await recordAudit(tx, p, {
          action: 'audit:export',
          orgId,
          target: { type: 'audit-export', id, name: manifest.file.name },
          after: {
            format: spec.format, filters, complete: manifest.complete, unmasked: body.unmasked, maskedEvents,
            fromSeq: spec.fromSeq, toSeq, eventCount: events, sha256: manifest.file.sha256,
          },
        });
      });
      const row = await exportStore.findExport(db, orgId, id);
      return exportView(row!);
    },

    async listExports(p: Principal, orgId: string, query: PageQuery): Promise<Page<AuditExportView>> {
      await authz.require(p, 'audit:export', orgResource(orgId));
      const page = toPage(await exportStore.listExports(db, orgId, decodeCursor(query.cursor), query.limit), query.limit);
      return { items: page.items.map(exportView), nextCursor: page.nextCursor };
    },

    async getExport(p: Principal, orgId: string, exportId: string): Promise<AuditExportView> {
      return exportView(await loadExport(p, orgId, exportId));
    },

    /** The file again, regenerated from the sealed events; its SHA-256 matches the manifest while they are retained. */
    async exportFile(p: Principal, orgId: string, exportId: string): Promise<{ name: string; contentType: string; body: Readable }> {
      const row = await loadExport(p, orgId, exportId);
      if (!row.manifest.masked) await revealUnmasked(p, orgId, exportId);
      const spec = await specOf(row);
      const chunks = exportChunks(db, spec);
      const body = Readable.from((async function* () {
        for await (const chunk of chunks) yield Buffer.from(chunk.text, 'utf8');
      })());
      return { name: `events.${spec.format}`, contentType: spec.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson', body };
    },

    /** What an offline verifier needs besides the file: the tree left of the range, the range's sealed leaves, the keys. */
    async exportProof(p: Principal, orgId: string, exportId: string): Promise<ExportProofView> {
      const row = await loadExport(p, orgId, exportId);
      const fromSeq = Number(row.from_seq);
      const toSeq = Number(row.to_seq);
      const prefixIds = frontierIds(fromSeq - 1);
      const [nodes, leaves, purged, keys] = await Promise.all([
        store.findNodes(db, orgId, prefixIds),
        exportStore.leafHashRange(db, orgId, fromSeq, toSeq),
        exportStore.purgedInRange(db, orgId, fromSeq, toSeq),
        store.listSigningKeys(db, null, 1000),
      ]);
      return {
        prefix: {
          size: fromSeq - 1,
          nodes: prefixIds.map((n) => ({ level: n.level, hash: nodes.get(`${n.level}:${n.index}`)!.toString('base64') })),
        },
        leafHashes: leaves.map((h) => h.toString('base64')),
        purged,
        checkpoint: row.manifest.checkpoint,
        publicKeys: keys.map((k) => ({ keyId: k.key_id, publicKey: k.public_key })),
      };
    },
  };
}
