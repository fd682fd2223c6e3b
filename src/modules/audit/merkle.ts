import { createHash, hash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 Merkle trees, pure. Hashes are 32-byte SHA-256 digests.
 *
 * Storage model (ADR 0006): every *perfect* subtree the tree has completed is a node
 * `(level, index)` covering leaves `[index * 2^level, (index + 1) * 2^level)`. Such a node
 * never changes once complete, so it can be stored once. Every range that RFC 6962's MTH,
 * PATH and PROOF hash is aligned, and splits into at most log2(n) such perfect nodes: a proof
 * needs O(log n) stored nodes and no rehashing of leaves.
 */

export type Hash = Buffer;

export interface NodeId {
  level: number;
  index: number;
}

/** A half-open leaf range [start, end) whose MTH a proof needs. */
export interface LeafRange {
  start: number;
  end: number;
}

export type NodeLookup = (node: NodeId) => Hash;

export function sha256(...parts: Uint8Array[]): Hash {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

// One-shot crypto.hash is 1.5-3x faster than a Hash object per call, and the sealer and the
// verifier hash every leaf and node; inputs are assembled into one buffer (or string) for it.
export function leafHash(data: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(data.length + 1);
  input[0] = 0x00;
  input.set(data, 1);
  return hash('sha256', input, 'buffer');
}

/** leafHash of a string's UTF-8 bytes: U+0000 encodes as the single byte 0x00, the leaf prefix. */
export function leafHashOfText(text: string): Hash {
  return hash('sha256', `\u0000${text}`, 'buffer');
}

// hash() copies its input, so one scratch buffer serves every call (JS is single-threaded here).
const nodeInput = Buffer.alloc(65, 0x01);

export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  if (left.length !== 32 || right.length !== 32) return sha256(Buffer.from([0x01]), left, right);
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hash('sha256', nodeInput, 'buffer');
}

/** MTH({}) = SHA-256() */
export const EMPTY_TREE_HASH: Hash = sha256();

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect nodes an aligned range splits into, left to right, largest first: the
 * decomposition MTH itself makes when it splits on the largest power of two.
 */
export function perfectNodes(range: LeafRange): NodeId[] {
  const nodes: NodeId[] = [];
  let start = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    let size = 1;
    while (size * 2 <= remaining) size *= 2;
    const level = Math.log2(size);
    if (start % size !== 0) throw new Error(`range [${range.start}, ${range.end}) is not aligned`);
    nodes.push({ level, index: start / size });
    start += size;
    remaining -= size;
  }
  return nodes;
}

/** MTH(D[start:end]) of an aligned range, from its stored perfect nodes. */
export function rangeHash(range: LeafRange, lookup: NodeLookup): Hash {
  if (range.end === range.start) return EMPTY_TREE_HASH;
  const hashes = perfectNodes(range).map(lookup);
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** RFC 6962 §2.1.1 PATH(m, D[0:n]) as the ranges whose hashes it lists, leaf to root. */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
  const out: LeafRange[] = [];
  const walk = (m: number, start: number, end: number) => {
    if (end - start <= 1) return;
    const k = splitPoint(end - start);
    if (m < k) {
      walk(m, start, start + k);
      out.push({ start: start + k, end });
    } else {
      walk(m - k, start + k, end);
      out.push({ start, end: start + k });
    }
  };
  walk(m, 0, n);
  return out;
}

/** RFC 6962 §2.1.2 PROOF(m, D[0:n]) as the ranges whose hashes it lists. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!(m >= 1 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  const out: LeafRange[] = [];
  const subproof = (m: number, start: number, end: number, b: boolean) => {
    const size = end - start;
    if (m === size) {
      if (!b) out.push({ start, end });
      return;
    }
    const k = splitPoint(size);
    if (m <= k) {
      subproof(m, start, start + k, b);
      out.push({ start: start + k, end });
    } else {
      subproof(m - k, start + k, end, false);
      out.push({ start, end: start + k });
    }
  };
  subproof(m, 0, n, true);
  return out;
}

/** Every stored node a set of ranges needs (deduplicated), for one batched read. */
export function nodesFor(ranges: LeafRange[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const r of ranges) for (const node of perfectNodes(r)) seen.set(`${node.level}:${node.index}`, node);
  return [...seen.values()];
}

export function inclusionProof(m: number, n: number, lookup: NodeLookup): Hash[] {
  return inclusionRanges(m, n).map((r) => rangeHash(r, lookup));
}

export function consistencyProof(m: number, n: number, lookup: NodeLookup): Hash[] {
  return consistencyRanges(m, n).map((r) => rangeHash(r, lookup));
}

/**
 * The right edge of a tree of `size` leaves: its perfect nodes left to right (the bits of
 * size). Appending needs only these, and the root is their right-to-left fold.
 */
export interface Frontier {
  size: number;
  nodes: { level: number; hash: Hash }[];
}

export const emptyFrontier = (): Frontier => ({ size: 0, nodes: [] });

export function frontierIds(size: number): NodeId[] {
  return perfectNodes({ start: 0, end: size });
}

export function frontierRoot(frontier: Frontier): Hash {
  const { nodes } = frontier;
  if (nodes.length === 0) return EMPTY_TREE_HASH;
  let acc = nodes[nodes.length - 1]!.hash;
  for (let i = nodes.length - 2; i >= 0; i--) acc = nodeHash(nodes[i]!.hash, acc);
  return acc;
}

export interface StoredNode extends NodeId {
  hash: Hash;
}

/**
 * Appends leaf hashes to a frontier: O(1) amortised hashing per leaf, O(log n) worst case.
 * Returns the new frontier and every perfect node completed on the way (leaves included),
 * which is all a store must persist.
 */
export function appendLeaves(frontier: Frontier, leafHashes: Hash[]): { frontier: Frontier; completed: StoredNode[] } {
  const nodes = frontier.nodes.map((n) => ({ ...n }));
  const completed: StoredNode[] = [];
  let size = frontier.size;
  for (const leaf of leafHashes) {
    completed.push({ level: 0, index: size, hash: leaf });
    let node = { level: 0, hash: leaf };
    size += 1;
    while (nodes.length > 0 && nodes[nodes.length - 1]!.level === node.level) {
      const left = nodes.pop()!;
      const level = node.level + 1;
      node = { level, hash: nodeHash(left.hash, node.hash) };
      completed.push({ level, index: Math.floor((size - 1) / 2 ** level), hash: node.hash });
    }
    nodes.push(node);
  }
  return { frontier: { size, nodes }, completed };
}

/** appendLeaves without recording completed nodes: what a verifier needs, and nothing it does not. */
export function foldLeaves(frontier: Frontier, leafHashes: Hash[]): Frontier {
  const nodes = frontier.nodes.map((n) => ({ ...n }));
  let size = frontier.size;
  for (const leaf of leafHashes) {
    let level = 0;
    let hash = leaf;
    size += 1;
    while (nodes.length > 0 && nodes[nodes.length - 1]!.level === level) {
      hash = nodeHash(nodes.pop()!.hash, hash);
      level += 1;
    }
    nodes.push({ level, hash });
  }
  return { size, nodes };
}

// ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ----

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** RFC 9162 §2.1.3.2: does `proof` show the leaf at `index` in the tree of `size` with `root`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Hash = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(r, root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (size2, root2) extends (size1, root1)? */
export function verifyConsistency(size1: number, size2: number, proof: Hash[], root1: Hash, root2: Hash): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 1 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && equalHashes(root1, root2);
  if (proof.length === 0) return false;
  // A power-of-two first tree is itself a node of the second: the proof omits it.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(fr, root1) && equalHashes(sr, root2);
}
