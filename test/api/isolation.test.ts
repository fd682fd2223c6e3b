import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../support/app.ts';
import { fixtures } from '../support/examples.ts';
import { ssoFixtures } from '../support/examples-sso.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { createWorld, PASSWORD, type World } from '../support/world.ts';
import { mfaIsolationChecks } from './mfa-checks.ts';
import { describe as describeOp, liveDocument, operationsOf, urlOf, type Operation } from './openapi.ts';
import { exampleFor, GENERATED_SUITE_TIMEOUT_MS, idsOfAIn, leakedSecrets, send, snippet } from './support.ts';

/**
 * Tenant isolation, generated from the live OpenAPI document: every operation, aimed at org
 * A's real resources, is refused to another tenant's owner (session), another tenant's API key,
 * and a member of A without any role, and no refusal carries A's ids or names. Routes outside
 * /api/v1/orgs/{orgId} each get an assertion of their own (below), so every route is covered.
 */

let world: World;
let operations: Operation[];
/** Operations also sent through B's own URL with A's ids in them. */
const throughB: string[] = [];

beforeAll(async () => {
  world = await createWorld();
  operations = operationsOf(liveDocument(world.t.app));
}, 180_000);

afterAll(async () => {
  await world?.t.close();
});

type Caller = { name: string; who: Credentials };

/**
 * Operations every member of an org may call without a role, each with the reason. They are
 * still refused to other tenants (the kernel's org gate), and what they return to a role-less
 * member must not be tenant data.
 */
// Routes a member with no role may still call, each with its reason. None today: even the
// action catalog needs role:read, so every tenant route passes authz.
const openToEveryMember: Record<string, string> = {};

function callers(w: World): Caller[] {
  return [
    { name: 'ownerB', who: w.ownerB },
    { name: 'keyB', who: w.keyB },
    { name: 'lowA', who: w.lowA },
  ];
}

function requestText(url: string, example: { query?: unknown; body?: unknown }): string {
  return `${url} ${JSON.stringify(example.query ?? {})} ${JSON.stringify(example.body ?? null)}`;
}

async function checkOrgScoped(op: Operation): Promise<string[]> {
  const example = await exampleFor(world, op);
  if (typeof example === 'string') return [example];
  const url = urlOf(op, example.params);
  const failures: string[] = [];
  // 1. A's URL: the kernel's org gate turns other tenants away; A's authorization, role-less members.
  for (const { name, who } of callers(world)) {
    const res = await send(world, who, op, example);
    const open = name === 'lowA' && op.operationId in openToEveryMember;
    if (open && res.statusCode !== example.successStatus) failures.push(`${describeOp(op)} as ${name} (open to members): expected ${example.successStatus}, got ${snippet(res)}`);
    if (!open && res.statusCode !== 403 && res.statusCode !== 404) failures.push(`${describeOp(op)} as ${name}: expected 403/404, got ${snippet(res)}`);
    const leaked = leakedSecrets(world, res, url);
    if (leaked.length) failures.push(`${describeOp(op)} as ${name}: the response names A's ${leaked.join(', ')}`);
  }
  // 2. B's own URL with A's ids in the path or body: past the gate, the module must scope every
  // lookup by org (the second wall). A list filtered by an id of A may answer 200, empty.
  const refs = idsOfAIn(world, example);
  if (refs.inPath.length || refs.inQuery.length || refs.inBody.length) {
    throughB.push(op.operationId);
    const inB = { ...example, params: { ...example.params, orgId: world.orgB.id } };
    const urlB = urlOf(op, inB.params);
    const mustRefuse = refs.inPath.length > 0 || (op.method !== 'GET' && refs.inBody.length > 0);
    for (const { name, who } of callers(world).slice(0, 2)) {
      const res = await send(world, who, op, inB);
      if (res.statusCode >= 500 || (mustRefuse && res.statusCode < 300)) {
        failures.push(`${describeOp(op)} as ${name} in B's URL naming A's ${[...refs.inPath, ...refs.inBody].join(', ')}: expected a refusal, got ${snippet(res)}`);
      }
      const leaked = leakedSecrets(world, res, requestText(urlB, inB));
      if (leaked.length) failures.push(`${describeOp(op)} as ${name} in B's URL: the response names A's ${leaked.join(', ')}`);
    }
  }
  // 3. The control: the same request is fine for A's admin, so the refusals were about the
  // caller, and nothing above consumed or changed A's resource.
  const control = await send(world, world.admin, op, example);
  if (control.statusCode !== example.successStatus) {
    failures.push(`${describeOp(op)}: the example itself fails for A's admin (expected ${example.successStatus}): ${snippet(control)}`);
  }
  return failures;
}

