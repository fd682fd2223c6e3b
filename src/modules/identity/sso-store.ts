import type { ColumnType, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SealedSecret } from '../../kernel/crypto.ts';
import type { Queryable } from '../../kernel/db/index.ts';
import type { ClaimNames, Mapping } from './sso-claims.ts';
import type { SamlSettings } from './sso-saml.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;

export interface OidcSettings {
  discoveryUrl: string;
  tenantId: string | null;
  clientId: string;
  scopes: string[];
  claims: ClaimNames;
}

/** One SP encryption key of a SAML connection; the private key is sealed to (connection, key id). */
export interface SpEncryptionKey {
  id: string;
  certificate: string;
  fingerprint: string;
  privateKeySealed: SealedSecret;
  createdAt: string;
  notAfter: string;
}

export type SsoTables = {
  sso_connections: {
    id: string;
    org_id: string;
    name: string;
    kind: 'oidc' | 'saml';
    preset: 'okta' | 'entra' | 'google' | 'generic';
    enabled: ColumnType<boolean, boolean | undefined, boolean>;
    settings: Json<{ oidc?: OidcSettings; saml?: SamlSettings }>;
    client_secret_sealed: Json<SealedSecret | null>;
    mappings: JsonWithDefault<Mapping[]>;
    /** The current key first; a previous one stays during a rotation. */
    sp_encryption_keys: JsonWithDefault<SpEncryptionKey[]>;
    jit_provisioning: boolean;
    version: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  sso_domains: {
    id: string;
    org_id: string;
    domain: string;
    token: string;
    verified_at: NullableTimestamp;
    enforce_sso: ColumnType<boolean, boolean | undefined, boolean>;
    break_glass_user_ids: JsonWithDefault<string[]>;
    version: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
  };
  sso_login_states: {
    state: string;
    org_id: string;
    connection_id: string;
    purpose: 'sign-in' | 'test';
    code_verifier: string;
    nonce: string;
    return_to: string | null;
    started_by: string | null;
    expires_at: Timestamp;
  };
  sso_identities: {
    connection_id: string;
    subject: string;
    org_id: string;
    user_id: string;
    last_claims: Json<Record<string, unknown>>;
    last_sign_in_at: Timestamp;
  };
  sso_mapping_grants: {
    org_id: string;
    connection_id: string;
    user_id: string;
    role_id: string;
    scope_type: string;
    scope_id: string;
  };
  sso_saml_requests: {
    id: string;
    connection_id: string;
    created_at: Timestamp;
  };
  sso_saml_replays: {
    connection_id: string;
    assertion_id: string;
    expires_at: Timestamp;
  };
  sso_traces: {
    id: string;
    org_id: string;
    connection_id: string;
    at: Timestamp;
    outcome: 'success' | 'failure';
    purpose: 'sign-in' | 'test';
    reason: string;
    detail: string;
    subject: string | null;
  };
};

export type ConnectionRow = Selectable<SsoTables['sso_connections']>;
export type DomainRow = Selectable<SsoTables['sso_domains']>;
export type LoginStateRow = Selectable<SsoTables['sso_login_states']>;
export type TraceRow = Selectable<SsoTables['sso_traces']>;
export type MappingGrantRow = Selectable<SsoTables['sso_mapping_grants']>;

function q(db: Queryable) {
  return db.withTables<SsoTables>();
}

const json = (value: unknown) => JSON.stringify(value);

// ---- connections ----

export async function insertConnection(
  db: Queryable,
  row: Pick<ConnectionRow, 'id' | 'org_id' | 'name' | 'kind' | 'preset' | 'jit_provisioning'> & { settings: ConnectionRow['settings']; secret: SealedSecret | null; spKeys?: SpEncryptionKey[] },
) {
  const { settings, secret, spKeys, ...rest } = row;
  return q(db)
    .insertInto('sso_connections')
    .values({ ...rest, settings: json(settings), client_secret_sealed: json(secret), sp_encryption_keys: json(spKeys ?? []) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findConnection(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('sso_connections').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Cross-tenant by design: the public sign-in routes find a connection by the id in their URL. */
export async function findConnectionById(db: Queryable, id: string) {
  return q(db).selectFrom('sso_connections').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listConnections(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('sso_connections').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function firstEnabledConnection(db: Queryable, orgId: string) {
  return q(db).selectFrom('sso_connections').selectAll().where('org_id', '=', orgId).where('enabled', '=', true).orderBy('id').limit(1).executeTakeFirst();
}

export async function updateConnection(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: Partial<Pick<ConnectionRow, 'name' | 'enabled' | 'jit_provisioning'>> & { settings?: ConnectionRow['settings']; secret?: SealedSecret; mappings?: Mapping[]; spKeys?: SpEncryptionKey[] },
) {
  const { settings, secret, mappings, spKeys, ...rest } = changes;
  let query = q(db)
    .updateTable('sso_connections')
    .set({
      ...rest,
      ...(settings ? { settings: json(settings) } : {}),
      ...(secret ? { client_secret_sealed: json(secret) } : {}),
      ...(mappings ? { mappings: json(mappings) } : {}),
      ...(spKeys ? { sp_encryption_keys: json(spKeys) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function deleteConnection(db: Queryable, orgId: string, id: string) {
  return q(db).deleteFrom('sso_connections').where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst();
}

// ---- domains ----

export async function insertDomain(db: Queryable, row: Pick<DomainRow, 'id' | 'org_id' | 'domain' | 'token'>) {
  return q(db).insertInto('sso_domains').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findDomain(db: Queryable, orgId: string, id: string) {
  return q(db).selectFrom('sso_domains').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listDomains(db: Queryable, orgId: string, after: string | null, limit: number) {
  let query = q(db).selectFrom('sso_domains').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where('id', '>', after);
  return query.orderBy('id').limit(limit + 1).execute();
}

export async function deleteDomain(db: Queryable, orgId: string, id: string, expectedVersion: number | undefined) {
  let query = q(db).deleteFrom('sso_domains').where('org_id', '=', orgId).where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

/** The one organization that verified a domain, across tenants (sign-in routing). */
export async function findVerifiedDomain(db: Queryable, domain: string) {
  return q(db).selectFrom('sso_domains').selectAll().where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst();
}

export async function markDomainVerified(db: Queryable, orgId: string, id: string, at: Date) {
  return q(db)
    .updateTable('sso_domains')
    .set({ verified_at: at, version: sql`version + 1` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function updateDomain(
  db: Queryable,
  orgId: string,
  id: string,
  expectedVersion: number | undefined,
  changes: { enforce_sso?: boolean; break_glass_user_ids?: string[] },
) {
  let query = q(db)
    .updateTable('sso_domains')
    .set({
      ...(changes.enforce_sso !== undefined ? { enforce_sso: changes.enforce_sso } : {}),
      ...(changes.break_glass_user_ids ? { break_glass_user_ids: json(changes.break_glass_user_ids) } : {}),
      version: sql`version + 1`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  return query.returningAll().executeTakeFirst();
}

export async function verifiedDomainsOf(db: Queryable, orgId: string): Promise<string[]> {
  const rows = await q(db).selectFrom('sso_domains').select('domain').where('org_id', '=', orgId).where('verified_at', 'is not', null).execute();
  return rows.map((r) => r.domain);
}

// ---- sign-ins in flight ----

export async function insertLoginState(db: Queryable, row: LoginStateRow) {
  await q(db).insertInto('sso_login_states').values(row).execute();
}

/** Reads a state without taking it (a test sign-in finishing in another browser). */
export async function findLoginState(db: Queryable, state: string) {
  return q(db).selectFrom('sso_login_states').selectAll().where('state', '=', state).executeTakeFirst();
}

/** Takes the state (deletes it), so a callback can be completed only once. */
export async function takeLoginState(db: Queryable, state: string) {
  return q(db).deleteFrom('sso_login_states').where('state', '=', state).returningAll().executeTakeFirst();
}

export async function deleteExpiredLoginStates(db: Queryable, now: Date) {
  await q(db).deleteFrom('sso_login_states').where('expires_at', '<', now).execute();
}

// ---- identities and mapped grants ----

export async function findIdentity(db: Queryable, connectionId: string, subject: string) {
  return q(db).selectFrom('sso_identities').selectAll().where('connection_id', '=', connectionId).where('subject', '=', subject).executeTakeFirst();
}

export async function upsertIdentity(
  db: Queryable,
  row: { connection_id: string; subject: string; org_id: string; user_id: string; last_claims: Record<string, unknown>; last_sign_in_at: Date },
) {
  await q(db)
    .insertInto('sso_identities')
    .values({ ...row, last_claims: json(row.last_claims) })
    .onConflict((oc) => oc.columns(['connection_id', 'subject']).doUpdateSet({ last_claims: json(row.last_claims), last_sign_in_at: row.last_sign_in_at, user_id: row.user_id }))
    .execute();
}

export async function identitiesOfUsers(db: Queryable, connectionId: string, userIds: string[]) {
  if (userIds.length === 0) return [];
  return q(db).selectFrom('sso_identities').selectAll().where('connection_id', '=', connectionId).where('user_id', 'in', userIds).execute();
}

export async function mappingGrantsOf(db: Queryable, connectionId: string, userId: string) {
  return q(db).selectFrom('sso_mapping_grants').selectAll().where('connection_id', '=', connectionId).where('user_id', '=', userId).execute();
}

export async function mappingGrantsOfConnection(db: Queryable, connectionId: string) {
  return q(db).selectFrom('sso_mapping_grants').selectAll().where('connection_id', '=', connectionId).execute();
}

export async function insertMappingGrant(db: Queryable, row: MappingGrantRow) {
  await q(db).insertInto('sso_mapping_grants').values(row).onConflict((oc) => oc.doNothing()).execute();
}

export async function deleteMappingGrant(db: Queryable, row: MappingGrantRow) {
  await q(db)
    .deleteFrom('sso_mapping_grants')
    .where('connection_id', '=', row.connection_id)
    .where('user_id', '=', row.user_id)
    .where('role_id', '=', row.role_id)
    .where('scope_type', '=', row.scope_type)
    .where('scope_id', '=', row.scope_id)
    .execute();
}

// ---- traces ----

export async function insertTrace(db: Queryable, row: TraceRow) {
  await q(db).insertInto('sso_traces').values(row).execute();
}

export async function listTraces(db: Queryable, orgId: string, connectionId: string, limit: number) {
  return q(db)
    .selectFrom('sso_traces')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

// ---- SAML request ids and replay cache ----

export async function insertSamlRequest(db: Queryable, connectionId: string, id: string, at: Date) {
  await q(db).insertInto('sso_saml_requests').values({ id, connection_id: connectionId, created_at: at }).onConflict((oc) => oc.doNothing()).execute();
}

export async function findSamlRequest(db: Queryable, connectionId: string, id: string) {
  return q(db).selectFrom('sso_saml_requests').selectAll().where('connection_id', '=', connectionId).where('id', '=', id).executeTakeFirst();
}

export async function deleteSamlRequest(db: Queryable, connectionId: string, id: string) {
  return q(db).deleteFrom('sso_saml_requests').where('connection_id', '=', connectionId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteOldSamlRequests(db: Queryable, before: Date) {
  await q(db).deleteFrom('sso_saml_requests').where('created_at', '<', before).execute();
}

/** True when the assertion id is new for the connection (and is now remembered). */
export async function rememberAssertion(db: Queryable, connectionId: string, assertionId: string, expiresAt: Date, now: Date): Promise<boolean> {
  await q(db).deleteFrom('sso_saml_replays').where('expires_at', '<', now).execute();
  const row = await q(db)
    .insertInto('sso_saml_replays')
    .values({ connection_id: connectionId, assertion_id: assertionId, expires_at: expiresAt })
    .onConflict((oc) => oc.doNothing())
    .returning('assertion_id')
    .executeTakeFirst();
  return row !== undefined;
}
