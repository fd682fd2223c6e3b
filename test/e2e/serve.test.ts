import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/kernel/config.ts';
import { serve, type Server } from '../../src/main.ts';
import { createTestDatabase } from '../support/app.ts';

const PASSWORD = 'serve test passphrase 42';
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-serve-'));
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Server> {
  const config = loadConfig({}, {
    databaseUrl: database.url,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    bootstrapAdminPassword: PASSWORD,
    rateLimitPerMinute: 100_000,
    // Enough connections for every request of the shutdown test to wait inside its transaction.
    databasePoolSize: 30,
  });
  return serve(config);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function session(url: string) {
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@hexaplane.local', password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { 'content-type': 'application/json', cookie: res.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': csrfToken };
}

describe('hexaplane serve', () => {
  it('serves health, readiness, metrics, the OpenAPI document and the API reference', async () => {
    const server = await start();
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('hexaplane_http_request_duration_seconds');
      const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: object };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
      expect((await fetch(`${server.url}/docs`, { redirect: 'follow' })).status).toBe(200);
      // The console (built by `npm test` before the suite) is public; client routes fall back to it.
      for (const page of ['/', '/workspaces', '/accept-invitation?token=x']) {
        const res = await fetch(`${server.url}${page}`);
        expect(res.status, `${page} (is the console built? npm run build:console)`).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/html');
        expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      }
      const missing = await fetch(`${server.url}/api/v1/nothing-here`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await server.close();
    }
  });

  it('finishes in-flight requests and their transactions when it shuts down, and keeps data across a restart', async () => {
    let server = await start();
    const headers = await session(server.url);
    const org = (await (await fetch(`${server.url}/api/v1/orgs`, { method: 'POST', headers, body: JSON.stringify({ name: 'Acme', slug: 'acme' }) })).json()) as { id: string };

    // Hold the organization row so every workspace creation blocks inside its transaction
    // (the foreign-key check waits for the row lock): the requests are provably in flight.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM organizations WHERE id = $1 FOR UPDATE', [org.id]);
    const requests = Array.from({ length: 20 }, (_, i) =>
      fetch(`${server.url}/api/v1/orgs/${org.id}/workspaces`, { method: 'POST', headers, body: JSON.stringify({ name: `W${i}`, slug: `w-${i}` }) }).then((r) => r.status),
    );
    // A separate connection: inside a transaction pg_stat_activity is a frozen snapshot.
    const observer = new pg.Client({ connectionString: database.url });
    await observer.connect();
    await waitFor(async () => {
      const waiting = await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      return waiting.rows[0].n >= 20;
    });
    await observer.end();
    const closed = server.close();
    await new Promise((r) => setTimeout(r, 300));
    await blocker.query('COMMIT');
    await blocker.end();
    const statuses = await Promise.all(requests);
    await closed;
    expect(statuses).toEqual(Array(20).fill(201));

    server = await start();
    try {
      const again = await session(server.url);
      const listed = (await (await fetch(`${server.url}/api/v1/orgs/${org.id}/workspaces?limit=200`, { headers: again })).json()) as { items: unknown[] };
      expect(listed.items).toHaveLength(20);
      const audit = (await (await fetch(`${server.url}/api/v1/orgs/${org.id}/audit-events?action=workspace:create&limit=200`, { headers: again })).json()) as { items: unknown[] };
      expect(audit.items).toHaveLength(20);
    } finally {
      await server.close();
    }
  });
});
