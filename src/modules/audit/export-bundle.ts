import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { parse as parseCsvText } from 'csv-parse/sync';
import { foldLeaves, frontierRoot, type Frontier, type Hash } from './merkle.ts';
import { canonicalJson, eventLeafHash, verifyCheckpointSignature, type AuditLeafRow, type SignedCheckpoint } from './sealing.ts';

/**
 * An audit export as files anyone can check offline, and the checker. Pure: the CLI's
 * `audit verify` needs this file, sealing.ts, merkle.ts and node:crypto, nothing else.
 *
 *   manifest.json  what was exported, the file's SHA-256, the checkpoint it is tied to; Ed25519-signed
 *   events.jsonl   one sealed event per line: {"seq":n,"leafHash":"…","event":{…the row as sealed…}}
 *   events.csv     the same columns flattened (CSV exports)
 *   proof.json     the tree left of the range (its frontier), the sealed leaf hashes of the range,
 *                  what retention purged in it, the checkpoint, the public keys
 */

export const MANIFEST_HEADER = 'hexaplane.audit.export/v1';

export interface ExportCheckpoint {
  orgId: string;
  treeSize: number;
  rootHash: string;
  signedAt: string;
  keyId: string;
  signature: string;
}

export interface ExportManifest {
  version: typeof MANIFEST_HEADER;
  exportId: string;
  orgId: string;
  format: 'jsonl' | 'csv';
  /** The search filters applied; `complete` exports have none, so every seq of the range is present. */
  filters: Record<string, string>;
  complete: boolean;
  /**
   * Whether the organization's read-time PII rules were applied. A masked line's content no
   * longer hashes to its leaf: verify then checks its position only (export unmasked to check it).
   */
  masked: boolean;
  maskedEvents: number;
  range: { fromSeq: number; toSeq: number };
  eventCount: number;
  file: { name: string; sha256: string; bytes: number };
  checkpoint: ExportCheckpoint;
  createdAt: string;
  createdBy: string;
  keyId: string;
  /** Ed25519 over `manifestText` (base64). */
  signature: string;
}

export interface ExportProof {
  /** The perfect subtrees covering seq 1..fromSeq-1, left to right (the frontier of that prefix). */
  prefix: { size: number; nodes: { level: number; hash: string }[] };
  /** The sealed leaf hashes of seq fromSeq..toSeq, in order. */
  leafHashes: string[];
  /** Events of the range that retention removed, each recorded by a run. */
  purged: { seq: number; eventId: string; runId: string }[];
  checkpoint: ExportCheckpoint;
  publicKeys: { keyId: string; publicKey: string }[];
}

export interface ExportLine {
  seq: number;
  /** The sealed leaf hash of the stored event (also when the line's content is masked). */
  leafHash: string;
  masked?: boolean;
  event: AuditLeafRow;
}

/** The bytes a manifest signature covers: a header line, then the manifest without its signature as canonical JSON. */
export function manifestText(manifest: Omit<ExportManifest, 'signature'>): string {
  const { signature: _omit, ...unsigned } = manifest as ExportManifest;
  return `${MANIFEST_HEADER}\n${canonicalJson(unsigned)}`;
}

export function signManifest(manifest: Omit<ExportManifest, 'signature'>, privateKeyPem: string): ExportManifest {
  const signature = sign(null, Buffer.from(manifestText(manifest), 'utf8'), createPrivateKey(privateKeyPem)).toString('base64');
  return { ...manifest, signature };
}

/** One JSONL line; the event is embedded as canonical JSON, so the line is deterministic. */
export function exportLine(seq: number, leafHash: Hash, eventJson: string, masked: boolean): string {
  return `{"seq":${seq},"leafHash":"${leafHash.toString('base64')}",${masked ? '"masked":true,' : ''}"event":${eventJson}}\n`;
}

