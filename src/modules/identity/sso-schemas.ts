import { z } from 'zod';
import { idSchema, orgParams } from '../../kernel/http/routing.ts';

// ---- connections ----

const claimName = z.string().trim().min(1).max(100);
const claimNamesInput = z
  .object({ email: claimName, name: claimName, groups: claimName, department: claimName, costCenter: claimName })
  .partial()
  .strict()
  .describe('Which ID token claim carries each attribute (defaults: email, name, groups, department, costCenter)');

const scopes = z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'a scope token')).min(1).max(20);

export const presetSchema = z.enum(['okta', 'entra', 'google', 'generic']);
export const connectionKindSchema = z.enum(['oidc', 'saml']);

const oidcCreate = z
  .object({
    discoveryUrl: z.url().max(2000).optional().describe('The issuer or its /.well-known/openid-configuration URL; Entra ID: derived from tenantId'),
    tenantId: z.string().trim().regex(/^[A-Za-z0-9.-]{1,100}$/, 'an Entra ID tenant id (GUID) or domain').optional(),
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().min(1).max(2000).describe('Stored sealed; never returned'),
    scopes: scopes.optional(),
    claims: claimNamesInput.optional(),
  })
  .strict();

const samlCreate = z
  .object({
    metadataXml: z.string().min(1).max(500_000).optional().describe("The IdP's metadata XML (entity id, SSO URL, signing certificates)"),
    metadataUrl: z.url().max(2000).optional().describe("Where to fetch the IdP's metadata from (once, now)"),
    idpEntityId: z.string().trim().min(1).max(1000).optional(),
    ssoUrl: z.url().max(2000).optional(),
    idpCerts: z.array(z.string().trim().min(100).max(20_000)).min(1).max(2).optional().describe('PEM or base64 certificates; two during a rollover'),
    wantAssertionsSigned: z.boolean().default(true),
    wantResponseSigned: z.boolean().default(false),
    allowIdpInitiated: z.boolean().default(false).describe('Accept responses that answer no request of ours'),
    clockSkewSeconds: z.number().int().min(0).max(600).default(120),
    requireEncryptedAssertions: z.boolean().default(false).describe('Refuse assertions the IdP did not encrypt to the SP encryption certificate'),
    attributes: claimNamesInput.optional().describe('Which SAML attribute carries each value (NameID is the e-mail fallback)'),
  })
  .strict();

export const createConnectionBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: connectionKindSchema,
    preset: presetSchema.default('generic'),
    oidc: oidcCreate.optional().describe('Required when kind is oidc'),
    saml: samlCreate.optional().describe('Required when kind is saml'),
    jitProvisioning: z.boolean().default(true).describe('Create users on their first sign-in'),
  })
  .strict();

