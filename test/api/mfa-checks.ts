/**
 * The per-route expectations of the suites for the MFA routes outside /orgs/{orgId}
 * (ADR 0013): spread into `outsideOrg` of audit-completeness.test.ts and isolation.test.ts.
 */
import type { LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import { fixtures } from '../support/examples.ts';
import { call, expectJson, type Credentials } from '../support/http.ts';
import { PASSWORD, type World } from '../support/world.ts';
import { auditSince, auditWatermark, describeEvents, snippet } from './support.ts';

type Session = Credentials & { kind: 'session' };

/** The next code of an authenticator app: one step ahead, so it never replays the last one used. */
let stepOffset = 0;
export async function nextTotpCode(secret: string): Promise<string> {
  stepOffset = (stepOffset % 1) + 1;
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepOffset });
}

/** A member of A with a session and a confirmed authenticator app. */
export async function memberWithTotp(w: World): Promise<{ email: string; userId: string; session: Session; secret: string; recoveryCodes: string[] }> {
  const member = await fixtures.memberSession(w);
  const started = await expectJson(w.t.app, member.session, 'POST', '/api/v1/me/mfa/totp', 201);
  const code = generate({ secret: started.secret, epoch: Math.floor(Date.now() / 1000) });
  const confirmed = await expectJson(w.t.app, member.session, 'POST', '/api/v1/me/mfa/totp/confirm', 200, { body: { code: await code } });
  return { ...member, secret: started.secret, recoveryCodes: confirmed.recoveryCodes };
}

async function expectEvents(w: World, mark: string, wanted: string[]): Promise<string[]> {
  const rows = await auditSince(w, mark);
  const got = rows.map((r) => `${r.action}/${r.outcome}`);
  return got.join(',') === wanted.join(',') ? [] : [`expected ${wanted.join(', ') || 'no event'}, got ${describeEvents(rows)}`];
}

async function step(w: World, res: Promise<LightMyRequestResponse>, status: number, mark: string, events: string[], what: string): Promise<string[]> {
  const r = await res;
  if (r.statusCode !== status) return [`${what}: expected ${status}, got ${snippet(r)}`];
  return (await expectEvents(w, mark, events)).map((f) => `${what}: ${f}`);
}

