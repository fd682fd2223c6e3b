import { openSecret, sealSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { Kernel } from '../../kernel/index.ts';
import { appendLeaves, EMPTY_TREE_HASH, frontierIds, frontierRoot, type Frontier } from './merkle.ts';
import { eventLeafHash, generateSigningKey, signCheckpoint } from './sealing.ts';
import * as store from './store.ts';

/**
 * The sealer: per organization, gives queued audit events their seq (1, 2, 3… in id order),
 * appends their leaves to the org's Merkle tree and signs a checkpoint, one transaction per
 * batch under a per-org advisory lock, so replicas can all run it.
 */

type SealerDeps = Pick<Kernel, 'db' | 'keys' | 'clock' | 'log' | 'changes'>;

/** Published (pg_notify, on commit) with the org id after each sealed batch: stream readers wake on it. */
export const SEALED_TOPIC = 'audit.sealed';

export const DEFAULT_SEAL_BATCH = 10_000;

interface ActiveKey {
  keyId: string;
  privateKeyPem: string;
}

// Opened private keys by key id: a key never changes, so opening it once per process is enough.
const openedKeys = new Map<string, string>();

async function openKey(deps: SealerDeps, row: store.SigningKeyRow): Promise<ActiveKey> {
  let pem = openedKeys.get(row.key_id);
  if (pem === undefined) {
    pem = await openSecret(deps.keys, row.private_key_sealed, row.key_id);
    openedKeys.set(row.key_id, pem);
  }
  return { keyId: row.key_id, privateKeyPem: pem };
}

async function createKey(deps: SealerDeps): Promise<void> {
  const keyId = newId('auditSigningKey');
  const pair = generateSigningKey();
  // The key id is the AAD: a sealed private key moved to another row does not open.
  const sealed = await sealSecret(deps.keys, pair.privateKeyPem, keyId);
  await store.insertSigningKey(deps.db, { keyId, publicKey: pair.publicKeyPem, sealed, createdAt: deps.clock.now() });
}

/** The key that signs now, created on first use (a concurrent creator wins or loses cleanly). */
export async function activeSigningKey(deps: SealerDeps): Promise<ActiveKey> {
  let row = await store.activeSigningKey(deps.db);
  if (!row) {
    await createKey(deps);
    row = await store.activeSigningKey(deps.db);
    if (!row) throw new Error('no active audit signing key after creating one');
  }
  return openKey(deps, row);
}

/** Retires the signing key and makes a new one; the old public key stays published. */
export async function rotateSigningKey(deps: SealerDeps): Promise<string> {
  const keyId = newId('auditSigningKey');
  const pair = generateSigningKey();
  const sealed = await sealSecret(deps.keys, pair.privateKeyPem, keyId);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const current = await store.activeSigningKey(tx);
    if (current) await store.retireSigningKey(tx, current.key_id, now);
    if (!(await store.insertSigningKey(tx, { keyId, publicKey: pair.publicKeyPem, sealed, createdAt: now }))) {
      throw new Error('another signing key became active during the rotation');
    }
  });
  return keyId;
}

export async function loadFrontier(tx: Queryable, orgId: string, size: number): Promise<Frontier> {
  const ids = frontierIds(size);
  const found = await store.findNodes(tx, orgId, ids);
  const nodes = ids.map((id) => {
    const hash = found.get(`${id.level}:${id.index}`);
    if (!hash) throw new Error(`audit tree of ${orgId} lacks node ${id.level}:${id.index}`);
    return { level: id.level, hash };
  });
  return { size, nodes };
}

/**
 * Seals up to `batchSize` of one organization's unsealed events. Returns how many it sealed;
 * 0 when there were none or another replica holds the org's lock.
 */
export async function sealOrgBatch(deps: SealerDeps, orgId: string, batchSize = DEFAULT_SEAL_BATCH): Promise<number> {
  const key = await activeSigningKey(deps);
  return deps.db.transaction().execute(async (tx) => {
    if (!(await store.tryLockOrgForSealing(tx, orgId))) return 0;
    const tree = await store.lockTree(tx, orgId, EMPTY_TREE_HASH);
    const events = await store.unsealedEvents(tx, orgId, batchSize);
    if (events.length === 0) return 0;
    const frontier = await loadFrontier(tx, orgId, tree.size);
    const { frontier: next, completed } = appendLeaves(frontier, events.map(eventLeafHash));
    const root = frontierRoot(next);
    const assigned = await store.assignSeq(tx, orgId, events.map((e) => e.id), tree.size + 1);
    if (assigned !== events.length) throw new Error(`sealing ${orgId}: ${assigned} of ${events.length} events took a seq`);
    await store.insertNodes(tx, orgId, completed);
    const signedAt = deps.clock.now();
    await store.saveTree(tx, orgId, next.size, root, signedAt);
    await store.insertCheckpoint(tx, signCheckpoint({ orgId, treeSize: next.size, rootHash: root, signedAt, keyId: key.keyId }, key.privateKeyPem));
    await deps.changes.publish(tx, SEALED_TOPIC, orgId);
    return events.length;
  });
}

/**
 * One pass over every organization with unsealed events, one batch each (so a large backlog
 * does not starve the others); returns how many events it sealed. One org failing is logged
 * and does not stop the others.
 */
export async function sealPending(deps: SealerDeps, batchSize = DEFAULT_SEAL_BATCH): Promise<number> {
  let total = 0;
  for (const orgId of await store.orgsWithUnsealedEvents(deps.db, 1000)) {
    try {
      total += await sealOrgBatch(deps, orgId, batchSize);
    } catch (error) {
      deps.log.error({ err: error, orgId }, 'sealing an organization failed');
    }
  }
  return total;
}

export interface Sealer {
  start(): void;
  stop(): Promise<void>;
}

/** The interval worker the server runs: seals a batch per organization every `intervalMs`, without pause while behind. */
export function createSealer(deps: SealerDeps, options: { intervalMs: number; batchSize?: number }): Sealer {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      const started = Date.now();
      running = sealPending(deps, options.batchSize)
        .catch((error: unknown) => {
          deps.log.error({ err: error }, 'audit sealing failed');
          return 0;
        })
        // Straight on only while there is a backlog (a full batch); otherwise wait, so that under
        // steady load each checkpoint covers an interval's worth of events, not a handful. The
        // interval runs from the start of a pass: a pass that took longer starts the next at once
        // (events queued meanwhile), which keeps the SIEM lag bounded by it (ADR 0007).
        .then((sealed) => schedule(sealed >= (options.batchSize ?? DEFAULT_SEAL_BATCH) ? 0 : Math.max(0, options.intervalMs - (Date.now() - started))));
    }, delay);
    timer.unref();
  };
  return {
    start() {
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
