/**
 * An in-memory cache with a size bound (least recently used entries go first), a time to
 * live, and invalidation that cannot be undone by a slow loader: a loader reads `epoch`
 * before it queries, and `set` ignores its result if anything was invalidated meanwhile.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; loadedAt: number }>();
  private invalidations = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get epoch(): number {
    return this.invalidations;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs - entry.loadedAt >= this.ttlMs || nowMs < entry.loadedAt) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-inserting moves the key to the back of the Map's order: the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, nowMs: number, epochAtLoad: number): void {
    if (epochAtLoad !== this.invalidations) return;
    this.entries.delete(key);
    this.entries.set(key, { value, loadedAt: nowMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.invalidations++;
    this.entries.delete(key);
  }

  clear(): void {
    this.invalidations++;
    this.entries.clear();
  }
}