export const mfaAuditChecks: Record<string, (w: World) => Promise<string[]>> = {
  /** A pending enrolment is no factor yet: nothing is recorded until it is confirmed. */
  async startTotpEnrolment(w) {
    const member = await fixtures.memberSession(w);
    const mark = await auditWatermark(w);
    return step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/totp'), 201, mark, [], 'start');
  },
  async confirmTotpEnrolment(w) {
    const member = await fixtures.memberSession(w);
    const started = await expectJson(w.t.app, member.session, 'POST', '/api/v1/me/mfa/totp', 201);
    let mark = await auditWatermark(w);
    const failures = await step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/totp/confirm', { body: { code: '000000' } }), 400, mark, [], 'a wrong code');
    mark = await auditWatermark(w);
    const code = await generate({ secret: started.secret, epoch: Math.floor(Date.now() / 1000) });
    return [...failures, ...(await step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/totp/confirm', { body: { code } }), 200, mark, ['mfa:enroll/success'], 'the right code'))];
  },
  async removeTotp(w) {
    const member = await memberWithTotp(w);
    const mark = await auditWatermark(w);
    return step(w, call(w.t.app, member.session, 'DELETE', '/api/v1/me/mfa/totp'), 204, mark, ['mfa:remove/success'], 'remove');
  },
  async regenerateRecoveryCodes(w) {
    const member = await memberWithTotp(w);
    const mark = await auditWatermark(w);
    return step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/recovery-codes'), 201, mark, ['mfa:regenerate-codes/success'], 'regenerate');
  },
  /** A wrong factor is a failed step-up (it counts towards the lockout); a right one succeeds. */
  async stepUp(w) {
    const member = await memberWithTotp(w);
    let mark = await auditWatermark(w);
    const failures = await step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/step-up', { body: { recoveryCode: 'not-a-real-code' } }), 401, mark, ['session:step-up/failed'], 'a wrong code');
    mark = await auditWatermark(w);
    return [...failures, ...(await step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/step-up', { body: { recoveryCode: member.recoveryCodes[0] } }), 200, mark, ['session:step-up/success'], 'a recovery code'))];
  },
  /** The second step of sign-in: failed with a wrong factor, session:create once it succeeds. */
  async completeMfaSignIn(w) {
    const member = await memberWithTotp(w);
    const challenge = (await call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session', { body: { email: member.email, password: PASSWORD } })).json();
    let mark = await auditWatermark(w);
    const failures = await step(w, call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session/mfa', { body: { mfaToken: challenge.mfaToken, recoveryCode: 'not-a-real-code' } }), 401, mark, ['session:create/failed'], 'a wrong code');
    mark = await auditWatermark(w);
    const ok = call(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/session/mfa', { body: { mfaToken: challenge.mfaToken, recoveryCode: member.recoveryCodes[1] } });
    return [...failures, ...(await step(w, ok, 200, mark, ['session:create/success'], 'a recovery code'))];
  },
  /** Options only store a challenge: nothing to record. */
  async getWebauthnRegistrationOptions(w) {
    const member = await fixtures.memberSession(w);
    const mark = await auditWatermark(w);
    return step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/webauthn/registration-options'), 200, mark, [], 'options');
  },
  async getWebauthnAuthenticationOptions(w) {
    const member = await fixtures.memberSession(w);
    const mark = await auditWatermark(w);
    return step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/webauthn/authentication-options'), 409, mark, [], 'without a passkey');
  },
  /** A registration that does not verify creates nothing and records nothing (the Chromium test registers real ones). */
  async registerWebauthnCredential(w) {
    const member = await fixtures.memberSession(w);
    await expectJson(w.t.app, member.session, 'POST', '/api/v1/me/mfa/webauthn/registration-options', 200);
    const mark = await auditWatermark(w);
    const body = { name: 'forged', response: { id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' }, clientExtensionResults: {} } };
    return step(w, call(w.t.app, member.session, 'POST', '/api/v1/me/mfa/webauthn/registrations', { body }), 400, mark, [], 'a forged registration');
  },
  async removeWebauthnCredential(w) {
    const member = await fixtures.memberSession(w);
    const mark = await auditWatermark(w);
    return step(w, call(w.t.app, member.session, 'DELETE', '/api/v1/me/mfa/webauthn/AAAAAAAAAAAAAAAAAAAAAA'), 404, mark, [], 'an unknown passkey');
  },
};

interface Checks {
  that(ok: boolean, message: string): void;
  noLeak(res: LightMyRequestResponse, who: string, url?: string): void;
}

/** Your factors are yours: other tenants and API keys neither see nor change A's people's. */
async function ownOnly(w: World, c: Checks, method: string, url: string, body?: unknown) {
  const victim = await memberWithTotp(w);
  const before = await expectJson(w.t.app, victim.session, 'GET', '/api/v1/me/mfa', 200);
  for (const [name, who] of [['ownerB', w.ownerB], ['keyB', w.keyB], ['lowA', w.lowA]] as const) {
    const res = await call(w.t.app, who, method, url, body === undefined ? {} : { body });
    c.that(res.statusCode < 500, `as ${name}: ${snippet(res)}`);
    if (who.kind === 'apiKey') c.that(res.statusCode >= 400 && res.statusCode < 500, `as keyB (not a session): expected 4xx, got ${snippet(res)}`);
    c.that(!res.body.includes(victim.userId) && !res.body.includes(victim.email), `the answer to ${name} names A's member`);
    // lowA is in A: its own answers may name lowA itself (registration options carry the account name).
    if (name !== 'lowA') c.noLeak(res, name, url);
  }
  const after = await expectJson(w.t.app, victim.session, 'GET', '/api/v1/me/mfa', 200);
  c.that(JSON.stringify(before) === JSON.stringify(after), "A's member's factors changed when others called");
}

export const mfaIsolationChecks: Record<string, (w: World, c: Checks) => Promise<void>> = {
  getMyMfa: (w, c) => ownOnly(w, c, 'GET', '/api/v1/me/mfa'),
  startTotpEnrolment: (w, c) => ownOnly(w, c, 'POST', '/api/v1/me/mfa/totp'),
  confirmTotpEnrolment: (w, c) => ownOnly(w, c, 'POST', '/api/v1/me/mfa/totp/confirm', { code: '123456' }),
  removeTotp: (w, c) => ownOnly(w, c, 'DELETE', '/api/v1/me/mfa/totp'),
  regenerateRecoveryCodes: (w, c) => ownOnly(w, c, 'POST', '/api/v1/me/mfa/recovery-codes'),
  stepUp: (w, c) => ownOnly(w, c, 'POST', '/api/v1/me/step-up', { totp: '123456' }),
  getWebauthnRegistrationOptions: (w, c) => ownOnly(w, c, 'POST', '/api/v1/me/mfa/webauthn/registration-options'),
  getWebauthnAuthenticationOptions: (w, c) => ownOnly(w, c, 'POST', '/api/v1/me/mfa/webauthn/authentication-options'),
  registerWebauthnCredential: (w, c) =>
    ownOnly(w, c, 'POST', '/api/v1/me/mfa/webauthn/registrations', { name: 'x', response: { id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'public-key', response: {} } }),
  removeWebauthnCredential: (w, c) => ownOnly(w, c, 'DELETE', '/api/v1/me/mfa/webauthn/AAAAAAAAAAAAAAAAAAAAAA'),
  /** An mfaToken is bound to its user: a forged one is refused without saying whose it could be. */
  async completeMfaSignIn(w, c) {
    const victim = await memberWithTotp(w);
    const res = await call(w.t.app, w.ownerB, 'POST', '/api/v1/session/mfa', { body: { mfaToken: 'x'.repeat(43), recoveryCode: victim.recoveryCodes[0] } });
    c.that(res.statusCode === 401, `a forged mfaToken with A's member's recovery code: expected 401, got ${snippet(res)}`);
    c.noLeak(res, 'ownerB');
    const status = await expectJson(w.t.app, victim.session, 'GET', '/api/v1/me/mfa', 200);
    c.that(status.recoveryCodes.remaining === 10, "A's member's recovery code was spent by another tenant");
  },
};
