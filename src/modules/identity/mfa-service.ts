import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import QRCode from 'qrcode';
import { newPrincipal, type Principal } from '../../kernel/authz.ts';
import { recordAudit, type AuditEntry } from '../../kernel/audit.ts';
import { openSecret, randomToken, sealSecret, sha256Hex, type SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable, Tx } from '../../kernel/db/index.ts';
import { newId } from '../../kernel/ids.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import { hashRecoveryCode, newRecoveryCodes } from './mfa-recovery-codes.ts';
import type { FactorInput, MfaStatusView, WebauthnCredentialView } from './mfa-schemas.ts';
import * as mfaStore from './mfa-store.ts';
import { acceptTotp, newTotpSecret, totpUri } from './mfa-totp.ts';
import { authenticationOptions, registrationOptions, relyingPartyOf, verifyAssertion, verifyRegistration, type StoredCredential } from './mfa-webauthn.ts';
import { iso, type MfaChallenge, type RequestMeta, type SessionService } from './session-service.ts';
import { DEFAULT_STEP_UP_MINUTES } from './security-policy.ts';
import * as store from './store.ts';

const SIGN_IN_TTL_MS = 5 * 60_000;
const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_SIGN_IN_ATTEMPTS = 5;

export const mfaProblems = {
  tokenInvalid: () => new Problem(401, 'mfa-token-invalid', 'Sign in again', 'The MFA step expired or was used up: sign in with your password again.'),
  factorInvalid: () => new Problem(401, 'mfa-invalid', 'Wrong second factor', 'The code or passkey was not accepted.'),
  alreadyEnrolled: () => problems.conflict('totp-already-enrolled', 'You already use an authenticator app; remove it first to enrol another.'),
  noPendingTotp: () => problems.conflict('no-totp-enrolment', 'Start the enrolment first (POST /api/v1/me/mfa/totp).'),
  noFactor: () => problems.conflict('no-mfa-factor', 'Enrol an authenticator app or a passkey first.'),
  stepUpRequired: () =>
    new Problem(403, 'step-up-required', 'Verify a second factor', `Changing your factors needs a second factor proved in the last ${DEFAULT_STEP_UP_MINUTES} minutes: POST /api/v1/me/step-up.`, {
      maxAgeSeconds: DEFAULT_STEP_UP_MINUTES * 60,
    }),
};

type Method = 'totp' | 'webauthn' | 'recovery-code';

export type MfaService = ReturnType<typeof createMfaService>;

