import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
const port = 18180;
const prof = process.argv[3] === 'prof' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
const child = spawn(process.execPath, [...prof, 'bin/hexaplane.mjs', 'serve'], { env: { ...process.env, HEXAPLANE_PORT: String(port), HEXAPLANE_HOST: '127.0.0.1', HEXAPLANE_DATA_DIR: '/tmp/hx-prof', HEXAPLANE_EMBEDDED_PG_PORT: String(port+1), HEXAPLANE_ADMIN_PASSWORD: 'bench operator passphrase 1', HEXAPLANE_LOG_LEVEL: 'warn', HEXAPLANE_RATE_LIMIT_PER_MINUTE: '100000000', HEXAPLANE_DB_POOL_SIZE: process.env.POOL ?? '10' }, stdio: ['ignore', 'ignore', 'inherit'] });
const url = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(url + '/readyz')).ok) break; } catch {} await new Promise(r => setTimeout(r, 300)); }
const s = await fetch(url + '/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@hexaplane.local', password: 'bench operator passphrase 1' }) });
const cookie = s.headers.get('set-cookie').split(';')[0]; const { csrfToken } = await s.json();
const h = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
const org = await (await fetch(url + '/api/v1/orgs', { method: 'POST', headers: h, body: JSON.stringify({ name: 'P', slug: 'p' + Date.now() }) })).json();
const ws = await (await fetch(url + `/api/v1/orgs/${org.id}/workspaces`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'W', slug: 'w' + Date.now() }) })).json();
const key = (await (await fetch(url + `/api/v1/orgs/${org.id}/api-keys`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'k', roleId: 'org-admin', rateLimitPerMinute: 1000000 }) })).json()).secret;
const mode = process.argv[2];
let n = 0;
const opts = mode === 'write'
  ? { url: url + `/api/v1/orgs/${org.id}/projects`, method: 'POST', requests: [{ setupRequest: (r) => ({ ...r, body: JSON.stringify({ workspaceId: ws.id, name: 'p', slug: `p-${Date.now()}-${n++}` }) }) }] }
  : { url: mode === 'healthz' ? url + '/healthz' : url + `/api/v1/orgs/${org.id}/workspaces` };
const r = await autocannon({ ...opts, connections: 64, duration: 8, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
console.log(mode, 'rps', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx);
child.kill('SIGINT'); await new Promise(r => child.once('exit', r));
