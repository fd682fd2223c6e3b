import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendLeaves,
  consistencyProof,
  emptyFrontier,
  foldLeaves,
  EMPTY_TREE_HASH,
  frontierRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rangeHash,
  sha256,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type NodeLookup,
} from './merkle.ts';

/** RFC 6962 §2.1's MTH, written out recursively as the reference. */
function naiveRoot(leaves: Hash[]): Hash {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

/** RFC 6962 PATH, recursively, over leaf hashes. */
function naivePath(m: number, leaves: Hash[]): Hash[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), naiveRoot(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), naiveRoot(leaves.slice(0, k))];
}

/** A tree held in memory the way the store holds it: only completed perfect nodes. */
function buildTree(count: number) {
  const leaves = Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
  const { frontier, completed } = appendLeaves(emptyFrontier(), leaves);
  const nodes = new Map(completed.map((n) => [`${n.level}:${n.index}`, n.hash]));
  const lookup: NodeLookup = ({ level, index }) => {
    const hash = nodes.get(`${level}:${index}`);
    if (!hash) throw new Error(`node ${level}:${index} was never stored`);
    return hash;
  };
  return { leaves, frontier, lookup, root: (n: number) => rangeHash({ start: 0, end: n }, lookup) };
}

const flipByte = (h: Hash, at: number): Hash => {
  const copy = Buffer.from(h);
  copy[at % copy.length]! ^= 0x01;
  return copy;
};

describe('hashing', () => {
  it('matches RFC 6962 known values', () => {
    expect(EMPTY_TREE_HASH.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // The leaf hash of the empty string, as in the CT test vectors.
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    // RFC 6962's reference test tree of 8 leaves (certificate-transparency merkle_tree_test).
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const leaves = inputs.map((hex) => leafHash(Buffer.from(hex, 'hex')));
    expect(naiveRoot(leaves).toString('hex')).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    expect(naiveRoot(leaves.slice(0, 3)).toString('hex')).toBe('aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77');
  });

  it('computes the same root incrementally, from stored nodes and naively', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 40 }), (count, chunk) => {
        const { leaves, frontier, root } = buildTree(count);
        expect(frontierRoot(frontier).equals(naiveRoot(leaves))).toBe(true);
        expect(root(count).equals(naiveRoot(leaves))).toBe(true);
        // Appending in chunks gives the same tree as appending at once.
        let f = emptyFrontier();
        for (let i = 0; i < count; i += chunk) f = appendLeaves(f, leaves.slice(i, i + chunk)).frontier;
        expect(frontierRoot(f).equals(naiveRoot(leaves))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('inclusion proofs', () => {
  it('generates the RFC 6962 PATH and every proof verifies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: n, max: 260 }))),
        ([n, m, stored]) => {
          const tree = buildTree(stored);
          const proof = inclusionProof(m, n, tree.lookup);
          expect(proof.map((h) => h.toString('hex'))).toEqual(naivePath(m, tree.leaves.slice(0, n)).map((h) => h.toString('hex')));
          expect(verifyInclusion(tree.leaves[m]!, m, n, proof, tree.root(n))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fails for a flipped byte, a wrong index, a wrong size or a shortened proof', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 150 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.nat(), fc.nat())),
        ([n, m, pick, byte]) => {
          const tree = buildTree(n + 60);
          const root = tree.root(n);
          const leaf = tree.leaves[m]!;
          const proof = inclusionProof(m, n, tree.lookup);
          const at = pick % proof.length;
          const flipped = proof.map((h, i) => (i === at ? flipByte(h, byte) : h));
          expect(verifyInclusion(leaf, m, n, flipped, root)).toBe(false);
          expect(verifyInclusion(flipByte(leaf, byte), m, n, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, m, n, proof, flipByte(root, byte))).toBe(false);
          const other = (m + 1 + (pick % (n - 1))) % n;
          expect(verifyInclusion(leaf, other, n, proof, root)).toBe(false);
          // A size binds its root (a checkpoint signs both): another size with its own root fails.
          const size = n + 1 + (pick % 50);
          expect(verifyInclusion(leaf, m, size, proof, tree.root(size))).toBe(false);
          expect(verifyInclusion(leaf, m, n - 1, proof, tree.root(n - 1))).toBe(false);
          expect(verifyInclusion(leaf, m, n, proof.slice(0, -1), root)).toBe(false);
          expect(verifyInclusion(leaf, m, n, [...proof, proof[0]!], root)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses indices outside the tree', () => {
    const tree = buildTree(4);
    expect(verifyInclusion(tree.leaves[0]!, 4, 4, [], tree.root(4))).toBe(false);
    expect(verifyInclusion(tree.leaves[0]!, -1, 4, [], tree.root(4))).toBe(false);
    expect(verifyInclusion(tree.leaves[0]!, 0, 1, [], tree.leaves[0]!)).toBe(true);
  });
});

describe('consistency proofs', () => {
  it('every proof between two sizes verifies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        ([m, n]) => {
          const tree = buildTree(n);
          const proof = consistencyProof(m, n, tree.lookup);
          expect(verifyConsistency(m, n, proof, tree.root(m), tree.root(n))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fails for a flipped byte, wrong sizes or a tree that does not extend the first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 150 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n), fc.nat(), fc.nat())),
        ([m, n, pick, byte]) => {
          const tree = buildTree(n + 1);
          const root1 = tree.root(m);
          const root2 = tree.root(n);
          const proof = consistencyProof(m, n, tree.lookup);
          const at = pick % proof.length;
          expect(verifyConsistency(m, n, proof.map((h, i) => (i === at ? flipByte(h, byte) : h)), root1, root2)).toBe(false);
          expect(verifyConsistency(m, n, proof, flipByte(root1, byte), root2)).toBe(false);
          expect(verifyConsistency(m, n, proof, root1, flipByte(root2, byte))).toBe(false);
          expect(verifyConsistency(m, n + 1, proof, root1, tree.root(n + 1))).toBe(false);
          if (m > 1) expect(verifyConsistency(m - 1, n, proof, tree.root(m - 1), root2)).toBe(false);
          expect(verifyConsistency(m, n, proof.slice(1), root1, root2)).toBe(false);
          // A forked history: the same size, one earlier leaf rewritten.
          const forked = [...tree.leaves];
          forked[pick % m] = leafHash(Buffer.from('rewritten'));
          expect(verifyConsistency(m, n, proof, naiveRoot(forked.slice(0, m)), root2)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('treats equal sizes as an empty proof of equal roots', () => {
    const tree = buildTree(5);
    expect(consistencyProof(5, 5, tree.lookup)).toEqual([]);
    expect(verifyConsistency(5, 5, [], tree.root(5), tree.root(5))).toBe(true);
    expect(verifyConsistency(5, 5, [], tree.root(5), tree.root(4))).toBe(false);
  });
});

describe('foldLeaves', () => {
  it('reaches the same frontier as appendLeaves, from any starting frontier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }), (before, added) => {
        const leaves = Array.from({ length: before + added }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
        const start = appendLeaves(emptyFrontier(), leaves.slice(0, before)).frontier;
        expect(foldLeaves(start, leaves.slice(before))).toEqual(appendLeaves(start, leaves.slice(before)).frontier);
      }),
    );
  });
});