/** TOTP, passkeys and recovery codes: enrolment, the sign-in step, and step-up (ADR 0013). */
export function createMfaService(deps: ModuleDeps, sessions: SessionService, policy: { mfaRequiredBy(userId: string): Promise<string[]> }) {
  const { db } = deps;
  const now = () => deps.clock.now();
  const rp = relyingPartyOf(deps.config.publicUrl);
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);

  async function auditInOrgs(t: Queryable, userId: string, actor: Principal, entry: Omit<AuditEntry, 'orgId'>) {
    for (const orgId of await deps.services.tenancy.organizationsOfUser(userId)) await recordAudit(t, actor, { ...entry, orgId });
  }

  const target = (user: store.UserRow) => ({ type: 'user', id: user.id, name: user.email });
  const secretAad = (userId: string) => `mfa-totp:${userId}`;
  const stored = (row: mfaStore.CredentialRow): StoredCredential => ({ id: row.id, publicKey: row.public_key, counter: Number(row.counter), transports: row.transports });
  const credentialView = (row: mfaStore.CredentialRow): WebauthnCredentialView => ({
    id: row.id,
    name: row.name,
    createdAt: iso(row.created_at),
    lastUsedAt: row.last_used_at ? iso(row.last_used_at) : null,
    backedUp: row.backed_up,
  });

  async function methodsOf(userId: string): Promise<{ totp: boolean; credentials: mfaStore.CredentialRow[] }> {
    const [totp, credentials] = await Promise.all([mfaStore.findTotp(db, userId), mfaStore.listCredentials(db, userId)]);
    return { totp: Boolean(totp?.confirmed_at), credentials };
  }

  async function hasFactors(userId: string): Promise<boolean> {
    const m = await methodsOf(userId);
    return m.totp || m.credentials.length > 0;
  }

  /** Adding or removing a factor, once you have one, needs a recent proof of one. */
  async function requireRecentFactor(p: Principal, userId: string) {
    if (!(await hasFactors(userId))) return;
    const age = p.mfaAt ? now().getTime() - p.mfaAt.getTime() : Infinity;
    if (age > DEFAULT_STEP_UP_MINUTES * 60_000) throw mfaProblems.stepUpRequired();
  }

  /** Recovery codes come with the first factor; later factors keep the codes you have. */
  async function issueRecoveryCodesIfNone(t: Tx, userId: string): Promise<string[] | null> {
    const { total } = await mfaStore.countRecoveryCodes(t, userId);
    if (total > 0) return null;
    const codes = newRecoveryCodes();
    await mfaStore.replaceRecoveryCodes(t, userId, codes.map(hashRecoveryCode), now());
    return codes;
  }

  async function webauthnOptionsFor(credentials: mfaStore.CredentialRow[]) {
    const options = await authenticationOptions(rp, credentials.map(stored));
    return { options, challenge: options.challenge };
  }

  /**
   * Checks one factor of a user, in the caller's transaction: the method it proved, or null.
   * A passkey's challenge comes from the pending sign-in, or from a stored step-up challenge.
   */
  async function verifyFactor(t: Tx, user: store.UserRow, input: FactorInput, signInChallenge: string | null): Promise<Method | null> {
    if (input.totp !== undefined) {
      const totp = await mfaStore.lockTotp(t, user.id);
      if (!totp?.confirmed_at) return null;
      const secret = await openSecret(deps.keys, totp.secret_sealed, secretAad(user.id));
      const step = await acceptTotp(secret, input.totp, now(), totp.last_time_step === null ? null : Number(totp.last_time_step));
      if (step === null) return null;
      await mfaStore.acceptTotpStep(t, user.id, step, null);
      return 'totp';
    }
    if (input.recoveryCode !== undefined) {
      return (await mfaStore.useRecoveryCode(t, user.id, hashRecoveryCode(input.recoveryCode), now())) ? 'recovery-code' : null;
    }
    if (input.webauthn !== undefined) {
      const credential = await mfaStore.findCredential(t, user.id, input.webauthn.id);
      if (!credential) return null;
      const expected = signInChallenge ?? (async (c: string) => Boolean(await mfaStore.takeChallenge(t, user.id, 'authentication', c, now())));
      const counter = await verifyAssertion(rp, input.webauthn as unknown as AuthenticationResponseJSON, expected, stored(credential));
      if (counter === null) return null;
      await mfaStore.recordCredentialUse(t, credential.id, counter, now());
      return 'webauthn';
    }
    return null;
  }

  async function requireUser(p: Principal) {
    return sessions.requireSessionUser(p);
  }

  return {
    hasFactors,

    /** The sign-in hook: a challenge when the user has a factor (session-service calls it). */
    async secondFactor(user: store.UserRow, meta: RequestMeta): Promise<MfaChallenge | null> {
      const { totp, credentials } = await methodsOf(user.id);
      if (!totp && credentials.length === 0) return null;
      const mfaToken = randomToken(32);
      const expiresAt = new Date(now().getTime() + SIGN_IN_TTL_MS);
      const webauthn = credentials.length > 0 ? await webauthnOptionsFor(credentials) : null;
      await mfaStore.insertChallenge(
        db,
        { id: newId('mfaChallenge'), user_id: user.id, purpose: 'sign-in', token_hash: sha256Hex(mfaToken), challenge: webauthn?.challenge ?? null, ip: meta.ip, user_agent: meta.userAgent, expires_at: expiresAt },
        now(),
      );
      const methods: Method[] = [...(totp ? (['totp'] as const) : []), ...(credentials.length ? (['webauthn'] as const) : []), 'recovery-code'];
      return { mfaRequired: true, mfaToken, methods, webauthnOptions: (webauthn?.options as unknown as Record<string, unknown>) ?? null, expiresAt: expiresAt.toISOString() };
    },

    /** Completes a password-accepted sign-in with one factor; wrong factors count towards the lockout. */
    async completeSignIn(input: FactorInput & { mfaToken: string }, meta: RequestMeta) {
      const pending = await mfaStore.lockPendingSignIn(db, sha256Hex(input.mfaToken));
      if (!pending || new Date(pending.expires_at) <= now() || pending.attempts >= MAX_SIGN_IN_ATTEMPTS) throw mfaProblems.tokenInvalid();
      const user = await store.findUser(db, pending.user_id);
      if (!user || user.status !== 'active') throw mfaProblems.tokenInvalid();
      await sessions.refuseIfLocked(user, meta, 'session:create');
      const method = await tx(async (t) => {
        const locked = await mfaStore.lockPendingSignIn(t, pending.token_hash!);
        if (!locked) return null;
        const proved = await verifyFactor(t, user, input, locked.challenge);
        if (proved) await mfaStore.deleteChallenge(t, locked.id);
        return proved;
      });
      if (!method) {
        await mfaStore.countAttempt(db, pending.id);
        await sessions.recordFailedAttempt(user, meta, 'session:create', 'wrong second factor');
        throw mfaProblems.factorInvalid();
      }
      return sessions.issueSession(user, meta, { method });
    },

    /** Proves a factor again in this session, for actions that need a recent one. */
    async stepUp(p: Principal, input: FactorInput, meta: RequestMeta) {
      const user = await requireUser(p);
      await sessions.refuseIfLocked(user, meta, 'session:step-up');
      const at = now();
      const method = await tx(async (t) => {
        const proved = await verifyFactor(t, user, input, null);
        if (!proved) return null;
        await mfaStore.setSessionMfaAt(t, p.sessionId!, at);
        await auditInOrgs(t, user.id, p, { action: 'session:step-up', target: target(user), after: { method: proved } });
        return proved;
      });
      if (!method) {
        await sessions.recordFailedAttempt(user, meta, 'session:step-up', 'wrong second factor');
        throw mfaProblems.factorInvalid();
      }
      return { mfaAt: at.toISOString() };
    },

    async mfaStatus(p: Principal): Promise<MfaStatusView> {
      const user = await requireUser(p);
      const [totp, credentials, codes, requiredBy] = await Promise.all([
        mfaStore.findTotp(db, user.id),
        mfaStore.listCredentials(db, user.id),
        mfaStore.countRecoveryCodes(db, user.id),
        policy.mfaRequiredBy(user.id),
      ]);
      return {
        totp: { enrolled: Boolean(totp?.confirmed_at), confirmedAt: totp?.confirmed_at ? iso(totp.confirmed_at) : null },
        webauthn: credentials.map(credentialView),
        recoveryCodes: codes,
        mfaAt: p.mfaAt ? p.mfaAt.toISOString() : null,
        requiredBy,
      };
    },

    /** Starts TOTP enrolment: a new secret, sealed at rest, that counts only once confirmed. */
    async startTotp(p: Principal) {
      const user = await requireUser(p);
      await requireRecentFactor(p, user.id);
      const secret = newTotpSecret();
      const sealed: SealedSecret = await sealSecret(deps.keys, secret, secretAad(user.id));
      if (!(await mfaStore.putPendingTotp(db, user.id, sealed, now()))) throw mfaProblems.alreadyEnrolled();
      const otpauthUri = totpUri(secret, user.email);
      return { secret, otpauthUri, qrCodeDataUrl: await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 240 }) };
    },

    async confirmTotp(p: Principal, code: string) {
      const user = await requireUser(p);
      const at = now();
      return tx(async (t) => {
        const totp = await mfaStore.lockTotp(t, user.id);
        if (!totp) throw mfaProblems.noPendingTotp();
        if (totp.confirmed_at) throw mfaProblems.alreadyEnrolled();
        const secret = await openSecret(deps.keys, totp.secret_sealed, secretAad(user.id));
        const step = await acceptTotp(secret, code, at, null);
        if (step === null) throw problems.badRequest('mfa-invalid', 'This code is not the current one of your authenticator app.', 'code');
        await mfaStore.acceptTotpStep(t, user.id, step, at);
        const recoveryCodes = await issueRecoveryCodesIfNone(t, user.id);
        // Confirming proved the factor: this session counts as MFA-verified from now.
        await mfaStore.setSessionMfaAt(t, p.sessionId!, at);
        await auditInOrgs(t, user.id, p, { action: 'mfa:enroll', target: target(user), after: { method: 'totp', recoveryCodesIssued: recoveryCodes !== null } });
        return { recoveryCodes };
      });
    },

    async removeTotp(p: Principal) {
      const user = await requireUser(p);
      await requireRecentFactor(p, user.id);
      await tx(async (t) => {
        if (!(await mfaStore.deleteTotp(t, user.id))) throw problems.notFound('TOTP enrolment');
        if (!(await hasFactorsIn(t, user.id))) await mfaStore.replaceRecoveryCodes(t, user.id, [], now());
        await auditInOrgs(t, user.id, p, { action: 'mfa:remove', target: target(user), before: { method: 'totp' } });
      });
    },

    async webauthnRegistrationOptions(p: Principal) {
      const user = await requireUser(p);
      await requireRecentFactor(p, user.id);
      const existing = await mfaStore.listCredentials(db, user.id);
      const options = await registrationOptions(rp, { id: user.id, email: user.email, displayName: user.display_name }, existing.map(stored));
      await mfaStore.insertChallenge(
        db,
        { id: newId('mfaChallenge'), user_id: user.id, purpose: 'registration', token_hash: null, challenge: options.challenge, ip: p.ip, user_agent: p.userAgent, expires_at: new Date(now().getTime() + CHALLENGE_TTL_MS) },
        now(),
      );
      return options as unknown as Record<string, unknown>;
    },

    async registerWebauthn(p: Principal, input: { name: string; response: unknown }) {
      const user = await requireUser(p);
      await requireRecentFactor(p, user.id);
      const at = now();
      return tx(async (t) => {
        const verified = await verifyRegistration(rp, input.response, async (c) => Boolean(await mfaStore.takeChallenge(t, user.id, 'registration', c, at)));
        if (!verified) throw problems.badRequest('webauthn-invalid', 'The passkey registration did not verify (expired challenge, wrong origin or a bad signature).', 'response');
        if (await mfaStore.findCredential(t, user.id, verified.id)) throw problems.conflict('webauthn-exists', 'This passkey is registered already.', 'response');
        const row = await mfaStore.insertCredential(t, {
          id: verified.id,
          user_id: user.id,
          name: input.name,
          public_key: verified.publicKey,
          counter: verified.counter,
          transports: verified.transports,
          device_type: verified.deviceType,
          backed_up: verified.backedUp,
          created_at: at,
        });
        const recoveryCodes = await issueRecoveryCodesIfNone(t, user.id);
        await mfaStore.setSessionMfaAt(t, p.sessionId!, at);
        await auditInOrgs(t, user.id, p, { action: 'mfa:enroll', target: target(user), after: { method: 'webauthn', credentialId: row.id, name: row.name } });
        return { credential: credentialView(row), recoveryCodes };
      });
    },

    async removeWebauthn(p: Principal, credentialId: string) {
      const user = await requireUser(p);
      await requireRecentFactor(p, user.id);
      await tx(async (t) => {
        const row = await mfaStore.deleteCredential(t, user.id, credentialId);
        if (!row) throw problems.notFound('passkey', credentialId);
        if (!(await hasFactorsIn(t, user.id))) await mfaStore.replaceRecoveryCodes(t, user.id, [], now());
        await auditInOrgs(t, user.id, p, { action: 'mfa:remove', target: target(user), before: { method: 'webauthn', credentialId: row.id, name: row.name } });
      });
    },

    /** Options for a passkey step-up (the challenge is kept server-side for 5 minutes). */
    async webauthnAuthenticationOptions(p: Principal) {
      const user = await requireUser(p);
      const credentials = await mfaStore.listCredentials(db, user.id);
      if (credentials.length === 0) throw mfaProblems.noFactor();
      const { options, challenge } = await webauthnOptionsFor(credentials);
      await mfaStore.insertChallenge(
        db,
        { id: newId('mfaChallenge'), user_id: user.id, purpose: 'authentication', token_hash: null, challenge, ip: p.ip, user_agent: p.userAgent, expires_at: new Date(now().getTime() + CHALLENGE_TTL_MS) },
        now(),
      );
      return options as unknown as Record<string, unknown>;
    },

    /** New recovery codes; the old ones stop working. */
    async regenerateRecoveryCodes(p: Principal) {
      const user = await requireUser(p);
      if (!(await hasFactors(user.id))) throw mfaProblems.noFactor();
      await requireRecentFactor(p, user.id);
      const codes = newRecoveryCodes();
      await tx(async (t) => {
        await mfaStore.replaceRecoveryCodes(t, user.id, codes.map(hashRecoveryCode), now());
        await auditInOrgs(t, user.id, p, { action: 'mfa:regenerate-codes', target: target(user), after: { count: codes.length } });
      });
      return { recoveryCodes: codes };
    },
  };

  async function hasFactorsIn(t: Queryable, userId: string): Promise<boolean> {
    const [totp, credentials] = await Promise.all([mfaStore.findTotp(t, userId), mfaStore.listCredentials(t, userId)]);
    return Boolean(totp?.confirmed_at) || credentials.length > 0;
  }
}

