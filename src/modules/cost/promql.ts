/**
 * Usage from Prometheus: the PromQL each hour is collected with, and how range-query results
 * become hourly samples. Pure (the HTTP exchange is the service's).
 *
 * A point evaluated at time t describes the hour [t − 1h, t): range functions over `[1h]` see
 * exactly that hour's samples, so collecting hour H queries the point at H + 1h.
 */
import type { HourlySample } from './allocate.ts';

export const HOUR_MS = 3_600_000;

const byPod = 'sum by (namespace, pod)';
export const usageQueries = {
  cpuUsage: `${byPod} (rate(container_cpu_usage_seconds_total{container!="",container!="POD",pod!=""}[1h]))`,
  memoryUsage: `${byPod} (avg_over_time(container_memory_working_set_bytes{container!="",container!="POD",pod!=""}[1h]))`,
  cpuRequest: `${byPod} (avg_over_time(kube_pod_container_resource_requests{resource="cpu"}[1h]))`,
  memoryRequest: `${byPod} (avg_over_time(kube_pod_container_resource_requests{resource="memory"}[1h]))`,
  gpuRequest: `${byPod} (avg_over_time(kube_pod_container_resource_requests{resource=~"nvidia_com_gpu|nvidia.com/gpu|amd_com_gpu|amd.com/gpu"}[1h]))`,
  egress: `${byPod} (increase(container_network_transmit_bytes_total{pod!=""}[1h]))`,
  // A volume is billed on the larger of what its claim requests and what the kubelet reports.
  pvcRequest: 'max by (namespace, persistentvolumeclaim) (avg_over_time(kube_persistentvolumeclaim_resource_requests_storage_bytes[1h]))',
  pvcCapacity: 'max by (namespace, persistentvolumeclaim) (avg_over_time(kubelet_volume_stats_capacity_bytes[1h]))',
  capacityCpu: 'sum(avg_over_time(kube_node_status_capacity{resource="cpu"}[1h]))',
  capacityMemory: 'sum(avg_over_time(kube_node_status_capacity{resource="memory"}[1h]))',
  capacityGpu: 'sum(avg_over_time(kube_node_status_capacity{resource=~"nvidia_com_gpu|nvidia.com/gpu"}[1h]))',
} as const;
// kube_pod_labels itself, one series per pod with label_<key> labels: simplest to read as is.
export const labelsQuery = 'max_over_time(kube_pod_labels[1h])';

export type QueryName = keyof typeof usageQueries;

export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** Validates a query_range answer and returns its series; throws with Prometheus' own error. */
export function matrixOf(body: string): MatrixSeries[] {
  let parsed: { status?: string; error?: string; data?: { resultType?: string; result?: MatrixSeries[] } };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('Prometheus answered with something other than JSON');
  }
  if (parsed.status !== 'success') throw new Error(`Prometheus refused the query: ${parsed.error ?? 'no error given'}`);
  if (parsed.data?.resultType !== 'matrix' || !Array.isArray(parsed.data.result)) throw new Error('Prometheus did not answer with a matrix');
  return parsed.data.result;
}

/** One pod's hourly samples as collected; keys are hour starts (ms). */
export interface PodSeries {
  namespace: string;
  pod: string;
  hours: Map<number, HourlySample>;
}

const emptySample = (): HourlySample => ({ cpuRequestMcores: 0, cpuUsageMcores: 0, memoryRequestMib: 0, memoryUsageMib: 0, storageMib: 0, gpuMilli: 0, egressMib: 0 });

const MIB = 1024 * 1024;
// Quantities are quantised to whole base units (1 millicore, 1 MiB) per hour: what a pod-hour costs
// below that is less than a micro-unit at any real price.
const converters: Partial<Record<QueryName, [keyof HourlySample, (v: number) => number]>> = {
  cpuUsage: ['cpuUsageMcores', (v) => Math.round(v * 1000)],
  memoryUsage: ['memoryUsageMib', (v) => Math.round(v / MIB)],
  cpuRequest: ['cpuRequestMcores', (v) => Math.round(v * 1000)],
  memoryRequest: ['memoryRequestMib', (v) => Math.round(v / MIB)],
  gpuRequest: ['gpuMilli', (v) => Math.round(v * 1000)],
  egress: ['egressMib', (v) => Math.round(v / MIB)],
};

