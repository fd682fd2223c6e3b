/** When and from where an API key was last used. */
export interface KeyUse {
  keyId: string;
  at: Date;
  ip: string | null;
}

/**
 * Collects API key last-use times in memory and hands them over in batches, so a busy key
 * costs one database write every few seconds instead of one per request. Only the latest use
 * of each key in a batch matters; a failed write puts its batch back unless newer uses came.
 */
export class KeyUsageBatch {
  private pending = new Map<string, KeyUse>();

  record(keyId: string, at: Date, ip: string | null): void {
    const known = this.pending.get(keyId);
    if (!known || known.at.getTime() <= at.getTime()) this.pending.set(keyId, { keyId, at, ip });
  }

  /** The last use not yet written, if any (so reads can show it before the flush). */
  peek(keyId: string): KeyUse | undefined {
    return this.pending.get(keyId);
  }

  take(): KeyUse[] {
    if (this.pending.size === 0) return [];
    const batch = [...this.pending.values()];
    this.pending = new Map();
    return batch;
  }

  putBack(batch: KeyUse[]): void {
    for (const use of batch) this.record(use.keyId, use.at, use.ip);
  }
}