/** A check that collects failures instead of stopping at the first. */
class Checks {
  readonly failures: string[] = [];
  constructor(private readonly op: string) {}
  that(ok: boolean, message: string): void {
    if (!ok) this.failures.push(`${this.op}: ${message}`);
  }
  noLeak(res: { body: string; headers: Record<string, unknown> } & Parameters<typeof leakedSecrets>[1], who: string, url = ''): void {
    const leaked = leakedSecrets(world, res, url);
    this.that(leaked.length === 0, `the response to ${who} names A's ${leaked.join(', ')}`);
  }
}

async function meOf(who: Credentials) {
  return expectJson(world.t.app, who, 'GET', '/api/v1/me', 200);
}

/**
 * Routes outside /api/v1/orgs/{orgId}: what isolation means differs per route, so each has its
 * own assertion, keyed by operationId. An operation with none is reported as not covered.
 */
const outsideOrg: Record<string, (w: World, c: Checks) => Promise<void>> = {
  ...mfaIsolationChecks,
  /** Only platform administrators create organizations; the others learn nothing of A. */
  async createOrganization(w, c) {
    for (const { name, who } of callers(w)) {
      const res = await call(w.t.app, who, 'POST', '/api/v1/orgs', { body: { name: 'Intruder Org', slug: `intruder-${name.toLowerCase()}` } });
      c.that(res.statusCode === 403, `as ${name}: expected 403, got ${snippet(res)}`);
      c.noLeak(res, name);
    }
  },

  /** Listing your organizations lists yours only. */
  async listOrganizations(w, c) {
    for (const who of [w.ownerB, w.keyB] as Credentials[]) {
      const res = await call(w.t.app, who, 'GET', '/api/v1/orgs', { query: { limit: '200' } });
      c.that(res.statusCode === 200, `as ${who.kind}: expected 200, got ${snippet(res)}`);
      const ids = (res.json().items ?? []).map((o: { id: string }) => o.id);
      c.that(!ids.includes(w.orgA.id), `org A is listed to B's ${who.kind}`);
      c.that(ids.includes(w.orgB.id), `B's ${who.kind} does not see org B (the check would be vacuous)`);
      c.noLeak(res, `B's ${who.kind}`);
    }
    const low = await call(w.t.app, w.lowA, 'GET', '/api/v1/orgs');
    const lowIds = (low.json().items ?? []).map((o: { id: string }) => o.id);
    c.that(lowIds.includes(w.orgA.id) && !lowIds.includes(w.orgB.id), `lowA should list A and not B, got ${lowIds.join(', ')}`);
  },

  /** The accept token is the credential; no caller learns about A from a bad or foreign one. */
  async acceptInvitation(w, c) {
    const garbage = await call(w.t.app, w.ownerB, 'POST', '/api/v1/invitations/accept', { body: { token: 'x'.repeat(43), password: PASSWORD } });
    c.that(garbage.statusCode === 400, `an unknown token: expected 400, got ${snippet(garbage)}`);
    c.noLeak(garbage, 'ownerB');

    const revoked = await fixtures.invitation(w);
    await expectJson(w.t.app, w.admin, 'DELETE', `/api/v1/orgs/${w.orgA.id}/invitations/${revoked.id}`, 200);
    const revokedToken = new URL(revoked.acceptUrl).searchParams.get('token')!;
    const res = await call(w.t.app, w.ownerB, 'POST', '/api/v1/invitations/accept', { body: { token: revokedToken, password: PASSWORD } });
    c.that(res.statusCode === 400, `a revoked invitation of A: expected 400, got ${snippet(res)}`);
    c.noLeak(res, 'ownerB');

    // An invitation of A addressed to someone else's existing account cannot be taken by B's owner.
    const someone = await expectJson(w.t.app, w.ownerB, 'POST', `/api/v1/orgs/${w.orgB.id}/invitations`, 201, { body: { email: 'someone@globex.test', roleId: 'org-member' } });
    await expectJson(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', 200, {
      body: { token: new URL(someone.acceptUrl).searchParams.get('token'), password: PASSWORD },
    });
    const forSomeone = await expectJson(w.t.app, w.admin, 'POST', `/api/v1/orgs/${w.orgA.id}/invitations`, 201, { body: { email: 'someone@globex.test', roleId: 'org-member' } });
    const stolen = await call(w.t.app, w.ownerB, 'POST', '/api/v1/invitations/accept', {
      body: { token: new URL(forSomeone.acceptUrl).searchParams.get('token'), password: PASSWORD },
    });
    c.that(stolen.statusCode === 401 || stolen.statusCode === 403, `ownerB accepting A's invitation for another account: expected 401/403, got ${snippet(stolen)}`);
    c.noLeak(stolen, 'ownerB');
    const members = await expectJson(w.t.app, w.admin, 'GET', `/api/v1/orgs/${w.orgA.id}/members`, 200, { query: { limit: '200' } });
    c.that(!members.items.some((m: { userId: string }) => m.userId === w.ownerB.userId), 'ownerB became a member of A');
  },

  /** The checkpoint signing keys are public to everyone and name no tenant. */
  async listAuditPublicKeys(w, c) {
    await fixtures.sealedAudit(w);
    for (const { name, who } of [...callers(w), { name: 'anonymous', who: { kind: 'anonymous' } as Credentials }]) {
      const res = await call(w.t.app, who, 'GET', '/api/v1/audit/public-keys');
      c.that(res.statusCode === 200, `as ${name}: expected 200, got ${snippet(res)}`);
      c.that((res.json().items ?? []).length > 0, `as ${name}: no key is listed (the check would be vacuous)`);
      c.noLeak(res, name);
    }
  },

  /** A failed sign-in to one of A's accounts says nothing about it (same answer as an unknown e-mail). */
  async signIn(w, c) {
    const member = await fixtures.member(w);
    const wrong = await call(w.t.app, w.ownerB, 'POST', '/api/v1/session', { body: { email: member.email, password: 'not the password 123' } });
    const unknown = await call(w.t.app, w.ownerB, 'POST', '/api/v1/session', { body: { email: 'nobody@acme.test', password: 'not the password 123' } });
    c.that(wrong.statusCode === 401, `wrong password for A's member: expected 401, got ${snippet(wrong)}`);
    c.that(unknown.statusCode === wrong.statusCode && unknown.json().type === wrong.json().type, `unknown e-mail and wrong password answer differently: ${snippet(unknown)} vs ${snippet(wrong)}`);
    c.noLeak(wrong, 'ownerB');
    c.that(!wrong.body.includes(member.email), 'the refusal repeats the e-mail');
  },

  /** Signing out ends the caller's own session and nobody else's. */
  async signOut(w, c) {
    const throwaway = await signIn(w.t.app, 'owner@globex.test', PASSWORD);
    const res = await call(w.t.app, throwaway, 'DELETE', '/api/v1/session');
    c.that(res.statusCode === 204, `B's owner signing out: expected 204, got ${snippet(res)}`);
    c.that((await call(w.t.app, throwaway, 'GET', '/api/v1/me')).statusCode === 401, 'the signed-out session still works');
    for (const who of [w.admin, w.lowA, w.ownerB]) {
      c.that((await call(w.t.app, who, 'GET', '/api/v1/me')).statusCode === 200, `${who.userId}'s session ended when another one signed out`);
    }
    const key = await call(w.t.app, w.keyB, 'DELETE', '/api/v1/session');
    c.that(key.statusCode >= 400 && key.statusCode < 500, `an API key signing out: expected 4xx, got ${snippet(key)}`);
    c.noLeak(key, 'keyB');
  },

  /** /me describes the caller only. */
  async getMe(w, c) {
    for (const { name, who } of callers(w).slice(0, 2)) {
      const res = await call(w.t.app, who, 'GET', '/api/v1/me');
      c.that(res.statusCode === 200, `as ${name}: expected 200, got ${snippet(res)}`);
      c.noLeak(res, name);
    }
    const me = await meOf(w.ownerB);
    c.that(me.user?.id === w.ownerB.userId, `ownerB's /me is about ${me.user?.id}`);
  },

  /** Your sessions are yours: B's owner sees none of A's admin's. */
  async listMySessions(w, c) {
    const adminSession = (await meOf(w.admin)).sessionId as string;
    for (const { name, who } of callers(w)) {
      const res = await call(w.t.app, who, 'GET', '/api/v1/me/sessions');
      c.that(who.kind === 'apiKey' ? res.statusCode >= 400 && res.statusCode < 500 : res.statusCode === 200, `as ${name}: got ${snippet(res)}`);
      c.that(!res.body.includes(adminSession), `${name} sees A's admin's session`);
      c.noLeak(res, name);
    }
  },

  /** Revoking another user's session id is a 404, and the session lives on. */
  async revokeMySession(w, c) {
    const adminSession = (await meOf(w.admin)).sessionId as string;
    for (const { name, who } of callers(w)) {
      const res = await call(w.t.app, who, 'DELETE', `/api/v1/me/sessions/${adminSession}`);
      const expected = who.kind === 'apiKey' ? res.statusCode >= 400 && res.statusCode < 500 : res.statusCode === 404;
      c.that(expected, `as ${name} with A's admin's session id: expected ${who.kind === 'apiKey' ? '4xx' : '404'}, got ${snippet(res)}`);
      c.noLeak(res, name, adminSession);
    }
    c.that((await call(w.t.app, w.admin, 'GET', '/api/v1/me')).statusCode === 200, "A's admin's session was ended by someone else");
  },

  // ---- single sign-on (ADR 0014) ----
  /** E-mail-first discovery says "SSO, start here" for a verified domain, and never names the org. */
  async discoverSso(w, c) {
    const verified = await ssoFixtures.domain(w, true);
    const claimed = await ssoFixtures.domain(w, false);
    await ssoFixtures.connection(w, true);
    for (const { name, who } of [...callers(w), { name: 'anonymous', who: { kind: 'anonymous' } as Credentials }]) {
      const hit = await call(w.t.app, who, 'POST', '/api/v1/sso/discover', { body: { email: `someone@${verified.domain}` } });
      c.that(hit.statusCode === 200 && hit.json().sso === true, `as ${name}, a verified domain: got ${snippet(hit)}`);
      c.that(!hit.body.includes(w.orgA.id) && !hit.body.includes(verified.id), `as ${name}: discovery names A or its domain id`);
      const miss = await call(w.t.app, who, 'POST', '/api/v1/sso/discover', { body: { email: `someone@${claimed.domain}` } });
      c.that(miss.statusCode === 200 && miss.body === JSON.stringify({ sso: false }), `as ${name}, a merely claimed domain: got ${snippet(miss)}`);
    }
  },

  /** Anyone may start a sign-in through an enabled connection; a disabled one does not exist. */
  async startSsoSignIn(w, c) {
    const disabled = await ssoFixtures.connection(w, false);
    const enabled = await ssoFixtures.connection(w, true);
    for (const { name, who } of callers(w)) {
      const off = await call(w.t.app, who, 'GET', `/api/v1/sso/oidc/${disabled.id}/start`);
      c.that(off.statusCode === 404, `as ${name}, a disabled connection: expected 404, got ${snippet(off)}`);
      const url = `/api/v1/sso/oidc/${enabled.id}/start`;
      const on = await call(w.t.app, who, 'GET', url);
      c.that(on.statusCode === 302, `as ${name}: expected 302, got ${snippet(on)}`);
      c.noLeak(on, name, url);
    }
  },

  /** A callback carrying a state this browser did not start is refused, and signs nobody in. */
  async completeSsoSignIn(w, c) {
    const enabled = await ssoFixtures.connection(w, true);
    const bare = await call(w.t.app, w.ownerB, 'GET', '/api/v1/sso/oidc/callback', { query: { state: 'x'.repeat(43), code: 'y' } });
    c.that(bare.statusCode === 400, `without a state cookie: expected 400, got ${snippet(bare)}`);
    c.noLeak(bare, 'ownerB');
    const forged = await call(w.t.app, { kind: 'anonymous' }, 'GET', '/api/v1/sso/oidc/callback', {
      query: { state: 'x'.repeat(43), code: 'y' },
      headers: { cookie: `hxp_sso=${enabled.id}.${'z'.repeat(43)}` },
    });
    c.that(forged.statusCode === 302 && /ssoError=state-mismatch/.test(String(forged.headers.location)), `a forged state: got ${snippet(forged)}`);
    c.that(!String(forged.headers['set-cookie'] ?? '').includes('hxp_session='), 'a forged callback set a session cookie');
    c.noLeak(forged, 'anonymous', enabled.id);
  },

  /** SP metadata is public (the IdP imports it): connection URLs, never the organization. */
  async getSamlSpMetadata(w, c) {
    const conn = await ssoFixtures.samlConnection(w);
    const url = `/api/v1/sso/saml/${conn.id}/metadata`;
    for (const { name, who } of callers(w)) {
      const res = await call(w.t.app, who, 'GET', url);
      c.that(res.statusCode === 200 && res.body.includes('EntityDescriptor'), `as ${name}: got ${snippet(res)}`);
      c.noLeak(res, name, url);
    }
  },

  /** As for OIDC: a disabled SAML connection does not exist; an enabled one redirects to its IdP. */
  async startSamlSignIn(w, c) {
    const disabled = await ssoFixtures.samlConnection(w, false);
    const enabled = await ssoFixtures.samlConnection(w, true);
    for (const { name, who } of callers(w)) {
      const off = await call(w.t.app, who, 'GET', `/api/v1/sso/saml/${disabled.id}/start`);
      c.that(off.statusCode === 404, `as ${name}, a disabled connection: expected 404, got ${snippet(off)}`);
      const url = `/api/v1/sso/saml/${enabled.id}/start`;
      const on = await call(w.t.app, who, 'GET', url);
      c.that(on.statusCode === 302, `as ${name}: expected 302, got ${snippet(on)}`);
      c.noLeak(on, name, url);
    }
  },

  /** A response that is not the IdP's signs nobody in, whoever posts it. */
  async completeSamlSignIn(w, c) {
    const enabled = await ssoFixtures.samlConnection(w, true);
    const url = `/api/v1/sso/saml/${enabled.id}/acs`;
    for (const { name, who } of callers(w)) {
      const res = await call(w.t.app, who, 'POST', url, { body: { SAMLResponse: Buffer.from('<Response/>').toString('base64') } });
      c.that(res.statusCode === 303 && /ssoError=/.test(String(res.headers.location)), `as ${name}: got ${snippet(res)}`);
      c.that(!String(res.headers['set-cookie'] ?? '').includes('hxp_session='), `as ${name}: a session cookie was set`);
      c.noLeak(res, name, url);
    }
  },

  /** Changing a password changes the caller's own, and proves it with the caller's own. */
  async changeMyPassword(w, c) {
    const res = await call(w.t.app, w.ownerB, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: 'taken over password 123456' } });
    c.that(res.statusCode === 400 || res.statusCode === 401 || res.statusCode === 403, `ownerB with A's admin's password: expected 400/401/403, got ${snippet(res)}`);
    c.noLeak(res, 'ownerB');
    const key = await call(w.t.app, w.keyB, 'PUT', '/api/v1/me/password', { body: { currentPassword: ADMIN_PASSWORD, newPassword: 'taken over password 123456' } });
    c.that(key.statusCode >= 400 && key.statusCode < 500, `an API key: expected 4xx, got ${snippet(key)}`);
    c.noLeak(key, 'keyB');
    const admin = await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    c.that(admin.statusCode === 200, `A's admin can no longer sign in: ${snippet(admin)}`);
  },
};