export const CSV_COLUMNS = [
  'seq', 'leaf_hash', 'masked', 'id', 'org_id', 'workspace_id', 'occurred_at', 'actor_kind', 'actor_id', 'actor_name', 'actor_ip',
  'actor_user_agent', 'session_id', 'api_key_id', 'action', 'target_type', 'target_id', 'target_name', 'outcome', 'reason',
  'request_id', 'before', 'after',
] as const;

export function signedCheckpointOfExport(c: ExportCheckpoint): SignedCheckpoint {
  return {
    orgId: c.orgId,
    treeSize: c.treeSize,
    rootHash: Buffer.from(c.rootHash, 'base64'),
    signedAt: new Date(c.signedAt),
    keyId: c.keyId,
    signature: Buffer.from(c.signature, 'base64'),
  };
}

// ---- verification ----

export type ExportProblem =
  | 'manifest-signature'
  | 'unknown-key'
  | 'file-hash'
  | 'checkpoint-signature'
  | 'checkpoint-mismatch'
  | 'root-mismatch'
  | 'malformed-line'
  | 'out-of-range'
  | 'wrong-org'
  | 'out-of-order'
  | 'event-changed'
  | 'missing-event'
  | 'count-mismatch';

export type ExportVerdict =
  | { ok: true; events: number; masked: number; purged: number; checkpoint: { treeSize: number; keyId: string }; manifestKeyId: string }
  | { ok: false; problem: ExportProblem; detail: string; seq: number | null; eventId: string | null; line: number | null };

class ExportFailure extends Error {
  constructor(
    readonly problem: ExportProblem,
    detail: string,
    readonly at: { seq?: number | null; eventId?: string | null; line?: number | null } = {},
  ) {
    super(detail);
  }
}

function keyPem(keys: ExportProof['publicKeys'], keyId: string): string {
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) throw new ExportFailure('unknown-key', `no trusted public key has id ${keyId}`);
  return key.publicKey;
}

function verifyManifest(manifest: ExportManifest, keys: ExportProof['publicKeys']): void {
  const ok = (() => {
    try {
      return verify(null, Buffer.from(manifestText(manifest), 'utf8'), createPublicKey(keyPem(keys, manifest.keyId)), Buffer.from(manifest.signature, 'base64'));
    } catch (error) {
      if (error instanceof ExportFailure) throw error;
      return false;
    }
  })();
  if (!ok) throw new ExportFailure('manifest-signature', 'the manifest signature does not verify: the manifest was changed or not signed by a trusted key');
}

/** The sealed leaf hashes of the range are authentic when, appended to the prefix, they give the signed root. */
function verifyLeafHashes(proof: ExportProof, manifest: ExportManifest): Hash[] {
  const { fromSeq, toSeq } = manifest.range;
  const checkpoint = signedCheckpointOfExport(manifest.checkpoint);
  if (!verifyCheckpointSignature(checkpoint, keyPem(proof.publicKeys, checkpoint.keyId))) {
    throw new ExportFailure('checkpoint-signature', `the checkpoint of tree size ${checkpoint.treeSize} is not signed by key ${checkpoint.keyId}`);
  }
  if (canonicalJson(proof.checkpoint) !== canonicalJson(manifest.checkpoint) || checkpoint.orgId !== manifest.orgId || toSeq !== checkpoint.treeSize) {
    throw new ExportFailure('checkpoint-mismatch', 'the proof, the manifest and the checkpoint do not name the same organization and tree');
  }
  if (proof.prefix.size !== fromSeq - 1 || proof.leafHashes.length !== toSeq - fromSeq + 1) {
    throw new ExportFailure('checkpoint-mismatch', `the proof covers ${proof.prefix.size} + ${proof.leafHashes.length} leaves, the range is ${fromSeq}..${toSeq}`);
  }
  const leaves = proof.leafHashes.map((h) => Buffer.from(h, 'base64'));
  const prefix: Frontier = { size: proof.prefix.size, nodes: proof.prefix.nodes.map((n) => ({ level: n.level, hash: Buffer.from(n.hash, 'base64') })) };
  const root = frontierRoot(foldLeaves(prefix, leaves));
  if (!root.equals(checkpoint.rootHash)) {
    throw new ExportFailure('root-mismatch', `the sealed leaf hashes of ${fromSeq}..${toSeq} do not rebuild the signed root of tree size ${toSeq}: the tree itself was altered`);
  }
  return leaves;
}