/**
 * Break-glass for operators (`hexaplane admin reset-mfa`): removes a user's authenticator app,
 * passkeys and recovery codes, recorded in every organization of the user.
 */
export async function resetMfaByOperator(deps: ModuleDeps, email: string): Promise<string[]> {
  const user = await store.findUserByEmail(deps.db, email);
  if (!user) throw new Error(`no user with e-mail ${email}`);
  const orgIds = await deps.services.tenancy.organizationsOfUser(user.id);
  const operator = newPrincipal({ kind: 'system', id: 'operator', displayName: 'Operator (hexaplane admin)', userAgent: 'hexaplane admin reset-mfa' });
  return deps.db.transaction().execute(async (t) => {
    const removed: string[] = [];
    if (await mfaStore.deleteTotp(t, user.id)) removed.push('authenticator app');
    for (const c of await mfaStore.listCredentials(t, user.id)) {
      await mfaStore.deleteCredential(t, user.id, c.id);
      removed.push(`passkey "${c.name}"`);
    }
    await mfaStore.replaceRecoveryCodes(t, user.id, [], deps.clock.now());
    for (const orgId of orgIds) {
      await recordAudit(t, { ...operator, orgId }, { action: 'mfa:remove', orgId, target: { type: 'user', id: user.id, name: user.email }, before: { removed } });
    }
    return removed;
  });
}