it('refuses every operation on org A to other tenants and to members without a role', async () => {
  const failures: string[] = [];
  const covered: string[] = [];
  const uncovered: string[] = [];
  for (const op of operations) {
    if (op.orgScoped) {
      const found = await checkOrgScoped(op);
      failures.push(...found);
      if (!found.some((f) => f.includes('no example in'))) covered.push(op.operationId);
      else uncovered.push(describeOp(op));
      continue;
    }
    const check = outsideOrg[op.operationId];
    if (!check) {
      uncovered.push(`${describeOp(op)}: outside /orgs/{orgId} and no per-route assertion`);
      continue;
    }
    const checks = new Checks(describeOp(op));
    try {
      await check(world, checks);
    } catch (error) {
      checks.that(false, `the check threw: ${(error as Error).message}`);
    }
    failures.push(...checks.failures);
    covered.push(op.operationId);
  }
  console.log(`isolation: covered ${covered.length} of ${operations.length} routes`);
  console.log(`isolation: ${throughB.length} operations also sent to B's own URL naming A's ids: ${throughB.join(', ')}`);
  if (uncovered.length) console.log(`isolation: not covered:\n  ${uncovered.join('\n  ')}`);
  expect(failures, failures.join('\n')).toEqual([]);
  expect(uncovered).toEqual([]);
  expect(covered.length).toBe(operations.length);
}, GENERATED_SUITE_TIMEOUT_MS);
