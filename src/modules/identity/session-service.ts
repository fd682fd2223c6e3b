import type { FastifyRequest } from 'fastify';
import { newPrincipal, type Principal } from '../../kernel/authz.ts';
import { recordAudit, type AuditEntry } from '../../kernel/audit.ts';
import { decoyPasswordHash, hashPassword, randomToken, sha256Hex, verifyPassword } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Queryable, type Tx } from '../../kernel/db/index.ts';
import type { Authenticated } from '../../kernel/http/server.ts';
import { newId } from '../../kernel/ids.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import type { ModuleDeps } from '../deps.ts';
import type { UserSummary } from './contract.ts';
import { lockedUntilAfter, lockRemainingSeconds } from './lockout.ts';
import { passwordWeaknesses } from './passwords.ts';
import { strictestLockout, strictestPasswordMinLength, strictestSessionLimits, type SecurityPolicy } from './security-policy.ts';
import type { CurrentUser, MeView, SessionView } from './schemas.ts';
import { idleExpiresAt, sessionIsLive, sessionNeedsTouch, TOUCH_INTERVAL_MS } from './session-expiry.ts';
import { endOldestSessions } from './mfa-store.ts';
import * as store from './store.ts';

/** Where a request came from, for audit events written without an authenticated principal. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const identityProblems = {
  invalidCredentials: () =>
    new Problem(401, 'invalid-credentials', 'Invalid credentials', 'The e-mail address or password is not correct.'),
  locked: (retryAfter: number) =>
    new Problem(423, 'locked', 'Account locked', `Too many failed sign-ins: try again in ${retryAfter} s.`, { retryAfter }),
  suspended: () => new Problem(403, 'account-suspended', 'Account suspended', 'This account is suspended; ask an administrator.'),
  needsSession: () => problems.badRequest('no-session', 'This request needs a console session, not an API key.'),
};

export function userSummary(row: store.UserRow): UserSummary {
  return { id: row.id, email: row.email, displayName: row.display_name, status: row.status };
}

export function currentUser(row: store.UserRow): CurrentUser {
  return { id: row.id, email: row.email, displayName: row.display_name, platformAdmin: row.platform_admin };
}

/** Refuses a weak password with a field error naming the body field it came from. */
export function assertPasswordAcceptable(password: string, email: string, field: 'password' | 'newPassword'): void {
  const weaknesses = passwordWeaknesses(password, email);
  if (weaknesses.length > 0) throw problems.validation(weaknesses.map((message) => ({ field, message })));
}

function actorOf(user: store.UserRow, meta: RequestMeta, sessionId: string | null): Principal {
  return {
    kind: 'user',
    id: user.id,
    orgId: null,
    displayName: user.display_name,
    platformAdmin: user.platform_admin,
    sessionId,
    apiKeyId: null,
    ip: meta.ip,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    mfaAt: null,
  };
}

export type SessionService = ReturnType<typeof createSessionService>;

/** A password-accepted sign-in that still needs a second factor (ADR 0013). */
export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  methods: Array<'totp' | 'webauthn' | 'recovery-code'>;
  webauthnOptions: Record<string, unknown> | null;
  expiresAt: string;
}

/** What MFA and the organization security policies add to sign-in (wired in service.ts). */
export interface SignInPolicies {
  /** A challenge when the user must prove a second factor before getting a session. */
  secondFactor(user: store.UserRow, meta: RequestMeta): Promise<MfaChallenge | null>;
  /** The security policies of the user's organizations. */
  policiesOf(userId: string): Promise<SecurityPolicy[]>;
  /** The policies of the user's organizations (none for no user) and of this organization. */
  policiesFor(userId: string | null, orgId: string): Promise<SecurityPolicy[]>;
}

export interface SessionServiceOptions {
  /** Single sign-on's say on a password sign-in: a problem to refuse it with, or null. */
  passwordSignInRefusal?: (email: string, userId: string | null) => Promise<Problem | null>;
}

