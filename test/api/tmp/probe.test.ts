import { it } from 'vitest';
import { createWorld } from '../../support/world.ts';
import { call } from '../../support/http.ts';
it('probe', async () => {
  const w = await createWorld();
  const url = `/api/v1/orgs/${w.orgA.id}/groups`;
  for (const [ct, body] of [
    ['application/json', '{"__proto__": {"isAdmin": true}, "name": "x"}'],
    ['application/json', '{"constructor": {"prototype": {"isAdmin": true}}, "name": "x"}'],
    ['application/json', JSON.stringify({ name: 'x'.repeat(1_200_000) })],
    ['application/json; charset=latin1', '{"name":"x"}'],
    ['application/json', '{"name":"x","name":"y"}'],
    ['application/json', '\uFEFF{"name":"bom"}'],
  ] as const) {
    const res = await call(w.t.app, w.admin, 'POST', url, { body, headers: { 'content-type': ct } });
    console.log(ct, body.slice(0, 40), '->', res.statusCode, res.headers['content-type'], res.body.slice(0, 300));
  }
  const r2 = await call(w.t.app, w.admin, 'GET', `/api/v1/orgs/${w.orgA.id}/workspaces`, { query: { limit: ['1', '2'] as never } });
  console.log('array query', r2.statusCode, r2.body.slice(0, 300));
  const r3 = await call(w.t.app, w.admin, 'GET', `/api/v1/orgs/${w.orgA.id}/workspaces/${'w'.repeat(250)}`);
  console.log('long param', r3.statusCode, r3.body.slice(0, 300));
  const r4 = await call(w.t.app, w.admin, 'GET', `/api/v1/orgs/${w.orgA.id}/workspaces/%E0%A4%A`);
  console.log('bad encoding', r4.statusCode, r4.body.slice(0, 300));
  await w.t.close();
}, 60000);