/** Folds the per-pod query results into hourly samples per pod; PVCs become `pvc/<claim>`. */
export function podSeriesOf(results: Partial<Record<QueryName, MatrixSeries[]>>): Map<string, PodSeries> {
  const pods = new Map<string, PodSeries>();
  const sampleOf = (namespace: string, pod: string, hour: number) => {
    const key = `${namespace}\u0000${pod}`;
    let p = pods.get(key);
    if (!p) pods.set(key, (p = { namespace, pod, hours: new Map() }));
    let s = p.hours.get(hour);
    if (!s) p.hours.set(hour, (s = emptySample()));
    return s;
  };
  for (const [name, [field, convert]] of Object.entries(converters) as Array<[QueryName, [keyof HourlySample, (v: number) => number]]>) {
    for (const series of results[name] ?? []) {
      const { namespace, pod } = series.metric;
      if (!namespace || !pod) continue;
      for (const [t, v] of series.values) {
        const value = Number(v);
        if (!Number.isFinite(value) || value <= 0) continue;
        sampleOf(namespace, pod, t * 1000 - HOUR_MS)[field] = convert(value);
      }
    }
  }
  for (const name of ['pvcRequest', 'pvcCapacity'] as const) {
    for (const series of results[name] ?? []) {
      const { namespace, persistentvolumeclaim: claim } = series.metric;
      if (!namespace || !claim) continue;
      for (const [t, v] of series.values) {
        const mib = Math.round(Number(v) / MIB);
        if (!(mib > 0)) continue;
        const s = sampleOf(namespace, `pvc/${claim}`, t * 1000 - HOUR_MS);
        s.storageMib = Math.max(s.storageMib, mib);
      }
    }
  }
  return pods;
}

/** Pod labels from kube_pod_labels (`label_team` → `team`; the exporter sanitised the keys). */
export function podLabelsOf(series: readonly MatrixSeries[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const s of series) {
    const { namespace, pod } = s.metric;
    if (!namespace || !pod) continue;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.metric)) if (k.startsWith('label_') && v !== '') labels[k.slice(6)] = v;
    out.set(`${namespace}\u0000${pod}`, labels);
  }
  return out;
}

/** Cluster capacity per hour start: millicores, MiB, milli-GPUs. */
export function capacityOf(cpu: readonly MatrixSeries[], memory: readonly MatrixSeries[], gpu: readonly MatrixSeries[]): Map<number, { cpuMcores: number; memoryMib: number; gpuMilli: number }> {
  const out = new Map<number, { cpuMcores: number; memoryMib: number; gpuMilli: number }>();
  const put = (series: readonly MatrixSeries[], field: 'cpuMcores' | 'memoryMib' | 'gpuMilli', convert: (v: number) => number) => {
    for (const s of series) {
      for (const [t, v] of s.values) {
        const hour = t * 1000 - HOUR_MS;
        const c = out.get(hour) ?? { cpuMcores: 0, memoryMib: 0, gpuMilli: 0 };
        c[field] = convert(Number(v));
        out.set(hour, c);
      }
    }
  };
  put(cpu, 'cpuMcores', (v) => Math.round(v * 1000));
  put(memory, 'memoryMib', (v) => Math.round(v / MIB));
  put(gpu, 'gpuMilli', (v) => Math.round(v * 1000));
  return out;
}

/** Whole-hour chunks of at most `hours` hours covering [from, to). */
export function hourChunks(from: number, to: number, hours = 24): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = from; a < to; a += hours * HOUR_MS) out.push([a, Math.min(to, a + hours * HOUR_MS)]);
  return out;
}