function parseJsonl(text: string): ExportLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    try {
      const parsed = JSON.parse(line) as ExportLine;
      if (!Number.isSafeInteger(parsed.seq) || typeof parsed.leafHash !== 'string' || !parsed.event || typeof parsed.event !== 'object') throw new Error('shape');
      return parsed;
    } catch {
      throw new ExportFailure('malformed-line', `line ${i + 1} is not an export line`, { line: i + 1 });
    }
  });
}

/** CSV cells are text: an unquoted empty cell is NULL, a quoted one the empty string; before/after hold JSON. */
function parseCsv(text: string): ExportLine[] {
  let records: Record<string, string | null>[];
  try {
    records = parseCsvText(text, {
      columns: true,
      cast: (value, context) => (context.quoting || value !== '' ? value : null),
    }) as Record<string, string | null>[];
  } catch (error) {
    throw new ExportFailure('malformed-line', `the CSV file does not parse: ${(error as Error).message}`);
  }
  return records.map((record, i) => {
    const { seq, leaf_hash: leafHash, masked, before, after, ...columns } = record;
    try {
      const event = { ...columns, before: before == null ? null : JSON.parse(before), after: after == null ? null : JSON.parse(after) } as AuditLeafRow;
      return { seq: Number(seq), leafHash: leafHash ?? '', masked: masked === 'true', event };
    } catch {
      throw new ExportFailure('malformed-line', `row ${i + 1} has a before/after cell that is not JSON`, { line: i + 2 });
    }
  });
}

/** The seq ranges each retention run's sealed `retention:purge` event says it removed, by run id. */
function purgeRecordsIn(lines: ExportLine[]): Map<string, { fromSeq: number; toSeq: number }[]> {
  const records = new Map<string, { fromSeq: number; toSeq: number }[]>();
  for (const { event } of lines) {
    if (event.action !== 'retention:purge' || event.outcome !== 'success') continue;
    const after = event.after as { runId?: unknown; ranges?: unknown } | null;
    if (typeof after?.runId === 'string' && Array.isArray(after.ranges)) records.set(after.runId, after.ranges as { fromSeq: number; toSeq: number }[]);
  }
  return records;
}

/**
 * A seq with no event is accounted for only when proof.json lists it as purged by a run AND that
 * run's sealed `retention:purge` event, in this export, names it: a row removed by hand has neither.
 */
function accountForMissing(seq: number, purged: Map<number, ExportProof['purged'][number]>, records: ReturnType<typeof purgeRecordsIn>, line: number | null): void {
  const entry = purged.get(seq);
  if (!entry) throw new ExportFailure('missing-event', `seq ${seq} is sealed but no event carries it, and no retention run purged it`, { seq, line });
  const covered = (records.get(entry.runId) ?? []).some((r) => seq >= r.fromSeq && seq <= r.toSeq);
  if (!covered) {
    throw new ExportFailure('missing-event', `seq ${seq} is listed as purged by ${entry.runId}, but no sealed retention:purge event of that run in this export names it`, { seq, eventId: entry.eventId, line });
  }
}

