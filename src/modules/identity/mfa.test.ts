import { generate } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../../../test/support/http.ts';
import { softAuthenticator } from '../../../test/support/soft-authenticator.ts';
import { inviteAndSignIn, PASSWORD } from '../../../test/support/world.ts';
import { fixedClock } from '../../kernel/clock.ts';
import { defaultSecurityPolicy, type SecurityPolicy } from './security-policy.ts';

type Session = Credentials & { kind: 'session' };

let t: TestApp;
let clock: ReturnType<typeof fixedClock>;
let admin: Session;
let adminSecret: string;
let orgId: string;
let people = 0;

beforeAll(async () => {
  t = await createTestApp();
  clock = fixedClock(new Date());
  t.deps.clock = clock;
  admin = await signIn(t.app);
  orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'MFA Test', slug: 'mfa-test' } })).id;
  adminSecret = (await enrolTotp(admin)).secret;
});

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  // Every test starts from the default policy, with a fresh second factor for the admin.
  clock.advance(60_000);
  await putPolicy({});
});

async function newMember(roleId = 'org-member'): Promise<Session & { email: string }> {
  const email = `person${++people}@mfa.test`;
  return { ...(await inviteAndSignIn(t, admin, orgId, email, roleId)), email };
}

function codeAt(secret: string, offsetSteps = 0) {
  return generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offsetSteps * 30 });
}

