import { describe, expect, it } from 'vitest';
import { KeyUsageBatch } from './key-usage.ts';

describe('KeyUsageBatch', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it('keeps only the latest use of each key', () => {
    const batch = new KeyUsageBatch();
    batch.record('key_a', t(1), '10.0.0.1');
    batch.record('key_a', t(3), '10.0.0.3');
    batch.record('key_a', t(2), '10.0.0.2');
    batch.record('key_b', t(1), null);
    expect(batch.peek('key_a')).toEqual({ keyId: 'key_a', at: t(3), ip: '10.0.0.3' });
    expect(batch.take()).toHaveLength(2);
    expect(batch.take()).toEqual([]);
  });

  it('puts a failed batch back without overwriting newer uses', () => {
    const batch = new KeyUsageBatch();
    batch.record('key_a', t(1), 'old');
    const failed = batch.take();
    batch.record('key_a', t(5), 'new');
    batch.putBack(failed);
    expect(batch.take()).toEqual([{ keyId: 'key_a', at: t(5), ip: 'new' }]);
  });
});