/** Walks the events in seq order against the authenticated leaves; names the first that does not verify. */
function verifyEvents(lines: ExportLine[], manifest: ExportManifest, proof: ExportProof, leaves: Hash[]): { events: number; masked: number } {
  const { fromSeq, toSeq } = manifest.range;
  const purged = new Map(proof.purged.map((p) => [p.seq, p]));
  const records = purgeRecordsIn(lines);
  // A CSV file's first line is its header.
  const lineOffset = manifest.format === 'csv' ? 2 : 1;
  let expected = fromSeq;
  let count = 0;
  let maskedCount = 0;
  for (const [i, { seq, event, masked, leafHash }] of lines.entries()) {
    const lineNo = i + lineOffset;
    const at = { seq, eventId: typeof event.id === 'string' ? event.id : null, line: lineNo };
    if (!Number.isSafeInteger(seq) || seq < fromSeq || seq > toSeq) throw new ExportFailure('out-of-range', `seq ${seq} is outside the exported range ${fromSeq}..${toSeq}`, at);
    if (seq < expected) throw new ExportFailure('out-of-order', `seq ${seq} comes after seq ${expected - 1}: lines are reordered or repeated`, at);
    if (manifest.complete) for (let s = expected; s < seq; s++) accountForMissing(s, purged, records, lineNo);
    if (event.org_id !== manifest.orgId) throw new ExportFailure('wrong-org', `event ${at.eventId} belongs to ${String(event.org_id)}`, at);
    const sealed = leaves[seq - fromSeq]!;
    if (masked) {
      // Masked content cannot hash to its leaf; the line still names the sealed leaf of its position.
      if (!manifest.masked || Buffer.from(leafHash, 'base64').compare(sealed) !== 0) {
        throw new ExportFailure('event-changed', `masked event ${at.eventId} (seq ${seq}) does not name the leaf sealed at that position`, at);
      }
      maskedCount += 1;
    } else if (!eventLeafHash(event).equals(sealed)) {
      throw new ExportFailure('event-changed', `event ${at.eventId} (seq ${seq}) differs from what was sealed at that position`, at);
    }
    expected = seq + 1;
    count += 1;
  }
  if (manifest.complete) for (let s = expected; s <= toSeq; s++) accountForMissing(s, purged, records, null);
  if (count !== manifest.eventCount) throw new ExportFailure('count-mismatch', `the manifest lists ${manifest.eventCount} events, the file has ${count}`);
  return { events: count, masked: maskedCount };
}

/**
 * Checks an export offline: the manifest's signature, the file against the manifest, the
 * checkpoint's signature, the sealed leaves against the checkpoint's root, then every event
 * against its leaf (and, for complete exports, that no seq is missing unless purged).
 * `trustedKeys` overrides the keys shipped in proof.json (pin keys obtained elsewhere).
 */
export function verifyExportBundle(input: {
  manifest: ExportManifest;
  file: Buffer;
  proof: ExportProof;
  trustedKeys?: ExportProof['publicKeys'];
}): ExportVerdict {
  const { manifest, file } = input;
  const proof = input.trustedKeys ? { ...input.proof, publicKeys: input.trustedKeys } : input.proof;
  try {
    verifyManifest(manifest, proof.publicKeys);
    const sha256 = createHash('sha256').update(file).digest('hex');
    if (sha256 !== manifest.file.sha256 || file.length !== manifest.file.bytes) {
      throw new ExportFailure('file-hash', `${manifest.file.name} is not the exported file: SHA-256 ${sha256}, the manifest says ${manifest.file.sha256}`);
    }
    const leaves = verifyLeafHashes(proof, manifest);
    const text = file.toString('utf8');
    const { events, masked } = verifyEvents(manifest.format === 'csv' ? parseCsv(text) : parseJsonl(text), manifest, proof, leaves);
    return {
      ok: true,
      events,
      masked,
      purged: proof.purged.length,
      checkpoint: { treeSize: manifest.checkpoint.treeSize, keyId: manifest.checkpoint.keyId },
      manifestKeyId: manifest.keyId,
    };
  } catch (error) {
    if (!(error instanceof ExportFailure)) throw error;
    return { ok: false, problem: error.problem, detail: error.message, seq: error.at.seq ?? null, eventId: error.at.eventId ?? null, line: error.at.line ?? null };
  }
}
