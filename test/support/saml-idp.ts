/**
 * A real SAML identity provider in-process (samlify): it parses the SP's AuthnRequest from the
 * redirect URL and builds signed responses, with any template value overridden (audience,
 * destination, times) for the rejections an SP must make. Its key and certificate come from
 * openssl. samlify is loaded through require with a local type, because its own types pull the
 * DOM library into the whole program.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

interface SamlifyEntity {
  getMetadata(): string;
}
interface SamlifyIdp extends SamlifyEntity {
  parseLoginRequest(sp: SamlifyEntity, binding: 'redirect', request: { query: Record<string, string> }): Promise<{ extract: { request: { id: string } } }>;
  createLoginResponse(
    sp: SamlifyEntity,
    requestInfo: unknown,
    binding: 'post',
    user: Record<string, unknown>,
    customTagReplacement: (template: string) => { id: string; context: string },
  ): Promise<{ id: string; context: string }>;
}
interface Samlify {
  setSchemaValidator(validator: unknown): void;
  IdentityProvider(options: Record<string, unknown>): SamlifyIdp;
  ServiceProvider(options: { metadata: string }): SamlifyEntity;
  SamlLib: { replaceTagsByValue(template: string, values: Record<string, string>): string };
}

const require = createRequire(import.meta.url);
const samlify = require('samlify') as Samlify;
samlify.setSchemaValidator(require('@authenio/samlify-node-xmllint'));

export interface SamlUser {
  email: string;
  name?: string;
  groups?: string[];
}

export interface TestSamlIdp {
  entityId: string;
  ssoUrl: string;
  metadata: string;
  certificate: string;
  /**
   * A signed SAMLResponse (base64) answering the AuthnRequest in `redirectUrl`; `overrides` replace
   * template values. `encryptTo`: the assertion (signed, then) encrypted to this certificate
   * (base64 DER), or `'metadata'` for the SP metadata's first encryption certificate.
   */
  respond(spMetadata: string, redirectUrl: string, user: SamlUser, overrides?: Record<string, string>, options?: { encryptTo?: string; authnContext?: string }): Promise<string>;
}

function keyPair(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hexaplane-saml-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2', '-subj', '/CN=test-idp'], { stdio: 'ignore' });
    return { key: readFileSync(`${dir}/key.pem`, 'utf8'), cert: readFileSync(`${dir}/cert.pem`, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const authn = (now: Date, classRef = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport') =>
  `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"><saml:AuthnContext><saml:AuthnContextClassRef>${escapeXml(classRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;

function attributeStatement(user: SamlUser): string {
  const attribute = (name: string, values: string[]) =>
    `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
      .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
      .join('')}</saml:Attribute>`;
  return `<saml:AttributeStatement>${attribute('email', [user.email])}${attribute('name', [user.name ?? user.email])}${user.groups?.length ? attribute('groups', user.groups) : ''}</saml:AttributeStatement>`;
}

/** A self-signed certificate (base64 DER) of a fresh key pair: an encryption key that is not the SP's. */
export function strayCertificate(): string {
  return keyPair().cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
}

const ENCRYPTION_DESCRIPTOR = /<(?:md:)?KeyDescriptor use="encryption">[\s\S]*?<\/(?:md:)?KeyDescriptor>/g;

/** The SP metadata samlify reads, with exactly one encryption certificate: the one to encrypt to. */
function spMetadataEncryptingTo(spMetadata: string, encryptTo: string): string {
  const cert = encryptTo === 'metadata' ? /<KeyDescriptor use="encryption">[\s\S]*?<ds:X509Certificate>([^<]+)</.exec(spMetadata)?.[1] : encryptTo;
  if (!cert) throw new Error('the SP metadata has no encryption certificate');
  const descriptor = `<KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>`;
  return spMetadata.replace(ENCRYPTION_DESCRIPTOR, '').replace(/(<SPSSODescriptor\b[^>]*>)/, `$1${descriptor}`);
}

export function startSamlIdp(options: { entityId?: string } = {}): TestSamlIdp {
  const { key, cert } = keyPair();
  const entityId = options.entityId ?? 'http://idp.test/saml';
  const ssoUrl = 'http://idp.test/saml/sso';
  const settings = {
    entityID: entityId,
    privateKey: key,
    signingCert: cert,
    wantAuthnRequestsSigned: false,
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: ssoUrl }],
  };
  const idp = samlify.IdentityProvider({ ...settings, isAssertionEncrypted: false });
  // The same IdP with assertion encryption on (RSA-OAEP key transport, AES-256-CBC content).
  const encryptingIdp = samlify.IdentityProvider({ ...settings, isAssertionEncrypted: true });
  return {
    entityId,
    ssoUrl,
    metadata: idp.getMetadata(),
    certificate: cert,
    async respond(spMetadata, redirectUrl, user, overrides = {}, respondOptions = {}) {
      const sp = samlify.ServiceProvider({ metadata: respondOptions.encryptTo ? spMetadataEncryptingTo(spMetadata, respondOptions.encryptTo) : spMetadata.replace(ENCRYPTION_DESCRIPTOR, '') });
      const query = Object.fromEntries(new URL(redirectUrl).searchParams);
      const request = await idp.parseLoginRequest(sp, 'redirect', { query });
      const spEntity = /entityID="([^"]+)"/.exec(spMetadata)![1]!;
      const acs = /AssertionConsumerService[^>]*Location="([^"]+)"/.exec(spMetadata)![1]!;
      const now = new Date();
      const later = new Date(now.getTime() + 5 * 60_000).toISOString();
      const id = `_${crypto.randomUUID()}`;
      const response = await (respondOptions.encryptTo ? encryptingIdp : idp).createLoginResponse(sp, request, 'post', { email: user.email }, (template) => ({
        id,
        // replaceTagsByValue escapes values: the XML fragments go in first, as they are.
        context: samlify.SamlLib.replaceTagsByValue(template.replace('{AuthnStatement}', authn(now, respondOptions.authnContext)).replace('{AttributeStatement}', attributeStatement(user)), {
          ID: id,
          AssertionID: `_${crypto.randomUUID()}`,
          Destination: acs,
          Audience: spEntity,
          SubjectRecipient: acs,
          Issuer: entityId,
          IssueInstant: now.toISOString(),
          StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
          ConditionsNotBefore: now.toISOString(),
          ConditionsNotOnOrAfter: later,
          SubjectConfirmationDataNotOnOrAfter: later,
          NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          NameID: user.email,
          InResponseTo: request.extract.request.id,
          ...overrides,
        }),
      }));
      return response.context;
    },
  };
}

/** The response with every XML signature removed (an unsigned response). */
export function stripSignatures(samlResponse: string): string {
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  return Buffer.from(xml.replace(/<(ds:)?Signature[\s\S]*?<\/(ds:)?Signature>/g, '')).toString('base64');
}
