import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { emptyFrontier, foldLeaves, frontierRoot, leafHashOfText, type Hash } from './merkle.ts';
import type { AuditOutcome } from '../../kernel/audit.ts';

/**
 * What is sealed, and how a checkpoint is signed. Pure: an offline verifier needs this file,
 * merkle.ts and node:crypto, nothing else.
 */

/** An audit_events row as sealed: every column but `seq`, occurred_at as an ISO string (µs, UTC). */
export type AuditLeafRow = {
  id: string;
  org_id: string;
  workspace_id: string | null;
  occurred_at: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  session_id: string | null;
  api_key_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  outcome: AuditOutcome;
  reason: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
};

export type SealedEventRow = AuditLeafRow & { seq: number | null };

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth and no whitespace: the
 * RFC 8785 (JCS) form for the values audit rows hold (strings, safe numbers, booleans, null).
 * jsonb reorders keys on storage, so only a canonical form gives the same bytes on every read.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot seal a ${typeof value}`);
    return text;
  }
  // Plain loops and string concatenation: every sealed and every verified event goes through here.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Payloads are mostly stored with sorted keys already: checking is cheaper than sorting.
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${quotedKey(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

// Payload keys repeat from event to event; their JSON text is kept (bounded, never evicted).
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 10_000 && key.length <= 64) quotedKeys.set(key, quoted);
  }
  return quoted;
}

const LEAF_COLUMNS: (keyof AuditLeafRow)[] = [
  'id', 'org_id', 'workspace_id', 'occurred_at', 'actor_kind', 'actor_id', 'actor_name', 'actor_ip', 'actor_user_agent',
  'session_id', 'api_key_id', 'action', 'target_type', 'target_id', 'target_name', 'outcome', 'reason', 'request_id',
  'before', 'after',
];

// The sealer hashes every event: the top level's key order and key text are fixed, so computed once.
const SORTED_COLUMNS = [...LEAF_COLUMNS].sort();
const COLUMN_PREFIXES = SORTED_COLUMNS.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);

/** The bytes a leaf commits to: the canonical JSON of the row's columns (seq excluded). */
export function leafData(row: AuditLeafRow): string {
  let out = '';
  for (let i = 0; i < SORTED_COLUMNS.length; i++) out += COLUMN_PREFIXES[i]! + canonicalJson(row[SORTED_COLUMNS[i]!] ?? null);
  return `${out}}`;
}

export function eventLeafHash(row: AuditLeafRow): Hash {
  return leafHashOfText(leafData(row));
}

// ---- checkpoints ----

export interface Checkpoint {
  orgId: string;
  treeSize: number;
  rootHash: Hash;
  signedAt: Date;
  keyId: string;
}

export interface SignedCheckpoint extends Checkpoint {
  signature: Buffer;
}

const CHECKPOINT_HEADER = 'hexaplane.audit.checkpoint/v1';

/** The exact text an Ed25519 signature covers: one `name value` line per field. */
export function checkpointText(c: Checkpoint): string {
  return [
    CHECKPOINT_HEADER,
    `org ${c.orgId}`,
    `size ${c.treeSize}`,
    `root ${c.rootHash.toString('base64')}`,
    `time ${c.signedAt.toISOString()}`,
    `key ${c.keyId}`,
    '',
  ].join('\n');
}

export interface SigningKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateSigningKey(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function signCheckpoint(c: Checkpoint, privateKeyPem: string): SignedCheckpoint {
  const signature = sign(null, Buffer.from(checkpointText(c), 'utf8'), createPrivateKey(privateKeyPem));
  return { ...c, signature };
}

export function verifyCheckpointSignature(c: SignedCheckpoint, publicKeyPem: string): boolean {
  try {
    return verify(null, Buffer.from(checkpointText(c), 'utf8'), createPublicKey(publicKeyPem), c.signature);
  } catch {
    return false;
  }
}

// ---- re-verification of stored events ----

export type EventsVerdict =
  | { ok: true; verified: number }
  | {
      ok: false;
      reason: 'bad-signature' | 'wrong-org' | 'missing-event' | 'duplicate-seq' | 'event-changed' | 'root-mismatch';
      /** The first event that does not verify, when one can be named. */
      eventId: string | null;
      seq: number | null;
      detail: string;
    };

const failure = (
  reason: Extract<EventsVerdict, { ok: false }>['reason'],
  detail: string,
  eventId: string | null = null,
  seq: number | null = null,
): EventsVerdict => ({ ok: false, reason, detail, eventId, seq });

/**
 * Checks that `events` are exactly the checkpoint's leaves 1..treeSize, unchanged. Events
 * beyond the checkpoint, or not yet sealed, are ignored. With `sealedLeaves` (the leaf hashes
 * the sealer stored, themselves checked against the signed root) a changed event is named;
 * without them a change is still detected, as a root mismatch.
 */
export function verifyEventsAgainstCheckpoint(
  events: SealedEventRow[],
  checkpoint: SignedCheckpoint,
  publicKeyPem: string,
  sealedLeaves?: Hash[],
): EventsVerdict {
  if (!verifyCheckpointSignature(checkpoint, publicKeyPem)) return failure('bad-signature', 'the checkpoint signature does not verify');
  const covered = events
    .filter((e) => e.seq !== null && e.seq <= checkpoint.treeSize)
    .sort((a, b) => a.seq! - b.seq!);
  const leaves: Hash[] = [];
  for (const [i, event] of covered.entries()) {
    if (event.org_id !== checkpoint.orgId) return failure('wrong-org', `event ${event.id} belongs to ${event.org_id}`, event.id, event.seq);
    const expected = i + 1;
    if (event.seq! < expected) return failure('duplicate-seq', `two events carry seq ${event.seq}`, event.id, event.seq);
    if (event.seq! > expected) return failure('missing-event', `no event carries seq ${expected}`, null, expected);
    leaves.push(eventLeafHash(event));
  }
  if (leaves.length < checkpoint.treeSize) {
    return failure('missing-event', `the checkpoint covers ${checkpoint.treeSize} events, ${leaves.length} were given`, null, leaves.length + 1);
  }
  const root = (hashes: Hash[]) => frontierRoot(foldLeaves(emptyFrontier(), hashes));
  const trustedLeaves =
    sealedLeaves && sealedLeaves.length >= checkpoint.treeSize && root(sealedLeaves.slice(0, checkpoint.treeSize)).equals(checkpoint.rootHash)
      ? sealedLeaves
      : null;
  if (trustedLeaves) {
    const changed = covered.findIndex((_, i) => !leaves[i]!.equals(trustedLeaves[i]!));
    if (changed >= 0) return failure('event-changed', `event ${covered[changed]!.id} differs from what was sealed`, covered[changed]!.id, covered[changed]!.seq);
    return { ok: true, verified: leaves.length };
  }
  if (!root(leaves).equals(checkpoint.rootHash)) {
    return failure('root-mismatch', 'the events do not hash to the signed root: at least one was changed');
  }
  return { ok: true, verified: leaves.length };
}
