import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendLeaves, emptyFrontier, frontierRoot } from './merkle.ts';
import {
  canonicalJson,
  eventLeafHash,
  generateSigningKey,
  leafData,
  signCheckpoint,
  verifyCheckpointSignature,
  verifyEventsAgainstCheckpoint,
  type SealedEventRow,
} from './sealing.ts';

function event(i: number): SealedEventRow {
  return {
    id: `evt_${String(i).padStart(26, '0')}`, org_id: 'org_a', workspace_id: null, occurred_at: `2026-11-23T10:00:00.${String(i).padStart(6, '0')}Z`,
    actor_kind: 'user', actor_id: 'usr_1', actor_name: 'Ada', actor_ip: '192.0.2.1', actor_user_agent: null, session_id: null, api_key_id: null,
    action: 'workspace:update', target_type: 'workspace', target_id: `ws_${i}`, target_name: null, outcome: 'success', reason: null,
    request_id: null, before: { b: 1, a: [2, { d: 1, c: 'x' }] }, after: null, seq: i + 1,
  };
}

const key = generateSigningKey();

function sealed(events: SealedEventRow[]) {
  const leaves = events.map(eventLeafHash);
  const root = frontierRoot(appendLeaves(emptyFrontier(), leaves).frontier);
  const checkpoint = signCheckpoint({ orgId: 'org_a', treeSize: events.length, rootHash: root, signedAt: new Date('2026-11-23T10:05:00Z'), keyId: 'ask_1' }, key.privateKeyPem);
  return { leaves, checkpoint };
}

describe('canonical leaf data', () => {
  it('does not depend on key order, keeps array order, has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'é' } })).toBe('{"a":{"c":"é","d":[3,1]},"b":1}');
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reversed = JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
          v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('covers every column but seq', () => {
    const e = event(1);
    expect(leafData({ ...e, seq: 99 } as SealedEventRow)).toBe(leafData(e));
    expect(JSON.parse(leafData(e))).not.toHaveProperty('seq');
    for (const column of Object.keys(e).filter((k) => k !== 'seq')) {
      const changed = { ...e, [column]: column === 'before' ? { b: 2 } : 'changed' } as SealedEventRow;
      expect(eventLeafHash(changed).equals(eventLeafHash(e)), column).toBe(false);
    }
  });
});

describe('checkpoints', () => {
  it('verify with the public key and fail when any signed field changes', () => {
    const { checkpoint } = sealed([event(0), event(1)]);
    expect(verifyCheckpointSignature(checkpoint, key.publicKeyPem)).toBe(true);
    expect(verifyCheckpointSignature({ ...checkpoint, treeSize: 3 }, key.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, orgId: 'org_b' }, key.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, keyId: 'ask_2' }, key.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, signedAt: new Date('2026-11-23T10:05:01Z') }, key.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, rootHash: Buffer.alloc(32) }, key.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature(checkpoint, generateSigningKey().publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature(checkpoint, 'not a key')).toBe(false);
  });
});

describe('verifyEventsAgainstCheckpoint', () => {
  const events = Array.from({ length: 12 }, (_, i) => event(i));
  const { leaves, checkpoint } = sealed(events);

  it('accepts the sealed events, in any order, ignoring later and unsealed ones', () => {
    const extra = [{ ...event(12), seq: 13 }, { ...event(13), seq: null }];
    expect(verifyEventsAgainstCheckpoint([...events].reverse().concat(extra), checkpoint, key.publicKeyPem, leaves)).toEqual({ ok: true, verified: 12 });
    expect(verifyEventsAgainstCheckpoint(events, checkpoint, key.publicKeyPem)).toEqual({ ok: true, verified: 12 });
  });

  it('names the first changed event, and the first of two swapped ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 }), (a, b) => {
        const changed = events.map((e, i) => (i === a || i === b ? { ...e, reason: 'edited' } : e));
        expect(verifyEventsAgainstCheckpoint(changed, checkpoint, key.publicKeyPem, leaves)).toMatchObject({
          ok: false, reason: 'event-changed', eventId: events[Math.min(a, b)]!.id,
        });
        if (a !== b) {
          const swapped = events.map((e, i) => (i === a ? { ...e, seq: b + 1 } : i === b ? { ...e, seq: a + 1 } : e));
          expect(verifyEventsAgainstCheckpoint(swapped, checkpoint, key.publicKeyPem, leaves)).toMatchObject({ ok: false, reason: 'event-changed', seq: Math.min(a, b) + 1 });
        }
      }),
    );
  });

  it('reports missing, duplicated and foreign events, and leaves that do not match the root', () => {
    expect(verifyEventsAgainstCheckpoint(events.slice(0, 11), checkpoint, key.publicKeyPem, leaves)).toMatchObject({ ok: false, reason: 'missing-event', seq: 12 });
    expect(verifyEventsAgainstCheckpoint([...events, { ...event(20), seq: 4 }], checkpoint, key.publicKeyPem, leaves)).toMatchObject({ ok: false, reason: 'duplicate-seq' });
    expect(verifyEventsAgainstCheckpoint(events.map((e, i) => (i === 3 ? { ...e, org_id: 'org_b' } : e)), checkpoint, key.publicKeyPem, leaves)).toMatchObject({ ok: false, reason: 'wrong-org', seq: 4 });
    // Forged stored leaves are not trusted: the change is still caught, against the signed root.
    const changed = events.map((e, i) => (i === 6 ? { ...e, actor_name: 'Mallory' } : e));
    const forgedLeaves = changed.map(eventLeafHash);
    expect(verifyEventsAgainstCheckpoint(changed, checkpoint, key.publicKeyPem, forgedLeaves)).toMatchObject({ ok: false, reason: 'root-mismatch' });
  });
});
