import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchServer {
  url: string;
  /** The server's data directory (its KEK and embedded PostgreSQL live there). */
  dataDir: string;
  /** The embedded PostgreSQL over loopback TCP, for benchmarks that prepare data directly. */
  databaseUrl: string;
  adminEmail: string;
  adminPassword: string;
  stop(): Promise<void>;
}

/**
 * Starts a real Hexaplane server in its own process (so the load generator does not share
 * its event loop), on a fresh embedded PostgreSQL or on DATABASE_URL.
 */
export async function startBenchServer(port: number, env: Record<string, string> = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-bench-'));
  const adminPassword = 'bench operator passphrase 1';
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'bin/hexaplane.mjs'), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      HEXAPLANE_PORT: String(port),
      HEXAPLANE_HOST: '127.0.0.1',
      HEXAPLANE_DATA_DIR: dataDir,
      HEXAPLANE_EMBEDDED_PG_PORT: String(port + 1),
      HEXAPLANE_ADMIN_PASSWORD: adminPassword,
      HEXAPLANE_LOG_LEVEL: 'warn',
      HEXAPLANE_RATE_LIMIT_PER_MINUTE: '100000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('bench server did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  const databaseUrl =
    env.DATABASE_URL ??
    process.env.DATABASE_URL ??
    `postgres://hexaplane:${encodeURIComponent(readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim())}@127.0.0.1:${port + 1}/hexaplane`;
  return {
    url,
    dataDir,
    databaseUrl,
    adminEmail: 'admin@hexaplane.local',
    adminPassword,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
