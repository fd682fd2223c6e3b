import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type MfaTables = {
  mfa_totp: {
    user_id: string;
    secret_sealed: ColumnType<SealedSecret, string, string>;
    confirmed_at: NullableTimestamp;
    last_time_step: ColumnType<string | null, number | null | undefined, number | null>;
    created_at: Timestamp;
  };
  mfa_recovery_codes: { user_id: string; code_hash: string; used_at: NullableTimestamp; created_at: Timestamp };
  mfa_webauthn_credentials: {
    id: string;
    user_id: string;
    name: string;
    public_key: string;
    counter: ColumnType<string, number | undefined, number>;
    transports: ColumnType<string[], string | undefined, string>;
    device_type: string;
    backed_up: boolean;
    created_at: Timestamp;
    last_used_at: NullableTimestamp;
  };
  mfa_challenges: {
    id: string;
    user_id: string;
    purpose: 'registration' | 'authentication' | 'sign-in';
    token_hash: string | null;
    challenge: string | null;
    attempts: ColumnType<number, number | undefined, number>;
    ip: string | null;
    user_agent: string | null;
    expires_at: Timestamp;
  };
  org_security_policies: {
    org_id: string;
    policy: ColumnType<unknown, string, string>;
    version: ColumnType<number, number | undefined, number>;
    updated_at: Timestamp;
    updated_by: string;
  };
  sessions: { id: string; user_id: string; created_at: Timestamp; revoked_at: NullableTimestamp; expires_at: Timestamp; mfa_at: NullableTimestamp };
};

export type TotpRow = Selectable<MfaTables['mfa_totp']>;
export type CredentialRow = Selectable<MfaTables['mfa_webauthn_credentials']>;
export type ChallengeRow = Selectable<MfaTables['mfa_challenges']>;
export type PolicyRow = Selectable<MfaTables['org_security_policies']>;

function q(db: Queryable) {
  return db.withTables<MfaTables>();
}

// ---- TOTP ----

export async function findTotp(db: Queryable, userId: string) {
  return q(db).selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Locks the row, so two requests with the same code cannot both pass the replay check. */
export async function lockTotp(db: Queryable, userId: string) {
  return q(db).selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

/** Starts (or restarts) an enrolment; a confirmed TOTP is never replaced this way. */
export async function putPendingTotp(db: Queryable, userId: string, sealed: SealedSecret, at: Date): Promise<boolean> {
  const result = await q(db)
    .insertInto('mfa_totp')
    .values({ user_id: userId, secret_sealed: JSON.stringify(sealed), created_at: at })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_sealed: JSON.stringify(sealed), created_at: at }).where('mfa_totp.confirmed_at', 'is', null))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function acceptTotpStep(db: Queryable, userId: string, timeStep: number, confirmAt: Date | null) {
  const set = confirmAt ? { last_time_step: timeStep, confirmed_at: confirmAt } : { last_time_step: timeStep };
  await q(db).updateTable('mfa_totp').set(set).where('user_id', '=', userId).execute();
}

export async function deleteTotp(db: Queryable, userId: string): Promise<boolean> {
  const result = await q(db).deleteFrom('mfa_totp').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ---- recovery codes ----

export async function replaceRecoveryCodes(db: Queryable, userId: string, hashes: string[], at: Date) {
  await q(db).deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  if (hashes.length === 0) return;
  await q(db).insertInto('mfa_recovery_codes').values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: at }))).execute();
}

