import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixtures } from '../support/examples.ts';
import { ssoFixtures } from '../support/examples-sso.ts';
import { call, signIn } from '../support/http.ts';
import { createWorld, PASSWORD, type World } from '../support/world.ts';
import { mfaAuditChecks } from './mfa-checks.ts';
import { describe as describeOp, liveDocument, operationsOf, type Operation } from './openapi.ts';
import { auditSince, auditWatermark, describeEvents, exampleFor, GENERATED_SUITE_TIMEOUT_MS, send, snippet, type AuditRow } from './support.ts';

/**
 * Audit completeness, generated from the live OpenAPI document: every mutating operation under
 * /api/v1/orgs/{orgId} writes exactly one audit event when it succeeds (outcome success, the
 * route's noun:verb) and exactly one when it is denied (outcome denied). Mutating routes outside
 * the org prefix have their expectations written out one by one below.
 */

let world: World;
let operations: Operation[];

beforeAll(async () => {
  world = await createWorld();
  operations = operationsOf(liveDocument(world.t.app));
}, 180_000);

afterAll(async () => {
  await world?.t.close();
});

function expectOne(rows: AuditRow[], action: string | undefined, outcome: string, actorId?: string): string | null {
  if (rows.length !== 1) return `expected exactly one ${action ?? '?'}/${outcome} event, got ${rows.length}: ${describeEvents(rows)}`;
  const [row] = rows;
  if (row!.outcome !== outcome || (action && row!.action !== action)) return `expected ${action ?? '?'}/${outcome}, got ${describeEvents(rows)}`;
  if (actorId && row!.actor_id !== actorId) return `the event names actor ${row!.actor_id}, not the caller ${actorId}`;
  return null;
}

async function checkOrgMutation(op: Operation): Promise<string[]> {
  const failures: string[] = [];
  const name = describeOp(op);

  // (a) A's admin succeeds: one success event (none for a POST that only asks a question).
  const example = await exampleFor(world, op);
  if (typeof example === 'string') return [example];
  if (!example.action) failures.push(`${name}: the example names no audit action`);
  else if (!world.t.deps.authz.isAction(example.action)) failures.push(`${name}: ${example.action} is not a registered action`);
  let mark = await auditWatermark(world);
  const ok = await send(world, world.admin, op, example);
  const written = await auditSince(world, mark, world.orgA.id);
  if (ok.statusCode !== example.successStatus) {
    failures.push(`${name} as A's admin: expected ${example.successStatus}, got ${snippet(ok)}`);
  } else if (example.readOnly) {
    if (written.length !== 0) failures.push(`${name} (a question, changes nothing): expected no audit event, got ${describeEvents(written)}`);
  } else {
    const problem = expectOne(written, example.action, 'success', world.admin.userId);
    if (problem) failures.push(`${name} as A's admin: ${problem}`);
  }

  // (b) A member without a role is refused: one denied event.
  const fresh = await exampleFor(world, op);
  if (typeof fresh === 'string') return [...failures, fresh];
  mark = await auditWatermark(world);
  const denied = await send(world, world.lowA, op, fresh);
  const deniedRows = await auditSince(world, mark, world.orgA.id);
  if (denied.statusCode !== 403 && denied.statusCode !== 404) {
    failures.push(`${name} as lowA: expected 403/404, got ${snippet(denied)}`);
  } else {
    const problem = expectOne(deniedRows, example.action, 'denied', world.lowA.userId);
    if (problem) failures.push(`${name} as lowA (${denied.statusCode}): ${problem}`);
  }
  return failures;
}

/**
 * Mutating routes outside /api/v1/orgs/{orgId}, with what each must write. They act on the
 * caller's own account or on a new organization, so "the org" is spelled out per route.
 */
