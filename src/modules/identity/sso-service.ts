/**
 * Single sign-on use cases (ADR 0014): connections to an organization's identity provider,
 * verified domains and e-mail-first routing, the OIDC sign-in itself with just-in-time
 * provisioning and mapped role bindings, and the traces that make failures self-service.
 */
import { newPrincipal, type Principal, type Resource } from '../../kernel/authz.ts';
import { recordAudit } from '../../kernel/audit.ts';
import { openSecret, randomToken, sealSecret, type SealedSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Tx } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { Problem, problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import { randomNonce, randomPKCECodeVerifier, randomState } from 'openid-client';
import type { ScopeType } from '../access/index.ts';
import type { ModuleDeps } from '../deps.ts';
import type { RequestMeta } from './session-service.ts';
import { iso, startSession } from './session-service.ts';
import type { SecurityPolicy } from './security-policy.ts';
import {
  amrProvesMfa,
  defaultClaimNames,
  type ClaimNames,
  diffGrants,
  emailDomain,
  grantKey,
  grantsFor,
  normalizeDomain,
  readClaims,
  txtProves,
  usesGroups,
  verificationRecord,
  type Grant,
  type Mapping,
  type UserClaims,
} from './sso-claims.ts';
import { createTxtResolver } from './sso-dns.ts';
import { createOidcRelyingParty, SsoFailure } from './sso-oidc.ts';
import { encryptionFacts, parseIdpMetadata, samlAmr, samlClaims, samlClient, spMetadata, validateSamlResponse, type SamlSettings } from './sso-saml.ts';
import { keyOpening, newSpEncryptionKey, withEncryptionCertificates } from './sso-saml-keys.ts';
import type { CacheProvider } from '@node-saml/node-saml';
import { randomBytes, X509Certificate } from 'node:crypto';
import { resolveOidcSettings, type Preset } from './sso-presets.ts';
import type { ConnectionView, DomainView, TraceView } from './sso-schemas.ts';
import * as sso from './sso-store.ts';
import * as store from './store.ts';

/** How long a sign-in may take between the redirect to the IdP and the callback. */
const LOGIN_STATE_TTL_MS = 10 * 60_000;
const TRACE_LIMIT = 100;
export const SSO_STATE_COOKIE = 'hxp_sso';

export const ssoProblems = {
  ssoRequired: (startUrl: string | null) =>
    new Problem(401, 'sso-required', 'Single sign-on required', 'Your organization requires signing in through its identity provider.', startUrl ? { startUrl } : {}),
};

interface OidcInput {
  discoveryUrl?: string | undefined;
  tenantId?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  claims?: Partial<Record<'email' | 'name' | 'groups' | 'department' | 'costCenter', string>> | undefined;
}

export interface CallbackOutcome {
  status: 'signed-in' | 'tested' | 'failed';
  redirectTo: string;
  session?: { token: string; expiresAt: Date };
}

/** The RelayState of a test sign-in through a SAML connection. */
const SAML_TEST_RELAY = 'hexaplane:test';

interface SamlInput {
  metadataXml?: string | undefined;
  metadataUrl?: string | undefined;
  idpEntityId?: string | undefined;
  ssoUrl?: string | undefined;
  idpCerts?: string[] | undefined;
  wantAssertionsSigned: boolean;
  wantResponseSigned: boolean;
  allowIdpInitiated: boolean;
  clockSkewSeconds: number;
  requireEncryptedAssertions?: boolean | undefined;
  attributes?: Partial<ClaimNames> | undefined;
}

/** An SP encryption key beyond these is dropped: the current one and one previous (a rotation). */
const MAX_SP_KEYS = 2;

/** Attribute names Okta and Entra ID send by default. */
const samlAttributePresets: Record<Preset, Partial<ClaimNames>> = {
  okta: {},
  entra: {
    email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    name: 'http://schemas.microsoft.com/identity/claims/displayname',
    groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  },
  google: {},
  generic: {},
};

/** A certificate as node-saml takes it: the base64 body, no PEM armour or whitespace. */
function normalizeCert(cert: string): string {
  return cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

function fingerprintOrNull(cert: string): string | null {
  try {
    return new X509Certificate(Buffer.from(cert, 'base64')).fingerprint256;
  } catch {
    return null;
  }
}

const fingerprintOf = (cert: string) => fingerprintOrNull(cert) ?? 'invalid';

const orgResource = (orgId: string): Resource => ({ type: 'organization', id: orgId, orgId });
const connectionResource = (row: sso.ConnectionRow): Resource => ({ type: 'sso-connection', id: row.id, orgId: row.org_id, attrs: { name: row.name } });
const domainResource = (row: sso.DomainRow): Resource => ({ type: 'domain', id: row.id, orgId: row.org_id, attrs: { name: row.domain } });

export type SsoService = ReturnType<typeof createSsoService>;

/** What SSO sign-in needs of the organization security policies (bound late in service.ts). */
export interface SsoSessionPolicies {
  /** The policies of the user's organizations plus the connection's (the user may join it now). */
  policiesFor(userId: string | null, orgId: string): Promise<SecurityPolicy[]>;
}

export function createSsoService(deps: ModuleDeps, sessionPolicies: SsoSessionPolicies) {
  const { db, authz } = deps;
  const now = () => deps.clock.now();
  const tx = <T>(work: (t: Tx) => Promise<T>) => db.transaction().execute(work);
  const publicUrl = () => deps.config.publicUrl.replace(/\/$/, '');
  const redirectUri = () => `${publicUrl()}/api/v1/sso/oidc/callback`;
  const samlBase = (connectionId: string) => `${publicUrl()}/api/v1/sso/saml/${connectionId}`;
  const samlSp = (connectionId: string) => ({ entityId: `${samlBase(connectionId)}/metadata`, acsUrl: `${samlBase(connectionId)}/acs` });
  const startUrlOf = (connectionId: string, kind: 'oidc' | 'saml' = 'oidc') =>
    kind === 'saml' ? `${samlBase(connectionId)}/start` : `${publicUrl()}/api/v1/sso/oidc/${connectionId}/start`;
  const resolveTxt = createTxtResolver(() => deps.config.dnsServers);
  const rp = createOidcRelyingParty({ egress: () => deps.egress, clockToleranceSeconds: () => deps.config.ssoClockSkewSeconds });
  // The secret is bound to its connection: a sealed value copied to another row does not open.
  const secretAad = (connectionId: string) => `sso-connection:${connectionId}`;
  // An SP private key opens only for its connection and key id.
  const spKeyAad = (connectionId: string, keyId: string) => `sso-sp-key:${connectionId}:${keyId}`;

  async function newSpKey(connectionId: string): Promise<sso.SpEncryptionKey> {
    const id = newId('ssoSpKey');
    const made = await newSpEncryptionKey(samlSp(connectionId).entityId, randomBytes(16), now());
    return {
      id,
      certificate: made.certificate,
      fingerprint: made.fingerprint,
      privateKeySealed: await sealSecret(deps.keys, made.privateKeyPem, spKeyAad(connectionId, id)),
      createdAt: now().toISOString(),
      notAfter: made.notAfter.toISOString(),
    };
  }

  function connectionView(row: sso.ConnectionRow): ConnectionView {
    const oidc = row.settings.oidc;
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      kind: row.kind,
      preset: row.preset,
      enabled: row.enabled,
      jitProvisioning: row.jit_provisioning,
      oidc: oidc ? { ...oidc, clientSecretSet: row.client_secret_sealed !== null } : null,
      saml: samlView(row),
      redirectUri: row.kind === 'saml' ? samlSp(row.id).acsUrl : redirectUri(),
      startUrl: startUrlOf(row.id, row.kind),
      mappings: row.mappings,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      version: row.version,
    };
  }

  function samlView(row: sso.ConnectionRow): ConnectionView['saml'] {
    const saml = row.settings.saml;
    if (!saml) return null;
    const { idpCerts, ...rest } = saml;
    const sp = samlSp(row.id);
    return {
      ...rest,
      requireEncryptedAssertions: saml.requireEncryptedAssertions ?? false,
      spEntityId: sp.entityId,
      acsUrl: sp.acsUrl,
      spMetadataUrl: sp.entityId,
      idpCertFingerprints: idpCerts.map(fingerprintOf),
      encryptionCertificates: row.sp_encryption_keys.map((k, i) => ({
        id: k.id,
        fingerprint: k.fingerprint,
        certificate: `-----BEGIN CERTIFICATE-----\n${k.certificate.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
        current: i === 0,
        createdAt: k.createdAt,
        notAfter: k.notAfter,
      })),
    };
  }

  function domainView(row: sso.DomainRow): DomainView {
    return {
      id: row.id,
      orgId: row.org_id,
      domain: row.domain,
      txtRecord: { name: row.domain, type: 'TXT', value: verificationRecord(row.token) },
      verified: row.verified_at !== null,
      verifiedAt: row.verified_at ? iso(row.verified_at) : null,
      enforceSso: row.enforce_sso,
      breakGlassUserIds: row.break_glass_user_ids,
      createdAt: iso(row.created_at),
      version: row.version,
    };
  }

  function traceView(row: sso.TraceRow): TraceView {
    return {
      id: row.id,
      connectionId: row.connection_id,
      at: iso(row.at),
      outcome: row.outcome,
      purpose: row.purpose,
      reason: row.reason,
      detail: row.detail,
      subject: row.subject,
    };
  }

  async function requireConnection(orgId: string, connectionId: string) {
    const row = await sso.findConnection(db, orgId, connectionId);
    if (!row) throw problems.notFound('SSO connection', connectionId);
    return row;
  }

  async function requireDomain(orgId: string, domainId: string) {
    const row = await sso.findDomain(db, orgId, domainId);
    if (!row) throw problems.notFound('domain', domainId);
    return row;
  }

  function resolveOidc(preset: Preset, input: OidcInput) {
    const resolved = resolveOidcSettings(preset, input);
    if ('field' in resolved) throw problems.validation([resolved]);
    return resolved;
  }

  /** Mappings name real roles at real scopes of this organization, or the save is refused. */
  async function assertMappingsValid(orgId: string, mappings: readonly Mapping[]) {
    for (const [i, m] of mappings.entries()) {
      try {
        await deps.services.access.assertGrantable(orgId, m.roleId, m.scope.type);
      } catch (error) {
        if (error instanceof Problem && error.status === 400) {
          throw problems.validation([{ field: `mappings.${i}.roleId`, message: error.detail }]);
        }
        throw error;
      }
      const exists =
        m.scope.type === 'organization'
          ? m.scope.id === orgId
          : m.scope.type === 'workspace'
            ? await deps.services.tenancy.findWorkspace(orgId, m.scope.id)
            : await deps.services.tenancy.findProject(orgId, m.scope.id);
      if (!exists) throw problems.validation([{ field: `mappings.${i}.scope.id`, message: `no ${m.scope.type} ${m.scope.id} in this organization` }]);
    }
  }

  // ---- traces and sign-in audit ----

  const ssoActor = (orgId: string, connectionId: string, meta: RequestMeta | null): Principal =>
    newPrincipal({
      kind: 'system',
      id: `sso:${connectionId}`,
      displayName: 'Single sign-on',
      orgId,
      ip: meta?.ip ?? null,
      userAgent: meta?.userAgent ?? null,
      requestId: meta?.requestId ?? null,
    });

  /** A failed sign-in or test: its trace and its audit event, together. */
  async function recordFailure(conn: sso.ConnectionRow, purpose: 'sign-in' | 'test', failure: SsoFailure, meta: RequestMeta, subject: string | null) {
    await tx(async (t) => {
      await sso.insertTrace(t, {
        id: newId('ssoTrace'),
        org_id: conn.org_id,
        connection_id: conn.id,
        at: now(),
        outcome: 'failure',
        purpose,
        reason: failure.reason,
        detail: failure.message.slice(0, 1000),
        subject,
      });
      await recordAudit(t, ssoActor(conn.org_id, conn.id, meta), {
        action: purpose === 'test' ? 'sso-connection:test' : 'session:create',
        orgId: conn.org_id,
        target: { type: 'sso-connection', id: conn.id, name: conn.name },
        outcome: 'failed',
        reason: `${failure.reason}: ${failure.message}`.slice(0, 500),
      });
    });
  }

  const failedRedirect = (reason: string) => `${publicUrl()}/sign-in?ssoError=${encodeURIComponent(reason)}`;

  /** A completed test sign-in: a success trace saying what was read, and its audit event. */
  async function recordTestSuccess(conn: sso.ConnectionRow, raw: Record<string, unknown>, names: ClaimNames, subject: string | null, meta: RequestMeta) {
    const claims = readClaims(raw, names);
    const missing = (['email', 'name'] as const).filter((k) => !claims[k]);
    await tx(async (t) => {
      await sso.insertTrace(t, {
        id: newId('ssoTrace'),
        org_id: conn.org_id,
        connection_id: conn.id,
        at: now(),
        outcome: 'success',
        purpose: 'test',
        reason: 'ok',
        detail: `signed in as ${claims.email ?? '?'}; groups: ${claims.groupsOverage ? 'overage' : (claims.groups ?? []).length}; department: ${claims.department ?? '-'}; cost center: ${claims.costCenter ?? '-'}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
        subject,
      });
      await recordAudit(t, ssoActor(conn.org_id, conn.id, meta), { action: 'sso-connection:test', orgId: conn.org_id, target: { type: 'sso-connection', id: conn.id, name: conn.name }, after: { completed: true, subject } });
    });
  }

  // ---- the sign-in itself ----

  async function clientSettings(conn: sso.ConnectionRow) {
    const oidc = conn.settings.oidc;
    if (conn.kind !== 'oidc' || !oidc || !conn.client_secret_sealed) throw new SsoFailure('connection-incomplete', 'the connection has no OIDC settings or client secret');
    const clientSecret = await openSecret(deps.keys, conn.client_secret_sealed, secretAad(conn.id));
    return { connectionId: conn.id, version: conn.version, discoveryUrl: oidc.discoveryUrl, clientId: oidc.clientId, clientSecret };
  }

  async function beginLogin(conn: sso.ConnectionRow, purpose: 'sign-in' | 'test', returnTo: string | null, startedBy: string | null) {
    const state = randomState();
    const nonce = randomNonce();
    const codeVerifier = randomPKCECodeVerifier();
    const settings = await clientSettings(conn);
    const url = await rp.authorizationUrl(settings, { redirectUri: redirectUri(), scopes: conn.settings.oidc!.scopes, state, nonce, codeVerifier });
    const expiresAt = new Date(now().getTime() + LOGIN_STATE_TTL_MS);
    await sso.deleteExpiredLoginStates(db, now());
    await sso.insertLoginState(db, {
      state,
      org_id: conn.org_id,
      connection_id: conn.id,
      purpose,
      code_verifier: codeVerifier,
      nonce,
      return_to: returnTo,
      started_by: startedBy,
      expires_at: expiresAt,
    });
    // The cookie binds the flow to this browser: a callback carrying someone else's state is refused.
    return { url: url.href, expiresAt, cookie: `${conn.id}.${state}` };
  }

  /** Turns validated claims into a user, a membership, mapped bindings and a session. */
  async function signInWithClaims(conn: sso.ConnectionRow, raw: Record<string, unknown>, meta: RequestMeta, names: ClaimNames) {
    const claims = readClaims(raw, names);
    if (!claims.subject) throw new SsoFailure('missing-attribute', 'the ID token has no "sub" claim');
    if (!claims.email) throw new SsoFailure('missing-attribute', `the ID token has no "${names.email}" claim (the e-mail claim of this connection)`);
    const domain = emailDomain(claims.email);
    const verified = await sso.verifiedDomainsOf(db, conn.org_id);
    if (!domain || !verified.includes(domain)) {
      throw new SsoFailure('domain-not-verified', `${domain ?? claims.email} is not a verified domain of this organization; verify it under Domains`);
    }
    const mappings = conn.mappings;
    if (usesGroups(mappings) && claims.groupsOverage) {
      throw new SsoFailure('groups-overage', `the IdP left out "${names.groups}" (too many groups: _claim_names/hasgroups); assign groups to the application or emit fewer groups`);
    }
    const identity = await sso.findIdentity(db, conn.id, claims.subject);
    let user = identity ? await store.findUser(db, identity.user_id) : await store.findUserByEmail(db, claims.email);
    if (!user && !conn.jit_provisioning) throw new SsoFailure('unknown-user', `${claims.email} has no account and just-in-time provisioning is off`);
    if (user && user.status !== 'active') throw new SsoFailure('user-suspended', `${user.email} is suspended`);
    const desired = grantsFor(mappings, claims);
    for (const g of desired) {
      try {
        await deps.services.access.assertGrantable(conn.org_id, g.roleId, g.scope.type);
      } catch (error) {
        throw new SsoFailure('mapping-invalid', `the mapping to ${g.roleId} cannot be applied: ${(error as Error).message}`);
      }
    }
    const mfaAt = amrProvesMfa(raw.amr) ? now() : null;
    // The same session limits as a password sign-in: the strictest policy of the user's organizations.
    const policies = await sessionPolicies.policiesFor(user?.id ?? null, conn.org_id);
    return tx(async (t) => {
      let provisioned = false;
      if (!user) {
        try {
          user = await store.insertUser(t, {
            id: newId('user'),
            email: claims.email!,
            display_name: claims.name ?? claims.email!.split('@')[0]!,
            password_hash: null,
            platform_admin: false,
            password_changed_at: null,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw new SsoFailure('retry', 'the account was created by a concurrent sign-in; sign in again');
          throw error;
        }
        provisioned = true;
      }
      const joined = await deps.services.tenancy.addMemberUnchecked(t, conn.org_id, user.id);
      await sso.upsertIdentity(t, {
        connection_id: conn.id,
        subject: claims.subject,
        org_id: conn.org_id,
        user_id: user.id,
        last_claims: lastClaims(claims),
        last_sign_in_at: now(),
      });
      const actor = newPrincipal({ kind: 'user', id: user.id, displayName: user.display_name, orgId: conn.org_id, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId });
      const change = await applyMappings(t, conn, user.id, desired, actor);
      const opened = await startSession(deps, t, user, meta, { via: 'sso', mfaAt, policies });
      await recordAudit(t, { ...actor, sessionId: opened.sessionId }, {
        action: 'session:create',
        orgId: conn.org_id,
        target: { type: 'user', id: user.id, name: user.email },
        after: {
          sessionId: opened.sessionId,
          expiresAt: iso(opened.expiresAt),
          via: 'sso',
          connectionId: conn.id,
          provisioned,
          joinedOrganization: joined,
          mfa: mfaAt !== null,
          granted: change.add.map(grantKey),
          revoked: change.remove.map(grantKey),
          ...(opened.endedSessions.length ? { endedSessions: opened.endedSessions } : {}),
        },
      });
      return opened;
    });
  }

  /** Adds and removes only the bindings this connection's mappings made. */
  async function applyMappings(t: Tx, conn: sso.ConnectionRow, userId: string, desired: Grant[], actor: Principal) {
    const rows = await sso.mappingGrantsOf(t, conn.id, userId);
    const current: Grant[] = rows.map((r) => ({ roleId: r.role_id, scope: { type: r.scope_type as ScopeType, id: r.scope_id } }));
    const change = diffGrants(current, desired);
    const subject = { type: 'user' as const, id: userId };
    for (const g of change.add) {
      const created = await deps.services.access.grantUnchecked(t, actor, { orgId: conn.org_id, roleId: g.roleId, subject, scope: g.scope });
      // A binding an administrator made by hand is left to them: the mapping never removes it.
      if (created) await sso.insertMappingGrant(t, grantRow(conn, userId, g));
    }
    for (const g of change.remove) {
      await deps.services.access.revokeGrantUnchecked(t, { orgId: conn.org_id, roleId: g.roleId, subject, scope: g.scope });
      await sso.deleteMappingGrant(t, grantRow(conn, userId, g));
    }
    return change;
  }

  const grantRow = (conn: sso.ConnectionRow, userId: string, g: Grant): sso.MappingGrantRow => ({
    org_id: conn.org_id,
    connection_id: conn.id,
    user_id: userId,
    role_id: g.roleId,
    scope_type: g.scope.type,
    scope_id: g.scope.id,
  });

  function lastClaims(c: UserClaims): Record<string, unknown> {
    return { email: c.email, name: c.name, groups: c.groups, department: c.department, costCenter: c.costCenter };
  }

  // ---- SAML ----

  /** node-saml's request-id cache, in the database: any replica can finish a flow. */
  function samlRequests(connectionId: string): CacheProvider {
    return {
      async saveAsync(key) {
        await sso.insertSamlRequest(db, connectionId, key, now());
        return { value: now().toISOString(), createdAt: now().getTime() };
      },
      async getAsync(key) {
        const row = await sso.findSamlRequest(db, connectionId, key);
        return row && now().getTime() - new Date(row.created_at).getTime() < LOGIN_STATE_TTL_MS ? iso(row.created_at) : null;
      },
      async removeAsync(key) {
        if (!key) return null;
        const row = await sso.deleteSamlRequest(db, connectionId, key);
        return row ? iso(row.created_at) : null;
      },
    };
  }

  async function resolveSaml(preset: Preset, input: SamlInput): Promise<SamlSettings> {
    let fromMetadata: Awaited<ReturnType<typeof parseIdpMetadata>> = null;
    let xml = input.metadataXml;
    if (!xml && input.metadataUrl) {
      try {
        const res = await deps.egress.request(input.metadataUrl, { timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        xml = res.body;
      } catch (error) {
        throw problems.badRequest('metadata-unavailable', `The IdP metadata could not be fetched: ${(error as Error).message}`, 'saml.metadataUrl');
      }
    }
    if (xml) {
      fromMetadata = await parseIdpMetadata(xml);
      if (!fromMetadata) throw problems.validation([{ field: input.metadataXml ? 'saml.metadataXml' : 'saml.metadataUrl', message: 'not SAML IdP metadata with an entity id, an SSO URL and a signing certificate' }]);
    }
    const idpEntityId = input.idpEntityId ?? fromMetadata?.idpEntityId;
    const ssoUrl = input.ssoUrl ?? fromMetadata?.ssoUrl;
    const idpCerts = (input.idpCerts ?? fromMetadata?.idpCerts ?? []).map(normalizeCert);
    if (!idpEntityId) throw problems.validation([{ field: 'saml.idpEntityId', message: 'give the IdP entity id (or its metadata)' }]);
    if (!ssoUrl) throw problems.validation([{ field: 'saml.ssoUrl', message: 'give the IdP SSO URL (or its metadata)' }]);
    if (idpCerts.length === 0) throw problems.validation([{ field: 'saml.idpCerts', message: 'give the IdP signing certificate (or its metadata)' }]);
    for (const [i, cert] of idpCerts.entries()) {
      if (!fingerprintOrNull(cert)) throw problems.validation([{ field: `saml.idpCerts.${i}`, message: 'not an X.509 certificate' }]);
    }
    if (!input.wantAssertionsSigned && !input.wantResponseSigned) {
      throw problems.validation([{ field: 'saml.wantAssertionsSigned', message: 'require signed assertions, signed responses, or both' }]);
    }
    return {
      idpEntityId,
      ssoUrl,
      idpCerts,
      wantAssertionsSigned: input.wantAssertionsSigned,
      wantResponseSigned: input.wantResponseSigned,
      allowIdpInitiated: input.allowIdpInitiated,
      clockSkewSeconds: input.clockSkewSeconds,
      requireEncryptedAssertions: input.requireEncryptedAssertions ?? false,
      attributes: { ...defaultClaimNames, ...samlAttributePresets[preset], ...input.attributes },
    };
  }

  /**
   * The SP private key that opens this response's encrypted assertion (none for a plaintext one,
   * which a connection requiring encryption refuses). With two keys during a rotation, the one
   * that opens the EncryptedKey is chosen here, since node-saml takes one key.
   */
  async function decryptionKeyFor(conn: sso.ConnectionRow, samlResponse: string): Promise<string | undefined> {
    const facts = await encryptionFacts(samlResponse);
    if (!facts.encrypted) {
      if (facts.plaintext && conn.settings.saml!.requireEncryptedAssertions) {
        throw new SsoFailure('assertion-not-encrypted', 'the connection requires encrypted assertions and this one came in plaintext; turn on assertion encryption at the IdP with the SP encryption certificate');
      }
      return undefined;
    }
    const keys = conn.sp_encryption_keys;
    if (keys.length === 0) throw new SsoFailure('decryption-failed', 'the assertion is encrypted but this connection has no encryption key');
    const pems = await Promise.all(keys.map((k) => openSecret(deps.keys, k.privateKeySealed, spKeyAad(conn.id, k.id))));
    const index = keyOpening(facts.encryptedKeys, pems);
    if (index < 0) {
      throw new SsoFailure('decryption-failed', `the assertion is encrypted to a key that is not this connection's (certificates ${keys.map((k) => k.fingerprint.slice(0, 23)).join(', ')}); give the IdP the SP metadata again`);
    }
    return pems[index];
  }

  async function samlAuthorizeUrl(conn: sso.ConnectionRow, relayState: string): Promise<string> {
    await sso.deleteOldSamlRequests(db, new Date(now().getTime() - LOGIN_STATE_TTL_MS));
    return samlClient(conn.settings.saml!, samlSp(conn.id), samlRequests(conn.id)).getAuthorizeUrlAsync(relayState, undefined, {});
  }

  async function createSamlConnection(p: Principal, orgId: string, input: { name: string; preset: Preset; saml?: SamlInput | undefined; jitProvisioning: boolean }) {
    if (!input.saml) throw problems.validation([{ field: 'saml', message: 'required for a SAML connection' }]);
    const saml = await resolveSaml(input.preset, input.saml);
    const id = newId('ssoConnection');
    // Every SAML connection gets an encryption key: its certificate is in the SP metadata from the start.
    const spKey = await newSpKey(id);
    return tx(async (t) => {
      const row = await sso.insertConnection(t, { id, org_id: orgId, name: input.name, kind: 'saml', preset: input.preset, jit_provisioning: input.jitProvisioning, settings: { saml }, secret: null, spKeys: [spKey] });
      const view = connectionView(row);
      await recordAudit(t, p, { action: 'sso-connection:create', orgId, target: { type: 'sso-connection', id, name: row.name }, after: view });
      return view;
    });
  }

  /**
   * A test sign-in may finish in another browser than the one that started it (`hexaplane sso
   * connection test` prints the URL): it opens no session, so the browser binding that stops
   * login CSRF protects nothing there. Sign-ins proper always need the cookie (ADR 0014).
   */
  async function unboundTestFlow(callbackUrl: URL): Promise<{ connectionId: string; state: string } | null> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    if (!/^[A-Za-z0-9_-]{20,200}$/.test(state)) return null;
    const login = await sso.findLoginState(db, state);
    return login && login.purpose === 'test' ? { connectionId: login.connection_id, state } : null;
  }

  function parseStateCookie(cookie: string | undefined): { connectionId: string; state: string } | null {
    const match = /^(sso_[0-9a-z]{26})\.([A-Za-z0-9_-]{20,200})$/.exec(cookie ?? '');
    return match ? { connectionId: match[1]!, state: match[2]! } : null;
  }

  return {
    // ---- connections ----

    async createConnection(
      p: Principal,
      orgId: string,
      input: { name: string; kind: 'oidc' | 'saml'; preset: Preset; oidc?: (OidcInput & { clientId: string; clientSecret: string }) | undefined; saml?: SamlInput | undefined; jitProvisioning: boolean },
    ) {
      await authz.require(p, 'sso-connection:create', orgResource(orgId));
      if (input.kind === 'saml') return createSamlConnection(p, orgId, input);
      if (!input.oidc) throw problems.validation([{ field: 'oidc', message: 'required for an OIDC connection' }]);
      const resolved = resolveOidc(input.preset, input.oidc);
      const id = newId('ssoConnection');
      const secret = await sealSecret(deps.keys, input.oidc.clientSecret, secretAad(id));
      return tx(async (t) => {
        const row = await sso.insertConnection(t, {
          id,
          org_id: orgId,
          name: input.name,
          kind: 'oidc',
          preset: input.preset,
          jit_provisioning: input.jitProvisioning,
          settings: { oidc: { ...resolved, clientId: input.oidc!.clientId } },
          secret,
        });
        const view = connectionView(row);
        await recordAudit(t, p, { action: 'sso-connection:create', orgId, target: { type: 'sso-connection', id, name: row.name }, after: view });
        return view;
      });
    },

    async listConnections(p: Principal, orgId: string, page: PageQuery): Promise<Page<ConnectionView>> {
      await authz.require(p, 'sso-connection:read', orgResource(orgId));
      const rows = await sso.listConnections(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(connectionView), nextCursor: result.nextCursor };
    },

    async getConnection(p: Principal, orgId: string, connectionId: string) {
      const row = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:read', connectionResource(row));
      return connectionView(row);
    },

    async updateConnection(
      p: Principal,
      orgId: string,
      connectionId: string,
      expectedVersion: number | undefined,
      input: {
        name?: string | undefined;
        enabled?: boolean | undefined;
        jitProvisioning?: boolean | undefined;
        oidc?: OidcInput | undefined;
        saml?: Partial<Pick<SamlSettings, 'idpCerts' | 'wantAssertionsSigned' | 'wantResponseSigned' | 'allowIdpInitiated' | 'clockSkewSeconds' | 'requireEncryptedAssertions'>> | undefined;
      },
    ) {
      const before = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:update', connectionResource(before));
      let settings: sso.ConnectionRow['settings'] | undefined;
      let secret: SealedSecret | undefined;
      if (input.saml) {
        const old = before.settings.saml;
        if (!old) throw problems.badRequest('wrong-kind', 'This is not a SAML connection.', 'saml');
        const merged = { ...old, ...input.saml, idpCerts: input.saml.idpCerts ?? old.idpCerts };
        if (merged.requireEncryptedAssertions && before.sp_encryption_keys.length === 0) {
          throw problems.validation([{ field: 'saml.requireEncryptedAssertions', message: 'this connection has no encryption key yet: create one (POST .../encryption-keys) and give its certificate to the IdP first' }]);
        }
        settings = { saml: await resolveSaml(before.preset, { ...merged, attributes: old.attributes }) };
      }
      if (input.oidc) {
        const old = before.settings.oidc;
        if (!old) throw problems.badRequest('wrong-kind', 'This is not an OIDC connection.', 'oidc');
        const merged = { discoveryUrl: input.oidc.discoveryUrl ?? (input.oidc.tenantId ? undefined : old.discoveryUrl), tenantId: input.oidc.tenantId ?? old.tenantId ?? undefined, scopes: input.oidc.scopes ?? old.scopes, claims: { ...old.claims, ...input.oidc.claims } };
        settings = { oidc: { ...resolveOidc(before.preset, merged), clientId: input.oidc.clientId ?? old.clientId } };
        if (input.oidc.clientSecret !== undefined) secret = await sealSecret(deps.keys, input.oidc.clientSecret, secretAad(connectionId));
      }
      return tx(async (t) => {
        const row = await sso.updateConnection(t, orgId, connectionId, expectedVersion, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          ...(input.jitProvisioning !== undefined ? { jit_provisioning: input.jitProvisioning } : {}),
          ...(settings ? { settings } : {}),
          ...(secret ? { secret } : {}),
        });
        if (!row) throw expectedVersion === undefined ? problems.notFound('SSO connection', connectionId) : problems.preconditionFailed();
        rp.forget(connectionId);
        const view = connectionView(row);
        await recordAudit(t, p, {
          action: 'sso-connection:update',
          orgId,
          target: { type: 'sso-connection', id: connectionId, name: row.name },
          before: connectionView(before),
          after: { ...view, clientSecretChanged: secret !== undefined },
        });
        return view;
      });
    },

    /** Bindings the connection's mappings made go with it. */
    async deleteConnection(p: Principal, orgId: string, connectionId: string) {
      const before = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:delete', connectionResource(before));
      await tx(async (t) => {
        const grants = await sso.mappingGrantsOfConnection(t, connectionId);
        for (const g of grants) {
          await deps.services.access.revokeGrantUnchecked(t, { orgId, roleId: g.role_id, subject: { type: 'user', id: g.user_id }, scope: { type: g.scope_type as ScopeType, id: g.scope_id } });
        }
        const row = await sso.deleteConnection(t, orgId, connectionId);
        if (!row) throw problems.notFound('SSO connection', connectionId);
        rp.forget(connectionId);
        await recordAudit(t, p, { action: 'sso-connection:delete', orgId, target: { type: 'sso-connection', id: connectionId, name: row.name }, before: connectionView(before), after: { mappedBindingsRemoved: grants.length } });
      });
    },

    /** Starts a test sign-in: the IdP URL to open; completing it records a trace, not a session. */
    async testConnection(p: Principal, orgId: string, connectionId: string, meta: RequestMeta) {
      const conn = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:test', connectionResource(conn));
      if (conn.kind === 'saml') {
        const url = await samlAuthorizeUrl(conn, SAML_TEST_RELAY);
        await tx((t) => recordAudit(t, p, { action: 'sso-connection:test', orgId, target: { type: 'sso-connection', id: conn.id, name: conn.name }, after: { started: true } }));
        return { authorizationUrl: url, expiresAt: new Date(now().getTime() + LOGIN_STATE_TTL_MS).toISOString(), cookie: null };
      }
      let started: Awaited<ReturnType<typeof beginLogin>>;
      try {
        started = await beginLogin(conn, 'test', null, p.id);
      } catch (error) {
        if (!(error instanceof SsoFailure)) throw error;
        await recordFailure(conn, 'test', error, meta, null);
        throw problems.badRequest(error.reason, `The identity provider could not be reached: ${error.message}`);
      }
      await tx((t) => recordAudit(t, p, { action: 'sso-connection:test', orgId, target: { type: 'sso-connection', id: conn.id, name: conn.name }, after: { started: true } }));
      return { authorizationUrl: started.url, expiresAt: started.expiresAt.toISOString(), cookie: started.cookie };
    },

    async putMappings(p: Principal, orgId: string, connectionId: string, expectedVersion: number | undefined, mappings: Mapping[]) {
      const before = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:update', connectionResource(before));
      await assertMappingsValid(orgId, mappings);
      return tx(async (t) => {
        const row = await sso.updateConnection(t, orgId, connectionId, expectedVersion, { mappings });
        if (!row) throw expectedVersion === undefined ? problems.notFound('SSO connection', connectionId) : problems.preconditionFailed();
        const view = connectionView(row);
        await recordAudit(t, p, { action: 'sso-connection:update', orgId, target: { type: 'sso-connection', id: connectionId, name: row.name }, before: { mappings: before.mappings }, after: { mappings } });
        return view;
      });
    },

    /** Who would get what under these mappings (the saved ones by default); changes nothing. */
    async previewMappings(
      p: Principal,
      orgId: string,
      connectionId: string,
      input: { mappings?: Mapping[] | undefined; claims?: Array<{ label?: string | undefined; groups?: string[] | undefined; department?: string | undefined; costCenter?: string | undefined }> | undefined; userIds?: string[] | undefined },
    ) {
      const conn = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:read', connectionResource(conn));
      const mappings = input.mappings ?? conn.mappings;
      const items = [];
      for (const [i, sample] of (input.claims ?? []).entries()) {
        const grants = grantsFor(mappings, { groups: sample.groups ?? [], department: sample.department ?? null, costCenter: sample.costCenter ?? null });
        items.push({ label: sample.label ?? `sample ${i + 1}`, userId: null, grants, add: grants, remove: [] });
      }
      const identities = await sso.identitiesOfUsers(db, conn.id, input.userIds ?? []);
      for (const userId of input.userIds ?? []) {
        const identity = identities.find((x) => x.user_id === userId);
        if (!identity) throw problems.validation([{ field: 'userIds', message: `${userId} has not signed in through this connection` }]);
        const last = identity.last_claims as { email?: string; groups?: string[] | null; department?: string | null; costCenter?: string | null };
        const grants = grantsFor(mappings, { groups: last.groups ?? [], department: last.department ?? null, costCenter: last.costCenter ?? null });
        const rows = await sso.mappingGrantsOf(db, conn.id, userId);
        const current = rows.map((r) => ({ roleId: r.role_id, scope: { type: r.scope_type as ScopeType, id: r.scope_id } }));
        items.push({ label: last.email ?? userId, userId, grants, ...diffGrants(current, grants) });
      }
      return { items };
    },

    async listTraces(p: Principal, orgId: string, connectionId: string) {
      const conn = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:read', connectionResource(conn));
      return { items: (await sso.listTraces(db, orgId, connectionId, TRACE_LIMIT)).map(traceView) };
    },

    /**
     * Starts an SP encryption key rotation: a new current key; the previous one stays in the
     * metadata and still decrypts until it is retired (a third key drops the oldest).
     */
    async createEncryptionKey(p: Principal, orgId: string, connectionId: string, expectedVersion: number | undefined) {
      const before = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:update', connectionResource(before));
      if (before.kind !== 'saml') throw problems.badRequest('wrong-kind', 'Encryption keys belong to SAML connections.');
      const key = await newSpKey(connectionId);
      const keys = [key, ...before.sp_encryption_keys].slice(0, MAX_SP_KEYS);
      const dropped = before.sp_encryption_keys.slice(MAX_SP_KEYS - 1).map((k) => k.id);
      return tx(async (t) => {
        const row = await sso.updateConnection(t, orgId, connectionId, expectedVersion, { spKeys: keys });
        if (!row) throw expectedVersion === undefined ? problems.notFound('SSO connection', connectionId) : problems.preconditionFailed();
        const view = connectionView(row);
        await recordAudit(t, p, {
          action: 'sso-connection:update',
          orgId,
          target: { type: 'sso-connection', id: connectionId, name: row.name },
          before: { encryptionKeys: before.sp_encryption_keys.map((k) => ({ id: k.id, fingerprint: k.fingerprint })) },
          after: { encryptionKeys: keys.map((k) => ({ id: k.id, fingerprint: k.fingerprint })), created: key.id, retired: dropped },
        });
        return view;
      });
    },

    /** Ends a rotation: a previous key is retired (the current one cannot be). */
    async retireEncryptionKey(p: Principal, orgId: string, connectionId: string, keyId: string, expectedVersion: number | undefined) {
      const before = await requireConnection(orgId, connectionId);
      await authz.require(p, 'sso-connection:update', connectionResource(before));
      const index = before.sp_encryption_keys.findIndex((k) => k.id === keyId);
      if (index < 0) throw problems.notFound('encryption key', keyId);
      if (index === 0) throw problems.conflict('current-encryption-key', 'This is the current encryption key: create a new one first, then retire this one.');
      const keys = before.sp_encryption_keys.filter((k) => k.id !== keyId);
      return tx(async (t) => {
        const row = await sso.updateConnection(t, orgId, connectionId, expectedVersion, { spKeys: keys });
        if (!row) throw expectedVersion === undefined ? problems.notFound('SSO connection', connectionId) : problems.preconditionFailed();
        const view = connectionView(row);
        await recordAudit(t, p, {
          action: 'sso-connection:update',
          orgId,
          target: { type: 'sso-connection', id: connectionId, name: row.name },
          before: { encryptionKeys: before.sp_encryption_keys.map((k) => ({ id: k.id, fingerprint: k.fingerprint })) },
          after: { encryptionKeys: keys.map((k) => ({ id: k.id, fingerprint: k.fingerprint })), retired: [keyId] },
        });
        return view;
      });
    },

    // ---- domains ----

    async createDomain(p: Principal, orgId: string, input: { domain: string }) {
      await authz.require(p, 'domain:create', orgResource(orgId));
      const domain = normalizeDomain(input.domain);
      if (!domain) throw problems.validation([{ field: 'domain', message: 'must be a domain name like example.com' }]);
      return tx(async (t) => {
        let row: sso.DomainRow;
        try {
          row = await sso.insertDomain(t, { id: newId('ssoDomain'), org_id: orgId, domain, token: randomToken(24) });
        } catch (error) {
          if (isUniqueViolation(error)) throw problems.conflict('domain-exists', `${domain} is already claimed by this organization.`, 'domain');
          throw error;
        }
        const view = domainView(row);
        await recordAudit(t, p, { action: 'domain:create', orgId, target: { type: 'domain', id: row.id, name: domain }, after: { domain, verified: false } });
        return view;
      });
    },

    async listDomains(p: Principal, orgId: string, page: PageQuery): Promise<Page<DomainView>> {
      await authz.require(p, 'domain:read', orgResource(orgId));
      const rows = await sso.listDomains(db, orgId, decodeCursor(page.cursor), page.limit);
      const result = toPage(rows, page.limit);
      return { items: result.items.map(domainView), nextCursor: result.nextCursor };
    },

    async getDomain(p: Principal, orgId: string, domainId: string) {
      const row = await requireDomain(orgId, domainId);
      await authz.require(p, 'domain:read', domainResource(row));
      return domainView(row);
    },

    /**
     * Gives a domain up: its addresses no longer route to single sign-on, and SSO enforcement for
     * it ends with it. Users, sessions and bindings made by sign-ins through it stay.
     */
    async deleteDomain(p: Principal, orgId: string, domainId: string, expectedVersion: number | undefined) {
      const before = await requireDomain(orgId, domainId);
      await authz.require(p, 'domain:delete', domainResource(before));
      await tx(async (t) => {
        const row = await sso.deleteDomain(t, orgId, domainId, expectedVersion);
        if (!row) throw expectedVersion === undefined ? problems.notFound('domain', domainId) : problems.preconditionFailed();
        await recordAudit(t, p, { action: 'domain:delete', orgId, target: { type: 'domain', id: row.id, name: row.domain }, before: domainView(row) });
      });
    },

    /** Looks for the TXT record now; a domain is verified for one organization at most. */
    async verifyDomain(p: Principal, orgId: string, domainId: string) {
      const before = await requireDomain(orgId, domainId);
      await authz.require(p, 'domain:verify', domainResource(before));
      if (!before.verified_at) {
        let records: string[][];
        try {
          records = await resolveTxt(before.domain);
        } catch (error) {
          throw new Problem(422, 'dns-lookup-failed', 'DNS lookup failed', `Looking up TXT records of ${before.domain} failed: ${(error as Error).message}`);
        }
        if (!txtProves(records, before.token)) {
          throw new Problem(422, 'domain-not-verified', 'Domain not verified', `No TXT record "${verificationRecord(before.token)}" found at ${before.domain}; DNS changes can take a while to appear.`);
        }
      }
      return tx(async (t) => {
        let row: sso.DomainRow | undefined = before;
        if (!before.verified_at) {
          try {
            row = await sso.markDomainVerified(t, orgId, domainId, now());
          } catch (error) {
            if (isUniqueViolation(error)) throw problems.conflict('domain-verified-elsewhere', `${before.domain} is verified by another organization.`);
            throw error;
          }
        }
        if (!row) throw problems.notFound('domain', domainId);
        const view = domainView(row);
        await recordAudit(t, p, { action: 'domain:verify', orgId, target: { type: 'domain', id: row.id, name: row.domain }, after: { verified: true, verifiedAt: view.verifiedAt } });
        return view;
      });
    },

    async updateDomain(p: Principal, orgId: string, domainId: string, expectedVersion: number | undefined, input: { enforceSso?: boolean | undefined; breakGlassUserIds?: string[] | undefined }) {
      const before = await requireDomain(orgId, domainId);
      await authz.require(p, 'domain:update', domainResource(before));
      if (input.enforceSso && !before.verified_at) throw problems.badRequest('domain-not-verified', 'Verify the domain before enforcing single sign-on for it.', 'enforceSso');
      for (const [i, userId] of (input.breakGlassUserIds ?? []).entries()) {
        if (!(await deps.services.tenancy.isMember(orgId, userId))) {
          throw problems.validation([{ field: `breakGlassUserIds.${i}`, message: `${userId} is not a member of this organization` }]);
        }
      }
      return tx(async (t) => {
        const row = await sso.updateDomain(t, orgId, domainId, expectedVersion, {
          ...(input.enforceSso !== undefined ? { enforce_sso: input.enforceSso } : {}),
          ...(input.breakGlassUserIds ? { break_glass_user_ids: [...new Set(input.breakGlassUserIds)] } : {}),
        });
        if (!row) throw expectedVersion === undefined ? problems.notFound('domain', domainId) : problems.preconditionFailed();
        const view = domainView(row);
        await recordAudit(t, p, {
          action: 'domain:update',
          orgId,
          target: { type: 'domain', id: row.id, name: row.domain },
          before: { enforceSso: before.enforce_sso, breakGlassUserIds: before.break_glass_user_ids },
          after: { enforceSso: view.enforceSso, breakGlassUserIds: view.breakGlassUserIds },
        });
        return view;
      });
    },

    // ---- public sign-in ----

    /** E-mail-first routing: tells only whether this address signs in through an IdP, and where. */
    async discover(email: string): Promise<{ sso: boolean; startUrl?: string }> {
      const domain = emailDomain(email);
      const row = domain ? await sso.findVerifiedDomain(db, domain) : undefined;
      const conn = row ? await sso.firstEnabledConnection(db, row.org_id) : undefined;
      return conn ? { sso: true, startUrl: startUrlOf(conn.id, conn.kind) } : { sso: false };
    },

    /**
     * The password sign-in's gate: null, or the 401 `sso-required` problem for an address of a
     * domain that enforces SSO (break-glass users pass).
     */
    async passwordSignInRefusal(email: string, userId: string | null): Promise<Problem | null> {
      const domain = emailDomain(email);
      const row = domain ? await sso.findVerifiedDomain(db, domain) : undefined;
      if (!row || !row.enforce_sso) return null;
      if (userId && row.break_glass_user_ids.includes(userId)) return null;
      const conn = await sso.firstEnabledConnection(db, row.org_id);
      return ssoProblems.ssoRequired(conn ? startUrlOf(conn.id, conn.kind) : null);
    },

    async samlMetadata(connectionId: string): Promise<string> {
      const conn = await sso.findConnectionById(db, connectionId);
      if (!conn || conn.kind !== 'saml' || !conn.settings.saml) throw problems.notFound('SSO connection', connectionId);
      const xml = spMetadata(conn.settings.saml, samlSp(conn.id), samlRequests(conn.id));
      return withEncryptionCertificates(xml, conn.sp_encryption_keys.map((k) => k.certificate));
    },

    async startSamlSignIn(connectionId: string, returnTo: string | null) {
      const conn = await sso.findConnectionById(db, connectionId);
      if (!conn || conn.kind !== 'saml' || !conn.enabled) throw problems.notFound('SSO connection', connectionId);
      return samlAuthorizeUrl(conn, returnTo ?? '/');
    },

    /** The ACS: a POSTed response, every check, then a session (or, for a test, a trace). */
    async completeSamlSignIn(connectionId: string, input: { SAMLResponse: string; RelayState?: string | undefined }, meta: RequestMeta): Promise<CallbackOutcome> {
      const conn = await sso.findConnectionById(db, connectionId);
      if (!conn || conn.kind !== 'saml' || !conn.settings.saml) throw problems.notFound('SSO connection', connectionId);
      const settings = conn.settings.saml;
      const purpose: 'sign-in' | 'test' = input.RelayState === SAML_TEST_RELAY ? 'test' : 'sign-in';
      let subject: string | null = null;
      try {
        if (purpose === 'sign-in' && !conn.enabled) throw new SsoFailure('connection-disabled', 'the connection is disabled');
        const decryptionPvk = await decryptionKeyFor(conn, input.SAMLResponse);
        const client = samlClient(settings, samlSp(conn.id), samlRequests(conn.id), decryptionPvk);
        const replays = { remember: (id: string, until: Date) => sso.rememberAssertion(db, conn.id, id, until, now()) };
        const result = await validateSamlResponse(client, input.SAMLResponse, samlSp(conn.id).acsUrl, replays, now());
        subject = result.profile.nameID;
        if (!settings.allowIdpInitiated && !result.profile.inResponseTo) throw new SsoFailure('idp-initiated-refused', 'IdP-initiated sign-in is off for this connection');
        // The AuthnContext plays OIDC's amr: a second factor at the IdP marks the session's MFA time.
        const raw = { ...samlClaims(result.profile, settings.attributes), amr: samlAmr(result.authnContextClassRefs, result.profile) };
        if (purpose === 'test') {
          await recordTestSuccess(conn, raw, defaultClaimNames, subject, meta);
          return { status: 'tested', redirectTo: `${publicUrl()}/orgs/${conn.org_id}/sso?tested=${conn.id}` };
        }
        const opened = await signInWithClaims(conn, raw, meta, defaultClaimNames);
        const returnTo = input.RelayState && /^\/(?![/\\])/.test(input.RelayState) ? input.RelayState : '/';
        return { status: 'signed-in', redirectTo: `${publicUrl()}${returnTo}`, session: { token: opened.token, expiresAt: opened.expiresAt } };
      } catch (error) {
        if (!(error instanceof SsoFailure)) throw error;
        await recordFailure(conn, purpose, error, meta, subject);
        return { status: 'failed', redirectTo: failedRedirect(error.reason) };
      }
    },

    async startSignIn(connectionId: string, returnTo: string | null, meta: RequestMeta) {
      const conn = await sso.findConnectionById(db, connectionId);
      if (!conn || !conn.enabled) throw problems.notFound('SSO connection', connectionId);
      try {
        return await beginLogin(conn, 'sign-in', returnTo, null);
      } catch (error) {
        if (!(error instanceof SsoFailure)) throw error;
        await recordFailure(conn, 'sign-in', error, meta, null);
        throw new Problem(502, error.reason, 'Identity provider unavailable', `The identity provider could not be reached: ${error.message}`);
      }
    },

    /** The redirect back from the IdP: every check, then a session (or, for a test, a trace). */
    async completeSignIn(search: string, cookie: string | undefined, meta: RequestMeta): Promise<CallbackOutcome> {
      // openid-client derives the redirect_uri it sends from this URL: it must be ours exactly.
      const callbackUrl = new URL(`${redirectUri()}${search}`);
      const bound = parseStateCookie(cookie) ?? (await unboundTestFlow(callbackUrl));
      if (!bound) throw problems.badRequest('sso-state-missing', 'This sign-in was not started in this browser (or took too long); start it again.', 'state');
      const conn = await sso.findConnectionById(db, bound.connectionId);
      if (!conn) throw problems.badRequest('sso-state-missing', 'The SSO connection of this sign-in no longer exists.', 'state');
      const state = callbackUrl.searchParams.get('state');
      let purpose: 'sign-in' | 'test' = 'sign-in';
      let subject: string | null = null;
      try {
        if (state !== bound.state) {
          // The stored state is spent as well: an interfered-with flow cannot be finished later.
          await sso.takeLoginState(db, bound.state);
          throw new SsoFailure('state-mismatch', 'the state returned by the IdP is not the one this browser started with');
        }
        const login = await sso.takeLoginState(db, bound.state);
        if (!login || login.connection_id !== conn.id) throw new SsoFailure('replay', 'this sign-in response was already used (or is unknown)');
        purpose = login.purpose;
        if (new Date(login.expires_at) <= now()) throw new SsoFailure('state-expired', 'the sign-in took longer than 10 minutes; start again');
        if (purpose === 'sign-in' && !conn.enabled) throw new SsoFailure('connection-disabled', 'the connection was disabled during the sign-in');
        const raw = await rp.complete(await clientSettings(conn), callbackUrl, { state: login.state, nonce: login.nonce, codeVerifier: login.code_verifier });
        subject = typeof raw.sub === 'string' ? raw.sub : null;
        if (purpose === 'test') {
          await recordTestSuccess(conn, raw, conn.settings.oidc!.claims, subject, meta);
          return { status: 'tested', redirectTo: `${publicUrl()}/orgs/${conn.org_id}/sso?tested=${conn.id}` };
        }
        const opened = await signInWithClaims(conn, raw, meta, conn.settings.oidc!.claims);
        return { status: 'signed-in', redirectTo: `${publicUrl()}${login.return_to ?? '/'}`, session: { token: opened.token, expiresAt: opened.expiresAt } };
      } catch (error) {
        if (!(error instanceof SsoFailure)) throw error;
        await recordFailure(conn, purpose, error, meta, subject);
        return { status: 'failed', redirectTo: failedRedirect(error.reason) };
      }
    },
  };
}
