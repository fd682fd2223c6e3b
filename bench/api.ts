/**
 * API throughput: autocannon for 10 s at 64 connections against
 *   (baseline) a bare route in the same server (`/healthz`: no auth, no database),
 *   (read)     listing workspaces with an API key,
 *   (write)    creating a project (authorized, audited, one transaction).
 * Prints requests/s and latency percentiles, and each one's ratio to the baseline.
 */
import autocannon from 'autocannon';
import { startBenchServer } from './_server.ts';

interface Measured {
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  non2xx: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

/** autocannon reports no p95, so every response time is kept and the percentiles computed here. */
function measure(options: autocannon.Options): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const instance = autocannon(options, (error, result) => {
      if (error) return reject(error);
      times.sort((a, b) => a - b);
      resolve({
        requestsPerSecond: Math.round(result.requests.average),
        latencyMs: { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) },
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(url: string, init: RequestInit & { headers?: Record<string, string> }): Promise<{ body: any; res: Response }> {
  const res = await fetch(url, init);
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return { body, res };
}

export async function run(args: string[]) {
  const seconds = Number(args[0] ?? 10);
  const connections = 64;
  const server = await startBenchServer(18080);
  try {
    const signIn = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const session = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
    const org = (await json(`${server.url}/api/v1/orgs`, { method: 'POST', headers: session, body: JSON.stringify({ name: 'Bench Corp', slug: 'bench' }) })).body;
    for (const name of ['Finance-BU', 'Healthcare-Analytics', 'Retail-Apps']) {
      await json(`${server.url}/api/v1/orgs/${org.id}/workspaces`, {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ name, slug: name.toLowerCase() }),
      });
    }
    const workspaces = (await json(`${server.url}/api/v1/orgs/${org.id}/workspaces`, { headers: session })).body.items;
    const key = (
      await json(`${server.url}/api/v1/orgs/${org.id}/api-keys`, {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ name: 'bench', roleId: 'org-admin', rateLimitPerMinute: 1_000_000 }),
      })
    ).body.secret as string;
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const base = { connections, duration: seconds };
    const at = (route: string) => `${server.url}${route}`;
    // Warm up caches and JIT before measuring.
    await measure({ ...base, duration: 2, url: at(`/api/v1/orgs/${org.id}/workspaces`), headers: auth });

    const baseline = await measure({ ...base, url: at('/healthz') });
    const read = await measure({ ...base, url: at(`/api/v1/orgs/${org.id}/workspaces`), headers: auth });
    let n = 0;
    const write = await measure({
      ...base,
      method: 'POST',
      url: at(`/api/v1/orgs/${org.id}/projects`),
      headers: auth,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ workspaceId: workspaces[n % 3].id, name: `Project ${n}`, slug: `p-${n++}` }),
          }),
        },
      ],
    });
    const ratio = (m: Measured) => Number((m.requestsPerSecond / baseline.requestsPerSecond).toFixed(3));
    return {
      benchmark: 'api',
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      durationSeconds: seconds,
      connections,
      baseline: { route: 'GET /healthz', ...baseline },
      read: { route: 'GET /api/v1/orgs/{orgId}/workspaces (API key)', ...read, ratioToBaseline: ratio(read) },
      write: { route: 'POST /api/v1/orgs/{orgId}/projects (API key, audited)', ...write, ratioToBaseline: ratio(write) },
      targets: {
        read: { requestsPerSecond: 8000, p99Ms: 25, met: read.requestsPerSecond >= 8000 && read.latencyMs.p99 <= 25 },
        write: { requestsPerSecond: 1500, p99Ms: 50, met: write.requestsPerSecond >= 1500 && write.latencyMs.p99 <= 50 },
        slaFloor: { requestsPerSecond: 1000, p95Ms: 500, p99Ms: 1000 },
      },
    };
  } finally {
    await server.stop();
  }
}