const outsideOrg: Record<string, (w: World) => Promise<string[]>> = {
  ...mfaAuditChecks,
  /** A new org records its own creation (and nothing in A); a refusal has no org to go to. */
  async createOrganization(w) {
    const failures: string[] = [];
    let mark = await auditWatermark(w);
    const res = await call(w.t.app, w.admin, 'POST', '/api/v1/orgs', { body: { name: 'Initech', slug: 'initech' } });
    if (res.statusCode !== 201) return [`as the platform admin: expected 201, got ${snippet(res)}`];
    const newOrg = res.json().id as string;
    const inNew = await auditSince(w, mark, newOrg);
    const all = await auditSince(w, mark);
    const problem = expectOne(inNew, 'organization:create', 'success');
    if (problem) failures.push(`in the new org: ${problem}`);
    if (all.length !== inNew.length) failures.push(`events outside the new org: ${describeEvents(all.filter((r) => r.org_id !== newOrg))}`);

    mark = await auditWatermark(w);
    const refused = await call(w.t.app, w.lowA, 'POST', '/api/v1/orgs', { body: { name: 'Nope', slug: 'nope-org' } });
    if (refused.statusCode !== 403) failures.push(`as lowA: expected 403, got ${snippet(refused)}`);
    const afterRefusal = await auditSince(w, mark);
    if (afterRefusal.length !== 0) failures.push(`a refused creation (no org exists to hold it) wrote ${describeEvents(afterRefusal)}`);
    return failures;
  },

  /** Accepting writes invitation:accept into the inviting org; an invalid token writes nothing. */
  async acceptInvitation(w) {
    const failures: string[] = [];
    const invitation = await fixtures.invitation(w);
    let mark = await auditWatermark(w);
    const token = new URL(invitation.acceptUrl).searchParams.get('token')!;
    const res = await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token, password: PASSWORD } });
    if (res.statusCode !== 200) return [`a valid token: expected 200, got ${snippet(res)}`];
    const problem = expectOne(await auditSince(w, mark), 'invitation:accept', 'success');
    if (problem) failures.push(`a valid token: ${problem}`);

    mark = await auditWatermark(w);
    const bad = await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', { body: { token: 'y'.repeat(43), password: PASSWORD } });
    if (bad.statusCode !== 400) failures.push(`an unknown token: expected 400, got ${snippet(bad)}`);
    const afterBad = await auditSince(w, mark);
    if (afterBad.length !== 0) failures.push(`an unknown token (no org to attribute it to) wrote ${describeEvents(afterBad)}`);
    return failures;
  },

  /** Sign-in is recorded in each org of the user: success, or failed for a wrong password. */
  async signIn(w) {
    const failures: string[] = [];
    const member = await fixtures.member(w);
    let mark = await auditWatermark(w);
    const ok = await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: member.email, password: PASSWORD } });
    if (ok.statusCode !== 200) return [`right password: expected 200, got ${snippet(ok)}`];
    let problem = expectOne(await auditSince(w, mark), 'session:create', 'success');
    if (problem) failures.push(`right password: ${problem}`);

    mark = await auditWatermark(w);
    const wrong = await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: member.email, password: 'wrong password 12345' } });
    if (wrong.statusCode !== 401) failures.push(`wrong password: expected 401, got ${snippet(wrong)}`);
    problem = expectOne(await auditSince(w, mark, w.orgA.id), 'session:create', 'failed');
    if (problem) failures.push(`wrong password: ${problem}`);

    mark = await auditWatermark(w);
    await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: 'nobody@nowhere.test', password: 'wrong password 12345' } });
    const unknown = await auditSince(w, mark);
    if (unknown.length !== 0) failures.push(`an unknown e-mail (no account, no org) wrote ${describeEvents(unknown)}`);
    return failures;
  },

  /** Signing out is recorded in each org of the user. */
  async signOut(w) {
    const member = await fixtures.memberSession(w);
    const mark = await auditWatermark(w);
    const res = await call(w.t.app, member.session, 'DELETE', '/api/v1/session');
    if (res.statusCode !== 204) return [`expected 204, got ${snippet(res)}`];
    const problem = expectOne(await auditSince(w, mark), 'session:delete', 'success');
    return problem ? [problem] : [];
  },

  /** Ending one of your other sessions is recorded; an id that is not yours is a 404 and writes nothing. */
  async revokeMySession(w) {
    const failures: string[] = [];
    const member = await fixtures.memberSession(w);
    const second = await signIn(w.t.app, member.email, PASSWORD);
    const secondId = (await call(w.t.app, second, 'GET', '/api/v1/me')).json().sessionId as string;
    let mark = await auditWatermark(w);
    const res = await call(w.t.app, member.session, 'DELETE', `/api/v1/me/sessions/${secondId}`);
    if (res.statusCode !== 204) return [`own session: expected 204, got ${snippet(res)}`];
    const problem = expectOne(await auditSince(w, mark), 'session:revoke', 'success');
    if (problem) failures.push(`own session: ${problem}`);

    const adminSession = (await call(w.t.app, w.admin, 'GET', '/api/v1/me')).json().sessionId as string;
    mark = await auditWatermark(w);
    const foreign = await call(w.t.app, member.session, 'DELETE', `/api/v1/me/sessions/${adminSession}`);
    if (foreign.statusCode !== 404) failures.push(`someone else's session: expected 404, got ${snippet(foreign)}`);
    const afterForeign = await auditSince(w, mark);
    if (afterForeign.length !== 0) failures.push(`someone else's session (a 404, nothing happened) wrote ${describeEvents(afterForeign)}`);
    return failures;
  },

  /** A password change is recorded; a wrong current password is recorded as failed. */
  async changeMyPassword(w) {
    const failures: string[] = [];
    const member = await fixtures.memberSession(w);
    let mark = await auditWatermark(w);
    const wrong = await call(w.t.app, member.session, 'PUT', '/api/v1/me/password', { body: { currentPassword: 'not my password 123', newPassword: 'a brand new password 456' } });
    if (wrong.statusCode !== 400) failures.push(`wrong current password: expected 400, got ${snippet(wrong)}`);
    let problem = expectOne(await auditSince(w, mark), 'password:update', 'failed');
    if (problem) failures.push(`wrong current password: ${problem}`);

    mark = await auditWatermark(w);
    const ok = await call(w.t.app, member.session, 'PUT', '/api/v1/me/password', { body: { currentPassword: PASSWORD, newPassword: 'a brand new password 456' } });
    if (ok.statusCode !== 204) return [...failures, `right current password: expected 204, got ${snippet(ok)}`];
    problem = expectOne(await auditSince(w, mark), 'password:update', 'success');
    if (problem) failures.push(`right current password: ${problem}`);
    return failures;
  },

  // ---- single sign-on (ADR 0014) ----
  /** Discovery is a question: it writes nothing, whatever the answer. */
  async discoverSso(w) {
    const mark = await auditWatermark(w);
    const res = await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/sso/discover', { body: { email: 'someone@example.com' } });
    if (res.statusCode !== 200) return [`expected 200, got ${snippet(res)}`];
    const written = await auditSince(w, mark);
    return written.length ? [`discovery wrote ${describeEvents(written)}`] : [];
  },

  /** A refused SAML response is one failed session:create in the connection's organization. */
  async completeSamlSignIn(w) {
    const conn = await ssoFixtures.samlConnection(w, true);
    const mark = await auditWatermark(w);
    const res = await call(w.t.app, { kind: 'anonymous' }, 'POST', `/api/v1/sso/saml/${conn.id}/acs`, { body: { SAMLResponse: Buffer.from('<Response/>').toString('base64') } });
    if (res.statusCode !== 303) return [`expected 303, got ${snippet(res)}`];
    const problem = expectOne(await auditSince(w, mark), 'session:create', 'failed');
    return problem ? [problem] : [];
  },
};

it('audits every mutating operation exactly once, on success and on denial', async () => {
  const mutating = operations.filter((op) => op.mutating);
  const failures: string[] = [];
  const uncovered: string[] = [];
  for (const op of mutating) {
    if (op.orgScoped) {
      failures.push(...(await checkOrgMutation(op)));
      continue;
    }
    const check = outsideOrg[op.operationId];
    if (!check) {
      uncovered.push(`${describeOp(op)}: mutating, outside /orgs/{orgId}, and no expectation written`);
      continue;
    }
    try {
      failures.push(...(await check(world)).map((f) => `${describeOp(op)}: ${f}`));
    } catch (error) {
      failures.push(`${describeOp(op)}: the check threw: ${(error as Error).message}`);
    }
  }
  const orgScoped = mutating.filter((op) => op.orgScoped).length;
  console.log(`audit completeness: ${mutating.length} mutating routes (${orgScoped} under /orgs/{orgId}, ${mutating.length - orgScoped} outside)`);
  expect(failures, failures.join('\n')).toEqual([]);
  expect(uncovered).toEqual([]);
}, GENERATED_SUITE_TIMEOUT_MS);