/** Replaces the policy as the admin, proving a fresh second factor when the policy asks for one. */
async function putPolicy(change: Partial<SecurityPolicy>) {
  const put = () => call(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/security-policy`, { body: { ...defaultSecurityPolicy, ...change } });
  let res = await put();
  if (res.statusCode === 403 && res.json().type.endsWith('step-up-required')) {
    clock.advance(30_000);
    await expectJson(t.app, admin, 'POST', '/api/v1/me/step-up', 200, { body: { totp: await codeAt(adminSecret) } });
    res = await put();
  }
  expect(res.statusCode, res.body).toBe(200);
  return res;
}

/** Enrols TOTP for a session; the secret and the recovery codes. */
async function enrolTotp(who: Session) {
  const started = await expectJson(t.app, who, 'POST', '/api/v1/me/mfa/totp', 201);
  expect(started.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
  expect(started.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
  const confirmed = await expectJson(t.app, who, 'POST', '/api/v1/me/mfa/totp/confirm', 200, { body: { code: await codeAt(started.secret) } });
  return { secret: started.secret as string, recoveryCodes: confirmed.recoveryCodes as string[] };
}

async function passwordStep(email: string, remoteAddress = '127.0.0.1') {
  return t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD }, remoteAddress });
}

async function mfaStep(body: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', payload: body });
}

function sessionFrom(res: Awaited<ReturnType<typeof mfaStep>>, userId: string): Session {
  const cookie = res.cookies.find((c) => c.name === 'hxp_session')!;
  return { kind: 'session', cookie: `hxp_session=${cookie.value}`, csrfToken: res.json().csrfToken, userId };
}

describe('TOTP', () => {
  it('enrols with a QR code and a first code, then signs in in two steps; a code is never accepted twice', async () => {
    const member = await newMember();
    const { secret, recoveryCodes } = await enrolTotp(member);
    expect(recoveryCodes).toHaveLength(10);
    const status = await expectJson(t.app, member, 'GET', '/api/v1/me/mfa', 200);
    expect(status.totp.enrolled).toBe(true);
    expect(status.recoveryCodes).toEqual({ remaining: 10, total: 10 });
    expect(status.mfaAt).not.toBeNull();

    const first = await passwordStep(member.email);
    expect(first.statusCode).toBe(200);
    expect(first.cookies.find((c) => c.name === 'hxp_session')).toBeUndefined();
    const challenge = first.json();
    expect(challenge).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery-code'] });

    const wrong = await mfaStep({ mfaToken: challenge.mfaToken, totp: '000000' === (await codeAt(secret)) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(401);

    clock.advance(30_000);
    const code = await codeAt(secret);
    const ok = await mfaStep({ mfaToken: challenge.mfaToken, totp: code });
    expect(ok.statusCode, ok.body).toBe(200);
    const session = sessionFrom(ok, member.userId);
    expect((await expectJson(t.app, session, 'GET', '/api/v1/me/mfa', 200)).mfaAt).toBe(clock.now().toISOString());

    // The token is single use, and the same code is refused on a new sign-in within its window.
    expect((await mfaStep({ mfaToken: challenge.mfaToken, totp: code })).statusCode).toBe(401);
    const again = (await passwordStep(member.email)).json();
    expect((await mfaStep({ mfaToken: again.mfaToken, totp: code })).statusCode).toBe(401);

    const events = await t.db.selectFrom('audit_events').select(['action', 'outcome']).where('actor_id', '=', member.userId).where('org_id', '=', orgId).execute();
    expect(events).toEqual(expect.arrayContaining([
      { action: 'mfa:enroll', outcome: 'success' },
      { action: 'session:create', outcome: 'success' },
      { action: 'session:create', outcome: 'failed' },
    ]));
  });

  it('signs in with a recovery code, once', async () => {
    const member = await newMember();
    const { recoveryCodes } = await enrolTotp(member);
    const challenge = (await passwordStep(member.email)).json();
    const ok = await mfaStep({ mfaToken: challenge.mfaToken, recoveryCode: recoveryCodes[3]!.toUpperCase() });
    expect(ok.statusCode, ok.body).toBe(200);
    const next = (await passwordStep(member.email)).json();
    expect((await mfaStep({ mfaToken: next.mfaToken, recoveryCode: recoveryCodes[3] })).statusCode).toBe(401);
    const status = await expectJson(t.app, sessionFrom(ok, member.userId), 'GET', '/api/v1/me/mfa', 200);
    expect(status.recoveryCodes.remaining).toBe(9);
  });
});

describe('organization security policy', () => {
  it('with MFA required for everyone, members without a factor must enrol before entering', async () => {
    const member = await newMember();
    await putPolicy({ mfa: { required: 'everyone', stepUpMinutes: 15 } });
    const refused = await call(t.app, member, 'GET', `/api/v1/orgs/${orgId}/members`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().type).toMatch(/mfa-enrolment-required$/);
    expect((await expectJson(t.app, member, 'GET', '/api/v1/me/mfa', 200)).requiredBy).toEqual([orgId]);
    await enrolTotp(member);
    expect((await call(t.app, member, 'GET', `/api/v1/orgs/${orgId}/members`)).statusCode).toBe(200);
  });

  it('asks for a recent second factor to rotate an API key once the step-up window has passed', async () => {
    const owner = await newMember('org-owner');
    const { secret } = await enrolTotp(owner);
    await putPolicy({ mfa: { required: 'admins', stepUpMinutes: 15 } });
    const key = await expectJson(t.app, owner, 'POST', `/api/v1/orgs/${orgId}/api-keys`, 201, { body: { name: 'ci', roleId: 'org-member' } });
    const rotate = () => call(t.app, owner, 'POST', `/api/v1/orgs/${orgId}/api-keys/${key.apiKey.id}/rotate`, { body: { overlapMinutes: 0 } });
    expect((await rotate()).statusCode).toBe(201);

    clock.advance(16 * 60_000);
    const refused = await rotate();
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ maxAgeSeconds: 900 });
    expect(refused.json().type).toMatch(/step-up-required$/);
    const denied = await t.db.selectFrom('audit_events').select(['outcome', 'reason']).where('action', '=', 'api-key:rotate').where('actor_id', '=', owner.userId).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(denied.outcome).toBe('denied');

    await expectJson(t.app, owner, 'POST', '/api/v1/me/step-up', 200, { body: { totp: await codeAt(secret) } });
    expect((await rotate()).statusCode).toBe(201);
    await putPolicy({});
  });

  it('refuses addresses outside the IP allow-list, except for break-glass users, and audits the refusal', async () => {
    const member = await newMember();
    await putPolicy({ ipAllowList: { console: ['10.9.0.0/16'], api: [], breakGlassUserIds: [admin.userId] } });
    const from = (who: Session, remoteAddress: string) =>
      t.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/members`, headers: { cookie: who.cookie }, remoteAddress });
    expect((await from(member, '10.9.4.2')).statusCode).toBe(200);
    const refused = await from(member, '192.168.7.7');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().type).toMatch(/ip-not-allowed$/);
    expect((await from(admin, '192.168.7.7')).statusCode).toBe(200);
    const event = await t.db.selectFrom('audit_events').select(['action', 'outcome', 'reason']).where('actor_id', '=', member.userId).where('outcome', '=', 'denied').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ action: 'org:enter', outcome: 'denied' });
    expect(event.reason).toContain('192.168.7.7');
  });

  it('ends the oldest sessions beyond the maximum at sign-in', async () => {
    const member = await newMember();
    await putPolicy({ sessions: { idleMinutes: 10, absoluteHours: 2, maxConcurrent: 2 } });
    const second = await signIn(t.app, member.email, PASSWORD);
    const third = await signIn(t.app, member.email, PASSWORD);
    expect((await call(t.app, member, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await call(t.app, second, 'GET', '/api/v1/me')).statusCode).toBe(200);
    const sessions = await expectJson(t.app, third, 'GET', '/api/v1/me/sessions', 200);
    expect(sessions.items).toHaveLength(2);
    expect(new Date(sessions.items[1].expiresAt).getTime() - clock.now().getTime()).toBe(2 * 3600_000);
    clock.advance(11 * 60_000);
    expect((await call(t.app, third, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });

  it('refuses session limits above the platform and checks If-Match', async () => {
    const res = await call(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/security-policy`, {
      body: { ...defaultSecurityPolicy, sessions: { idleMinutes: 10_000, absoluteHours: null, maxConcurrent: null } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('sessions.idleMinutes');
    const stale = await call(t.app, admin, 'PUT', `/api/v1/orgs/${orgId}/security-policy`, { body: defaultSecurityPolicy, headers: { 'if-match': '"v0"' } });
    expect(stale.statusCode).toBe(412);
  });

  it('gives Cedar policies the age of the second factor', async () => {
    const member = await newMember('org-admin');
    const text = 'forbid (principal, action == Hexaplane::Action::"workspace:create", resource) unless { context has mfaAgeSeconds && context.mfaAgeSeconds < 600 };';
    await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/policies`, 201, { body: { name: 'Recent MFA for new workspaces', text } });
    const create = (who: Session, slug: string) => call(t.app, who, 'POST', `/api/v1/orgs/${orgId}/workspaces`, { body: { name: slug, slug } });
    expect((await create(member, 'no-mfa')).statusCode).toBe(403);
    await enrolTotp(member);
    expect((await create(member, 'fresh-mfa')).statusCode).toBe(201);
    clock.advance(11 * 60_000);
    expect((await create(member, 'stale-mfa')).statusCode).toBe(403);
  });
});

describe('passkeys over the API', () => {
  it('registers a passkey, signs in with it, steps up with it, and refuses a replayed assertion', async () => {
    const member = await newMember();
    const passkey = softAuthenticator({ id: new URL(t.config.publicUrl).hostname, origin: new URL(t.config.publicUrl).origin });
    const options = await expectJson(t.app, member, 'POST', '/api/v1/me/mfa/webauthn/registration-options', 200);
    const registered = await expectJson(t.app, member, 'POST', '/api/v1/me/mfa/webauthn/registrations', 201, { body: { name: 'soft key', response: passkey.register(options.challenge) } });
    expect(registered.credential).toMatchObject({ id: passkey.id, name: 'soft key' });
    expect(registered.recoveryCodes).toHaveLength(10);
    // A registration options challenge is single use.
    expect((await call(t.app, member, 'POST', '/api/v1/me/mfa/webauthn/registrations', { body: { name: 'again', response: passkey.register(options.challenge) } })).statusCode).toBe(400);

    const challenge = (await passwordStep(member.email)).json();
    expect(challenge.methods).toEqual(['webauthn', 'recovery-code']);
    const assertion = passkey.assert(challenge.webauthnOptions.challenge);
    const ok = await mfaStep({ mfaToken: challenge.mfaToken, webauthn: assertion });
    expect(ok.statusCode, ok.body).toBe(200);
    const session = sessionFrom(ok, member.userId);

    clock.advance(20 * 60_000);
    const stepUpOptions = await expectJson(t.app, session, 'POST', '/api/v1/me/mfa/webauthn/authentication-options', 200);
    const stepUpAssertion = passkey.assert(stepUpOptions.challenge);
    const stepped = await expectJson(t.app, session, 'POST', '/api/v1/me/step-up', 200, { body: { webauthn: stepUpAssertion } });
    expect(stepped.mfaAt).toBe(clock.now().toISOString());
    expect((await call(t.app, session, 'POST', '/api/v1/me/step-up', { body: { webauthn: stepUpAssertion } })).statusCode).toBe(401);

    await expectJson(t.app, session, 'DELETE', `/api/v1/me/mfa/webauthn/${passkey.id}`, 204);
    expect((await expectJson(t.app, session, 'GET', '/api/v1/me/mfa', 200)).recoveryCodes.total).toBe(0);
  });
});
