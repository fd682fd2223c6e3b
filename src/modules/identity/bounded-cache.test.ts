import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.ts';

describe('BoundedCache', () => {
  it('evicts the least recently used entry beyond its bound', () => {
    const cache = new BoundedCache<number>(2, 60_000);
    cache.set('a', 1, 0, cache.epoch);
    cache.set('b', 2, 0, cache.epoch);
    expect(cache.get('a', 1)).toBe(1);
    cache.set('c', 3, 2, cache.epoch);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)).toBe(1);
    expect(cache.get('c', 3)).toBe(3);
  });

  it('forgets entries after their time to live', () => {
    const cache = new BoundedCache<number>(10, 1000);
    cache.set('a', 1, 0, cache.epoch);
    expect(cache.get('a', 999)).toBe(1);
    expect(cache.get('a', 1000)).toBeUndefined();
  });

  it('ignores a load that raced with an invalidation', () => {
    const cache = new BoundedCache<number>(10, 1000);
    const epoch = cache.epoch;
    cache.delete('a');
    cache.set('a', 1, 0, epoch);
    expect(cache.get('a', 0)).toBeUndefined();
    cache.set('a', 2, 0, cache.epoch);
    expect(cache.get('a', 0)).toBe(2);
  });
});
