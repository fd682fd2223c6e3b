/**
 * SCIM provisioning at scale (issue 3): an identity provider's first sync of `users` users and
 * `groups` groups over HTTP against a real server process on a fresh embedded PostgreSQL, the
 * way Okta does it (POST each user, POST each group, PATCH members in), with `concurrency`
 * requests in flight. The baseline, in the same run and at the same concurrency, is
 * GET /scim/v2/ServiceProviderConfig: the same authentication and HTTP path with no database work.
 */
import { freePort, percentile } from './_database.ts';
import { startBenchServer } from './_server.ts';

export interface ScimProvisioningOptions {
  users: number;
  groups: number;
  /** Members added to each group (round-robin over the users), in PATCHes of `membersPerPatch`. */
  membersPerGroup?: number;
  membersPerPatch?: number;
  concurrency?: number;
  baselineRequests?: number;
}

interface Phase {
  requests: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  failures: number;
}

const SCIM_JSON = 'application/scim+json';
const round = (n: number) => Number(n.toFixed(2));

/** Sends `count` requests built by `make`, `concurrency` at a time; returns each one's latency. */
async function drive(count: number, concurrency: number, make: (i: number) => Promise<Response>): Promise<Phase & { results: unknown[] }> {
  const latencies: number[] = [];
  const results: unknown[] = new Array(count);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const t0 = performance.now();
      const res = await make(i);
      const body = res.status === 204 ? null : await res.json();
      latencies.push(performance.now() - t0);
      if (!res.ok) {
        failures += 1;
        if (failures <= 3) process.stderr.write(`request ${i}: ${res.status} ${JSON.stringify(body)}\n`);
      }
      results[i] = body;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    seconds: round(seconds),
    perSecond: round(count / seconds),
    latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
    failures,
    results,
  };
}

export async function measureScimProvisioning(options: ScimProvisioningOptions) {
  const { users, groups } = options;
  const membersPerGroup = options.membersPerGroup ?? 20;
  const membersPerPatch = options.membersPerPatch ?? 10;
  const concurrency = options.concurrency ?? 8;
  const server = await startBenchServer(await freePort());
  try {
    const signIn = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const session = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
    const post = async (path: string, body: unknown) => (await fetch(`${server.url}${path}`, { method: 'POST', headers: session, body: JSON.stringify(body) })).json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const org = await post('/api/v1/orgs', { name: 'SCIM Bench', slug: 'scim-bench' });
    const created = await post(`/api/v1/orgs/${org.id}/scim-tokens`, { name: 'bench IdP' });
    const headers = { authorization: `Bearer ${created.token}`, 'content-type': SCIM_JSON, accept: SCIM_JSON };
    const scim = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}/scim/v2${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

    const baseline = await drive(options.baselineRequests ?? 2000, concurrency, () => scim('GET', '/ServiceProviderConfig'));
    const started = performance.now();
    const userPhase = await drive(users, concurrency, (i) =>
      scim('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        userName: `user${i}@bench.example`,
        externalId: `00u${i}`,
        name: { givenName: 'User', familyName: String(i) },
        emails: [{ value: `user${i}@bench.example`, type: 'work', primary: true }],
        active: true,
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: `dept-${i % 40}`, costCenter: `cc-${i % 97}` },
      }),
    );
    const userIds = userPhase.results.map((r) => (r as { id: string }).id);
    const groupPhase = await drive(groups, concurrency, (i) => scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `group-${i}`, externalId: `00g${i}` }));
    const groupIds = groupPhase.results.map((r) => (r as { id: string }).id);
    const patchesPerGroup = Math.ceil(membersPerGroup / membersPerPatch);
    const memberPhase = await drive(groups * patchesPerGroup, concurrency, (n) => {
      const g = Math.floor(n / patchesPerGroup);
      const part = n % patchesPerGroup;
      const value = Array.from({ length: membersPerPatch }, (_, k) => ({ value: userIds[(g * membersPerGroup + part * membersPerPatch + k) % userIds.length]! }));
      return scim('PATCH', `/Groups/${groupIds[g]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value }] });
    });
    const totalSeconds = (performance.now() - started) / 1000;
    const strip = ({ results: _results, ...phase }: Phase & { results: unknown[] }) => phase;
    const requests = userPhase.requests + groupPhase.requests + memberPhase.requests;
    return {
      users,
      groups,
      memberships: groups * membersPerGroup,
      concurrency,
      totalSeconds: round(totalSeconds),
      requests,
      requestsPerSecond: round(requests / totalSeconds),
      createUser: strip(userPhase),
      createGroup: strip(groupPhase),
      addMembers: { ...strip(memberPhase), membersPerPatch },
      baselineServiceProviderConfig: strip(baseline),
      createUserP50OverBaseline: round(userPhase.latencyMs.p50 / baseline.latencyMs.p50),
    };
  } finally {
    await server.stop();
  }
}