export function createSessionService(deps: ModuleDeps, policies?: SignInPolicies, options: SessionServiceOptions = {}) {
  const { db } = deps;
  // Read at call time, not captured: tests move the clock by replacing deps.clock.
  const now = () => deps.clock.now();
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);

  /**
   * Audit events belong to an organization, and a user's sign-in belongs to none, so it is
   * recorded in every organization the user is a member of (none: nothing to record).
   */
  async function orgIdsOf(user: store.UserRow): Promise<string[]> {
    return deps.services.tenancy.organizationsOfUser(user.id);
  }

  async function auditInOrgs(t: Queryable, orgIds: string[], actor: Principal, entry: Omit<AuditEntry, 'orgId'>) {
    for (const orgId of orgIds) await recordAudit(t, actor, { ...entry, orgId });
  }

  function accountTarget(user: store.UserRow) {
    return { type: 'user', id: user.id, name: user.email };
  }

  /** Counts a wrong password towards the lockout, and records the attempt. */
  async function recordFailedAttempt(user: store.UserRow, meta: RequestMeta, action: string, reason: string) {
    const orgIds = await orgIdsOf(user);
    await tx(async (t) => {
      const row = await store.lockUser(t, user.id);
      if (!row) return;
      const failures = row.failed_logins + 1;
      const lockedUntil = lockedUntilAfter(failures, now(), strictestLockout((await policies?.policiesOf(user.id)) ?? []));
      await store.setSignInFailures(t, user.id, failures, lockedUntil ?? row.locked_until);
      const why = lockedUntil ? `${reason}; account locked until ${lockedUntil.toISOString()}` : reason;
      await auditInOrgs(t, orgIds, actorOf(user, meta, null), { action, target: accountTarget(user), outcome: 'failed', reason: why });
    });
  }

  async function recordRefusedAttempt(user: store.UserRow, meta: RequestMeta, action: string, reason: string) {
    const orgIds = await orgIdsOf(user);
    if (orgIds.length === 0) return;
    await tx((t) => auditInOrgs(t, orgIds, actorOf(user, meta, null), { action, target: accountTarget(user), outcome: 'failed', reason }));
  }

  /** Throws 423 while the account is locked; the attempt itself is recorded. */
  async function refuseIfLocked(user: store.UserRow, meta: RequestMeta, action: string) {
    const retryAfter = lockRemainingSeconds(user.locked_until, now());
    if (retryAfter > 0) {
      await recordRefusedAttempt(user, meta, action, 'account locked');
      throw identityProblems.locked(retryAfter);
    }
  }

  async function requireSessionUser(p: Principal): Promise<store.UserRow> {
    if (p.kind !== 'user' || !p.sessionId) throw identityProblems.needsSession();
    const user = await store.findUser(db, p.id);
    if (!user) throw problems.unauthenticated();
    return user;
  }

  /**
   * Starts a session for a user who proved who they are: its limits are the strictest of the
   * user's organizations (within the platform's), and the oldest sessions beyond the
   * organizations' maximum end. `mfa` says which second factor was proved, if any.
   */
  async function issueSession(user: store.UserRow, meta: RequestMeta, mfa: { method: string } | null) {
    const orgIds = await orgIdsOf(user);
    const userPolicies = (await policies?.policiesOf(user.id)) ?? [];
    const opened = await tx(async (t) => {
      if (user.failed_logins > 0 || user.locked_until) await store.setSignInFailures(t, user.id, 0, null);
      const started = await startSession(deps, t, user, meta, { via: 'password', mfaAt: mfa ? now() : null, policies: userPolicies });
      await auditInOrgs(t, orgIds, actorOf(user, meta, started.sessionId), {
        action: 'session:create',
        target: accountTarget(user),
        after: { sessionId: started.sessionId, expiresAt: iso(started.expiresAt), ...(mfa ? { mfa: mfa.method } : {}), ...(started.endedSessions.length ? { endedSessions: started.endedSessions } : {}) },
      });
      return started;
    });
    return { user: currentUser(user), sessionId: opened.sessionId, token: opened.token, csrfToken: opened.csrfToken, expiresAt: opened.expiresAt };
  }

  function sessionView(row: store.SessionRow, currentSessionId: string | null): SessionView {
    return {
      id: row.id,
      createdAt: iso(row.created_at),
      lastSeenAt: iso(row.last_seen_at),
      expiresAt: iso(row.expires_at),
      idleExpiresAt: iso(idleExpiresAt(new Date(row.last_seen_at), row.idle_minutes ?? deps.config.sessionIdleMinutes)),
      ip: row.ip,
      userAgent: row.user_agent,
      current: row.id === currentSessionId,
    };
  }

  return {
    issueSession,
    recordFailedAttempt,
    refuseIfLocked,
    requireSessionUser,

    // ---- users ----

    async findUsers(ids: string[]): Promise<UserSummary[]> {
      return (await store.findUsers(db, [...new Set(ids)])).map(userSummary);
    },

    async findUserByEmail(email: string): Promise<UserSummary | undefined> {
      const row = await store.findUserByEmail(db, email);
      return row ? userSummary(row) : undefined;
    },

    async createLocalUser(t: Tx, input: { email: string; displayName: string; password: string; orgId?: string }): Promise<UserSummary> {
      assertPasswordAcceptable(input.password, input.email, 'password');
      if (input.orgId) {
        const minLength = strictestPasswordMinLength((await policies?.policiesFor(null, input.orgId)) ?? []);
        if ([...input.password.normalize('NFKC')].length < minLength) {
          throw problems.validation([{ field: 'password', message: `must be at least ${minLength} characters (the organization's policy)` }]);
        }
      }
      const passwordHash = await hashPassword(input.password);
      try {
        const row = await store.insertUser(t, {
          id: newId('user'),
          email: input.email.trim(),
          display_name: input.displayName,
          password_hash: passwordHash,
          platform_admin: false,
          password_changed_at: now(),
        });
        return userSummary(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw problems.conflict('email-taken', `An account for ${input.email} exists.`, 'email');
        throw error;
      }
    },

    // ---- sign-in and sessions ----

    /**
     * Unknown e-mail, no password, wrong password: the same 401, after the same scrypt work
     * (against a decoy hash when there is no user), so the answer does not tell them apart.
     */
    async signIn(input: { email: string; password: string }, meta: RequestMeta) {
      const user = await store.findUserByEmail(db, input.email);
      const refusal = await options.passwordSignInRefusal?.(input.email, user?.id ?? null);
      if (refusal) {
        if (user) await recordRefusedAttempt(user, meta, 'session:create', 'single sign-on is enforced for this domain');
        throw refusal;
      }
      if (user) await refuseIfLocked(user, meta, 'session:create');
      const matches = await verifyPassword(input.password, user?.password_hash ?? decoyPasswordHash);
      if (!user || !user.password_hash || !matches) {
        if (user) await recordFailedAttempt(user, meta, 'session:create', 'wrong password');
        throw identityProblems.invalidCredentials();
      }
      if (user.status !== 'active') {
        await recordRefusedAttempt(user, meta, 'session:create', 'account suspended');
        throw identityProblems.suspended();
      }
      const challenge = await policies?.secondFactor(user, meta);
      if (challenge) return challenge;
      return issueSession(user, meta, null);
    },

    /** The session port half: a cookie token to a principal, or null. */
    async authenticateSession(token: string, request: FastifyRequest): Promise<Authenticated | null> {
      if (!SESSION_TOKEN.test(token)) return null;
      const row = await store.findSessionByTokenHash(db, sha256Hex(token));
      if (!row || row.status !== 'active') return null;
      const at = now();
      const lastSeenAt = new Date(row.last_seen_at);
      const times = { expiresAt: new Date(row.expires_at), lastSeenAt, revokedAt: row.revoked_at ? new Date(row.revoked_at) : null };
      if (!sessionIsLive(times, at, row.idle_minutes ?? deps.config.sessionIdleMinutes)) return null;
      if (sessionNeedsTouch(lastSeenAt, at)) {
        await store.touchSession(db, row.id, at, new Date(at.getTime() - TOUCH_INTERVAL_MS));
      }
      return {
        principal: {
          kind: 'user',
          id: row.user_id,
          orgId: null,
          displayName: row.display_name,
          platformAdmin: row.platform_admin,
          sessionId: row.id,
          apiKeyId: null,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          requestId: request.id,
          mfaAt: row.mfa_at ? new Date(row.mfa_at) : null,
        },
        via: 'session',
        csrfToken: row.csrf_token,
      };
    },

    async signOut(p: Principal) {
      const user = await requireSessionUser(p);
      const orgIds = await orgIdsOf(user);
      await tx(async (t) => {
        const row = await store.revokeSession(t, user.id, p.sessionId!, now());
        if (!row) return;
        await auditInOrgs(t, orgIds, p, { action: 'session:delete', target: accountTarget(user), before: { sessionId: row.id } });
      });
    },

    async me(auth: Authenticated): Promise<MeView> {
      const p = auth.principal;
      let user: CurrentUser | null = null;
      if (p.kind === 'user') {
        const row = await store.findUser(db, p.id);
        if (!row) throw problems.unauthenticated();
        user = currentUser(row);
      }
      const apiKey = p.kind === 'apiKey' && p.orgId ? { id: p.id, orgId: p.orgId, name: p.displayName } : null;
      return { user, apiKey, sessionId: p.sessionId, csrfToken: auth.csrfToken ?? null, authenticatedVia: auth.via };
    },

    async listMySessions(p: Principal, page: PageQuery): Promise<Page<SessionView>> {
      const user = await requireSessionUser(p);
      const at = now();
      const idleSince = new Date(at.getTime() - deps.config.sessionIdleMinutes * 60_000);
      const rows = await store.listLiveSessions(db, user.id, at, idleSince, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      // A session may have a shorter idle limit of its own (organization policy, ADR 0013).
      const live = result.items.filter((r) => r.idle_minutes === null || new Date(r.last_seen_at).getTime() > at.getTime() - r.idle_minutes * 60_000);
      return { items: live.map((r) => sessionView(r, p.sessionId)), nextCursor: result.nextCursor };
    },

    async revokeMySession(p: Principal, sessionId: string) {
      const user = await requireSessionUser(p);
      const orgIds = await orgIdsOf(user);
      await tx(async (t) => {
        const row = await store.revokeSession(t, user.id, sessionId, now());
        if (!row) throw problems.notFound('session', sessionId);
        await auditInOrgs(t, orgIds, p, { action: 'session:revoke', target: accountTarget(user), before: { sessionId } });
      });
    },

    /** Changing the password ends every other session of the user: a thief's cookie dies with it. */
    async changePassword(p: Principal, input: { currentPassword: string; newPassword: string }, meta: RequestMeta) {
      const user = await requireSessionUser(p);
      await refuseIfLocked(user, meta, 'password:update');
      if (!user.password_hash || !(await verifyPassword(input.currentPassword, user.password_hash))) {
        await recordFailedAttempt(user, meta, 'password:update', 'wrong current password');
        throw problems.badRequest('wrong-password', 'This is not your current password.', 'currentPassword');
      }
      assertPasswordAcceptable(input.newPassword, user.email, 'newPassword');
      const minLength = strictestPasswordMinLength((await policies?.policiesOf(user.id)) ?? []);
      if ([...input.newPassword.normalize('NFKC')].length < minLength) {
        throw problems.validation([{ field: 'newPassword', message: `must be at least ${minLength} characters (your organization's policy)` }]);
      }
      if (await verifyPassword(input.newPassword, user.password_hash)) {
        throw problems.validation([{ field: 'newPassword', message: 'must differ from your current password' }]);
      }
      const passwordHash = await hashPassword(input.newPassword);
      const orgIds = await orgIdsOf(user);
      await tx(async (t) => {
        await store.setPassword(t, user.id, passwordHash, now());
        const ended = await store.revokeOtherSessions(t, user.id, p.sessionId, now());
        await auditInOrgs(t, orgIds, p, { action: 'password:update', target: accountTarget(user), after: { otherSessionsEnded: ended } });
      });
    },
  };
}

/**
 * The one way a session starts, whether the user proved who they are with a password (and
 * perhaps a second factor) or through single sign-on: in the caller's transaction, with the
 * limits of the strictest of `policies` (the user's organizations' security policies) within
 * the platform's — absolute and idle timeouts — and the oldest live sessions beyond their
 * maximum ended. The caller writes the audit event. The cookie token is returned once.
 */
export async function startSession(
  deps: ModuleDeps,
  t: Tx,
  user: store.UserRow,
  meta: RequestMeta,
  options: { via: 'password' | 'sso'; mfaAt: Date | null; policies: readonly SecurityPolicy[] },
): Promise<{ sessionId: string; token: string; csrfToken: string; expiresAt: Date; endedSessions: string[] }> {
  const limits = strictestSessionLimits(options.policies, { idleMinutes: deps.config.sessionIdleMinutes, absoluteHours: deps.config.sessionAbsoluteHours });
  const token = randomToken(32);
  const csrfToken = randomToken(32);
  const at = deps.clock.now();
  const row = await store.insertSession(t, {
    id: newId('session'),
    user_id: user.id,
    token_hash: sha256Hex(token),
    csrf_token: csrfToken,
    created_at: at,
    last_seen_at: at,
    expires_at: new Date(at.getTime() + limits.absoluteHours * 3600_000),
    ip: meta.ip,
    user_agent: meta.userAgent,
    mfa_at: options.mfaAt,
    // Null means the platform's idle limit (read at authentication, so a config change applies).
    idle_minutes: limits.idleMinutes === deps.config.sessionIdleMinutes ? null : limits.idleMinutes,
    authenticated_via: options.via,
  });
  const endedSessions = limits.maxConcurrent === null ? [] : await endOldestSessions(t, user.id, limits.maxConcurrent, at);
  return { sessionId: row.id, token, csrfToken, expiresAt: new Date(row.expires_at), endedSessions };
}

/**
 * Creates the platform administrator on first start: with the configured password, or a
 * generated one that is returned (to be shown once). Later starts change nothing, above all
 * not the password; they only make sure the configured account is still an administrator.
 */
export async function bootstrapAdministrator(deps: ModuleDeps): Promise<{ userId: string; email: string; generatedPassword: string | null }> {
  const email = deps.config.bootstrapAdminEmail;
  const existing = await store.findUserByEmail(deps.db, email);
  if (existing) {
    if (!existing.platform_admin) {
      await store.setPlatformAdmin(deps.db, existing.id);
      deps.log.warn({ userId: existing.id }, 'the configured bootstrap administrator was not a platform administrator; it is now');
    }
    return { userId: existing.id, email: existing.email, generatedPassword: null };
  }
  const configured = deps.config.bootstrapAdminPassword;
  if (configured !== undefined) {
    const weaknesses = passwordWeaknesses(configured, email);
    if (weaknesses.length > 0) throw new Error(`the bootstrap administrator password ${weaknesses.join(', ')}`);
  }
  const password = configured ?? generatePassword(email);
  const inserted = await store.insertUserIfAbsent(deps.db, {
    id: newId('user'),
    email,
    display_name: 'Administrator',
    password_hash: await hashPassword(password),
    platform_admin: true,
    password_changed_at: deps.clock.now(),
  });
  if (!inserted) {
    // Another replica created it between our read and our insert.
    const winner = await store.findUserByEmail(deps.db, email);
    if (!winner) throw new Error('bootstrap administrator vanished while being created');
    return { userId: winner.id, email: winner.email, generatedPassword: null };
  }
  deps.log.info({ userId: inserted.id, email }, 'bootstrap administrator created');
  return { userId: inserted.id, email: inserted.email, generatedPassword: configured === undefined ? password : null };
}

function generatePassword(email: string): string {
  for (;;) {
    const candidate = randomToken(18);
    if (passwordWeaknesses(candidate, email).length === 0) return candidate;
  }
}

/**
 * Break-glass for operators with shell access to the installation (`hexaplane admin
 * reset-password`): sets a generated password, clears the lockout and ends the user's
 * sessions. It is written to the audit log of every organization the user belongs to.
 */
export async function resetPasswordByOperator(deps: ModuleDeps, email: string): Promise<{ userId: string; password: string }> {
  const user = await store.findUserByEmail(deps.db, email.toLowerCase());
  if (!user) throw new Error(`no user with e-mail ${email}`);
  const password = generatePassword(user.email);
  const passwordHash = await hashPassword(password);
  const orgIds = await deps.services.tenancy.organizationsOfUser(user.id);
  const operator = newPrincipal({ kind: 'system', id: 'operator', displayName: 'Operator (hexaplane admin)', userAgent: 'hexaplane admin reset-password' });
  await deps.db.transaction().execute(async (t) => {
    await store.setPassword(t, user.id, passwordHash, deps.clock.now());
    await store.setSignInFailures(t, user.id, 0, null);
    await store.revokeOtherSessions(t, user.id, null, deps.clock.now());
    for (const orgId of orgIds) {
      await recordAudit(t, { ...operator, orgId }, { action: 'user:reset-password', orgId, target: { type: 'user', id: user.id, name: user.email } });
    }
  });
  return { userId: user.id, password };
}