/** Spends a code: true once, false for an unknown or spent one (atomic, so never twice). */
export async function useRecoveryCode(db: Queryable, userId: string, hash: string, at: Date): Promise<boolean> {
  const result = await q(db)
    .updateTable('mfa_recovery_codes')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countRecoveryCodes(db: Queryable, userId: string): Promise<{ total: number; remaining: number }> {
  const row = await q(db)
    .selectFrom('mfa_recovery_codes')
    .select([sql<number>`count(*)::int`.as('total'), sql<number>`count(*) FILTER (WHERE used_at IS NULL)::int`.as('remaining')])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row;
}

// ---- WebAuthn credentials ----

export async function listCredentials(db: Queryable, userId: string) {
  return q(db).selectFrom('mfa_webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

export async function findCredential(db: Queryable, userId: string, id: string) {
  return q(db).selectFrom('mfa_webauthn_credentials').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

export async function insertCredential(
  db: Queryable,
  row: { id: string; user_id: string; name: string; public_key: string; counter: number; transports: string[]; device_type: string; backed_up: boolean; created_at: Date },
) {
  return q(db)
    .insertInto('mfa_webauthn_credentials')
    .values({ ...row, transports: JSON.stringify(row.transports) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function recordCredentialUse(db: Queryable, id: string, counter: number, at: Date) {
  await q(db).updateTable('mfa_webauthn_credentials').set({ counter, last_used_at: at }).where('id', '=', id).execute();
}

export async function deleteCredential(db: Queryable, userId: string, id: string) {
  return q(db).deleteFrom('mfa_webauthn_credentials').where('user_id', '=', userId).where('id', '=', id).returningAll().executeTakeFirst();
}

// ---- challenges and pending sign-ins ----

/** Stores a challenge, and drops the user's expired ones on the way (they pile up otherwise). */
export async function insertChallenge(db: Queryable, row: Omit<ChallengeRow, 'attempts'>, now: Date) {
  await q(db).deleteFrom('mfa_challenges').where('user_id', '=', row.user_id).where('expires_at', '<=', now).execute();
  await q(db).insertInto('mfa_challenges').values(row).execute();
}

/** Takes a live challenge out (single use): the row, or undefined when unknown or expired. */
export async function takeChallenge(db: Queryable, userId: string, purpose: 'registration' | 'authentication', challenge: string, now: Date) {
  return q(db)
    .deleteFrom('mfa_challenges')
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('challenge', '=', challenge)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

export async function lockPendingSignIn(db: Queryable, tokenHash: string) {
  return q(db).selectFrom('mfa_challenges').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', 'sign-in').forUpdate().executeTakeFirst();
}

export async function countAttempt(db: Queryable, id: string) {
  await q(db).updateTable('mfa_challenges').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', id).execute();
}

export async function deleteChallenge(db: Queryable, id: string) {
  await q(db).deleteFrom('mfa_challenges').where('id', '=', id).execute();
}

// ---- sessions (the MFA columns only) ----

export async function setSessionMfaAt(db: Queryable, sessionId: string, at: Date) {
  await q(db).updateTable('sessions').set({ mfa_at: at }).where('id', '=', sessionId).execute();
}

/** Ends the oldest live sessions beyond `keep`; the ids it ended. */
export async function endOldestSessions(db: Queryable, userId: string, keep: number, now: Date): Promise<string[]> {
  const live = await q(db)
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const ended = live.slice(keep).map((r) => r.id);
  if (ended.length > 0) await q(db).updateTable('sessions').set({ revoked_at: now }).where('id', 'in', ended).execute();
  return ended;
}

// ---- organization security policies ----

export async function findPolicy(db: Queryable, orgId: string) {
  return q(db).selectFrom('org_security_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export async function findPolicies(db: Queryable, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return q(db).selectFrom('org_security_policies').selectAll().where('org_id', 'in', orgIds).execute();
}

/** Writes the policy if its version is still `expected` (null: no row yet); the new row or undefined. */
export async function putPolicy(db: Queryable, orgId: string, policy: unknown, expected: number | null, at: Date, by: string) {
  const json = JSON.stringify(policy);
  if (expected === null) {
    return q(db)
      .insertInto('org_security_policies')
      .values({ org_id: orgId, policy: json, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('org_id').doNothing())
      .returningAll()
      .executeTakeFirst();
  }
  return q(db)
    .updateTable('org_security_policies')
    .set((eb) => ({ policy: json, updated_at: at, updated_by: by, version: eb('version', '+', 1) }))
    .where('org_id', '=', orgId)
    .where('version', '=', expected)
    .returningAll()
    .executeTakeFirst();
}
