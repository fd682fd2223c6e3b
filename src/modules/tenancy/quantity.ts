/**
 * Kubernetes resource quantities, as used in quotas: CPU ("2", "500m", "1.5") and bytes
 * ("512Mi", "10Gi", "1T", "1000"). Pure functions, no I/O.
 */
const BINARY: Record<string, bigint> = {
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
  Ei: 1024n ** 6n,
};
const DECIMAL: Record<string, bigint> = {
  '': 1n,
  k: 1000n,
  M: 1000n ** 2n,
  G: 1000n ** 3n,
  T: 1000n ** 4n,
  P: 1000n ** 5n,
  E: 1000n ** 6n,
};

const QUANTITY = /^(\d+)(?:\.(\d{1,9}))?(m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** Parses a quantity into integer thousandths (milli-units); null when it is not one. */
export function parseMilli(text: string): bigint | null {
  const match = QUANTITY.exec(text.trim());
  if (!match) return null;
  const [, whole, fraction = '', suffix = ''] = match;
  const scale = 10n ** BigInt(fraction.length);
  const value = BigInt(whole!) * scale + (fraction ? BigInt(fraction) : 0n);
  if (suffix === 'm') return value % scale === 0n ? value / scale : null;
  const multiplier = BINARY[suffix] ?? DECIMAL[suffix]!;
  const milli = value * multiplier * 1000n;
  return milli % scale === 0n ? milli / scale : null;
}

/** CPU as millicores ("500m" -> 500, "2" -> 2000). */
export function parseCpuMillis(text: string): number | null {
  const milli = parseMilli(text);
  if (milli === null || milli > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(milli);
}

/** Bytes ("1Gi" -> 1073741824); fractional bytes are refused. */
export function parseBytes(text: string): number | null {
  const milli = parseMilli(text);
  if (milli === null || milli % 1000n !== 0n) return null;
  const bytes = milli / 1000n;
  return bytes > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(bytes);
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

export function formatBytes(bytes: number): string {
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = Number(BINARY[suffix]);
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

export interface Quota {
  cpuMillis: number | null;
  memoryBytes: number | null;
  storageBytes: number | null;
  pods: number | null;
}

export const quotaResources = ['cpuMillis', 'memoryBytes', 'storageBytes', 'pods'] as const;

/**
 * Project quotas must fit inside their workspace's: for each resource the workspace
 * limits, the projects' limits must sum to no more. A project without a limit of its own
 * shares what is left of the workspace's (the namespace quota still caps it).
 * Returns the first resource that does not fit, or null.
 */
export function quotaOverflow(
  workspace: Quota,
  projects: Quota[],
): { resource: (typeof quotaResources)[number]; limit: number; requested: number | null } | null {
  for (const resource of quotaResources) {
    const limit = workspace[resource];
    if (limit === null) continue;
    let sum = 0;
    for (const p of projects) {
      const v = p[resource];
      if (v === null) continue;
      sum += v;
    }
    if (sum > limit) return { resource, limit, requested: sum };
  }
  return null;
}

/** True when a quota limits nothing, so it cannot push its workspace over. */
export function isUnlimited(quota: Quota): boolean {
  return quotaResources.every((r) => quota[r] === null);
}