export const updateConnectionBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    enabled: z.boolean().optional(),
    jitProvisioning: z.boolean().optional(),
    oidc: oidcCreate.partial().strict().optional(),
    saml: z
      .object({
        idpCerts: z.array(z.string().trim().min(100).max(20_000)).min(1).max(2).optional(),
        wantAssertionsSigned: z.boolean().optional(),
        wantResponseSigned: z.boolean().optional(),
        allowIdpInitiated: z.boolean().optional(),
        clockSkewSeconds: z.number().int().min(0).max(600).optional(),
        requireEncryptedAssertions: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const grantScope = z
  .object({ type: z.enum(['organization', 'workspace', 'project']), id: z.string().min(1).max(64) })
  .strict();

export const mappingSchema = z
  .object({
    claim: z.enum(['groups', 'department', 'costCenter']),
    value: z.string().trim().min(1).max(256),
    roleId: z.string().min(1).max(64),
    scope: grantScope,
  })
  .strict()
  .meta({ id: 'SsoMapping' });

const mappingList = z.array(mappingSchema).max(200);

export const putMappingsBody = z.object({ mappings: mappingList.describe('The whole list: it replaces the saved one') }).strict();

export const previewMappingsBody = z
  .object({
    mappings: mappingList.optional().describe('The mappings to try; the saved ones when left out'),
    claims: z
      .array(
        z
          .object({
            label: z.string().max(200).optional(),
            groups: z.array(z.string().max(256)).max(500).optional(),
            department: z.string().max(256).optional(),
            costCenter: z.string().max(256).optional(),
          })
          .strict(),
      )
      .max(100)
      .optional()
      .describe('Sample claims'),
    userIds: z.array(idSchema('usr')).max(100).optional().describe('Users who signed in through this connection (their last claims are used)'),
  })
  .strict();

export const connectionSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    kind: connectionKindSchema,
    preset: presetSchema,
    enabled: z.boolean(),
    jitProvisioning: z.boolean(),
    oidc: z
      .object({
        discoveryUrl: z.string(),
        tenantId: z.string().nullable(),
        clientId: z.string(),
        clientSecretSet: z.boolean(),
        scopes: z.array(z.string()),
        claims: z.object({ email: z.string(), name: z.string(), groups: z.string(), department: z.string(), costCenter: z.string() }),
      })
      .nullable(),
    saml: z
      .object({
        spEntityId: z.string().describe('Paste into the IdP as the SP entity id / audience'),
        acsUrl: z.string().describe('Paste into the IdP as the ACS / reply URL'),
        spMetadataUrl: z.string(),
        idpEntityId: z.string(),
        ssoUrl: z.string(),
        idpCertFingerprints: z.array(z.string()).describe('SHA-256 fingerprints of the trusted IdP certificates'),
        wantAssertionsSigned: z.boolean(),
        wantResponseSigned: z.boolean(),
        allowIdpInitiated: z.boolean(),
        clockSkewSeconds: z.number().int(),
        requireEncryptedAssertions: z.boolean().describe('Plaintext assertions are refused (trace reason assertion-not-encrypted)'),
        encryptionCertificates: z
          .array(
            z.object({
              id: z.string(),
              fingerprint: z.string().describe('SHA-256'),
              certificate: z.string().describe('PEM: give it to the IdP to encrypt assertions to (also in the SP metadata)'),
              current: z.boolean().describe('The newest key; the other one (during a rotation) still decrypts'),
              createdAt: z.string(),
              notAfter: z.string(),
            }),
          )
          .describe('The SP encryption certificates, current first; two during a rotation'),
        attributes: z.object({ email: z.string(), name: z.string(), groups: z.string(), department: z.string(), costCenter: z.string() }),
      })
      .nullable(),
    redirectUri: z.string().describe('Paste this into the identity provider as the sign-in redirect URI'),
    startUrl: z.string().describe('Where a user is sent to sign in through this connection'),
    mappings: z.array(mappingSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'SsoConnection' });

export const connectionParams = orgParams.extend({ connectionId: idSchema('sso') });
export const encryptionKeyParams = connectionParams.extend({ keyId: idSchema('spk') });

export const testResultSchema = z
  .object({ authorizationUrl: z.string().describe('Open it to sign in at the IdP; the result is recorded as a trace'), expiresAt: z.string() })
  .meta({ id: 'SsoTestStart' });

export const previewSchema = z
  .object({
    items: z.array(
      z.object({
        label: z.string(),
        userId: z.string().nullable(),
        grants: z.array(z.object({ roleId: z.string(), scope: grantScope })),
        add: z.array(z.object({ roleId: z.string(), scope: grantScope })),
        remove: z.array(z.object({ roleId: z.string(), scope: grantScope })),
      }),
    ),
  })
  .meta({ id: 'SsoMappingPreview' });

export const traceSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    at: z.string(),
    outcome: z.enum(['success', 'failure']),
    purpose: z.enum(['sign-in', 'test']),
    reason: z.string().describe('A stable reason: signature-invalid, audience-mismatch, issuer-mismatch, nonce-mismatch, ... (docs/sso.md)'),
    detail: z.string(),
    subject: z.string().nullable(),
  })
  .meta({ id: 'SsoTrace' });

export const tracesSchema = z.object({ items: z.array(traceSchema) }).meta({ id: 'SsoTraces' });

// ---- domains ----

export const createDomainBody = z.object({ domain: z.string().trim().min(3).max(253) }).strict();

export const updateDomainBody = z
  .object({
    enforceSso: z.boolean().optional(),
    breakGlassUserIds: z.array(idSchema('usr')).max(20).optional().describe('Users who may still sign in with a password'),
  })
  .strict();

export const domainSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    domain: z.string(),
    txtRecord: z.object({ name: z.string(), type: z.literal('TXT'), value: z.string() }).describe('Publish this record to prove the domain'),
    verified: z.boolean(),
    verifiedAt: z.string().nullable(),
    enforceSso: z.boolean(),
    breakGlassUserIds: z.array(z.string()),
    createdAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'VerifiedDomain' });

export const domainParams = orgParams.extend({ domainId: idSchema('dom') });

// ---- public sign-in ----

export const discoverBody = z.object({ email: z.string().trim().min(3).max(254) }).strict();
export const discoverSchema = z
  .object({ sso: z.boolean(), startUrl: z.string().optional() })
  .meta({ id: 'SsoDiscovery' });

export const startParams = z.object({ connectionId: idSchema('sso') });
export const startQuery = z
  .object({ returnTo: z.string().max(2000).regex(/^\/(?![/\\])/, 'a path on this site, starting with a single /').optional() })
  .strict();
export const callbackQuery = z
  .object({
    state: z.string().max(200).optional(),
    code: z.string().max(4000).optional(),
    error: z.string().max(200).optional(),
    error_description: z.string().max(2000).optional(),
    iss: z.string().max(2000).optional(),
    session_state: z.string().max(500).optional(),
  })
  .loose();
export const callbackResultSchema = z
  .object({ status: z.enum(['signed-in', 'tested']), redirectTo: z.string() })
  .meta({ id: 'SsoCallbackResult' });

export type ConnectionView = z.infer<typeof connectionSchema>;
export type DomainView = z.infer<typeof domainSchema>;
export type TraceView = z.infer<typeof traceSchema>;

export const samlAcsBody = z
  .object({ SAMLResponse: z.string().min(1).max(1_000_000), RelayState: z.string().max(2000).optional() })
  .strict();
