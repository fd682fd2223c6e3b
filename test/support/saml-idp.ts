/**
 * A real SAML identity provider in-process (samlify): it parses the SP's AuthnRequest from the
 * redirect URL and builds signed responses, with any template value overridden (audience,
 * destination, times) for the rejections an SP must make. Its key and certificate come from
 * openssl. samlify is loaded through require with a local type, because its own types pull the
 * DOM library into the whole program.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
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

export function startSamlIdp(options: { entityId?: string; ssoUrl?: string } = {}): TestSamlIdp {
  const { key, cert } = keyPair();
  const entityId = options.entityId ?? 'http://idp.test/saml';
  const ssoUrl = options.ssoUrl ?? 'http://idp.test/saml/sso';
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

export interface SamlIdpUser extends SamlUser {
  password: string;
}

/** The IdP as a browser meets it: its own sign-in page, then the HTTP-POST binding back to the SP. */
export interface SamlIdpServer extends TestSamlIdp {
  /** Accounts by e-mail (lower case). */
  users: Map<string, SamlIdpUser>;
  /** Registers an SP (its metadata XML), as an administrator adds an application in the IdP. */
  trust(spMetadata: string): void;
  /** Responses posted back to an SP, and sign-in attempts the form refused. */
  signIns: { ok: number; refused: number };
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The Issuer of a deflated, base64 AuthnRequest (HTTP-Redirect binding): which SP is asking. */
function requestIssuer(samlRequest: string): string | null {
  try {
    const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
    return /<(?:saml2?:)?Issuer[^>]*>([^<]+)<\/(?:saml2?:)?Issuer>/.exec(xml)?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

function loginPage(entityId: string, request: string, error: string | null, email = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in - test SAML IdP</title></head><body>
<h1 data-testid="idp-title">Sign in to ${escapeHtml(entityId)}</h1>
${error ? `<p role="alert" data-testid="idp-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/saml/login">
<input type="hidden" name="request" value="${escapeHtml(request)}">
<label>E-mail <input name="email" type="email" autocomplete="username" value="${escapeHtml(email)}" data-testid="idp-email"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" data-testid="idp-password"></label>
<button type="submit" data-testid="idp-submit">Sign in</button>
</form></body></html>`;
}

/** The SAML HTTP-POST binding: a form that posts itself to the SP's ACS. */
function postBindingPage(acs: string, samlResponse: string, relayState: string | null): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Signing you in…</title></head><body>
<form method="post" action="${escapeHtml(acs)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(samlResponse)}">
${relayState !== null ? `<input type="hidden" name="RelayState" value="${escapeHtml(relayState)}">` : ''}
<noscript><button type="submit">Continue</button></noscript>
</form><script>document.forms[0].submit();</script></body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A SAML IdP listening on loopback: GET /saml/sso shows its sign-in page for the AuthnRequest in
 * the query; POST /saml/login checks e-mail and password and answers with the auto-submitting
 * form of the HTTP-POST binding, carrying a response signed by samlify.
 */
export async function startSamlIdpServer(options: { entityId?: string } = {}): Promise<SamlIdpServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp = startSamlIdp({ entityId: options.entityId ?? `${origin}/saml/metadata`, ssoUrl: `${origin}/saml/sso` });
  const users = new Map<string, SamlIdpUser>();
  const providers = new Map<string, string>();
  const signIns = { ok: 0, refused: 0 };

  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'GET' && url.pathname === '/saml/metadata') return send(res, 200, idp.metadata, 'application/samlmetadata+xml');
    if (req.method === 'GET' && url.pathname === '/saml/sso') {
      const samlRequest = url.searchParams.get('SAMLRequest');
      if (!samlRequest) return send(res, 400, 'no SAMLRequest');
      return send(res, 200, loginPage(idp.entityId, url.search.slice(1), null));
    }
    if (req.method === 'POST' && url.pathname === '/saml/login') {
      const form = await readForm(req);
      const request = form.get('request') ?? '';
      const query = new URLSearchParams(request);
      const spMetadata = providers.get(requestIssuer(query.get('SAMLRequest') ?? '') ?? '');
      if (!spMetadata) return send(res, 400, 'this service provider is not registered with the IdP');
      const email = (form.get('email') ?? '').trim().toLowerCase();
      const user = users.get(email);
      if (!user || user.password !== form.get('password')) {
        signIns.refused += 1;
        return send(res, 200, loginPage(idp.entityId, request, 'Unknown e-mail or wrong password.', email));
      }
      const samlResponse = await idp.respond(spMetadata, `${idp.ssoUrl}?${request}`, user);
      const acs = /AssertionConsumerService[^>]*Location="([^"]+)"/.exec(spMetadata)![1]!;
      signIns.ok += 1;
      return send(res, 200, postBindingPage(acs, samlResponse, query.get('RelayState')));
    }
    return send(res, 404, 'not found');
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, error.message, 'text/plain'));
  });

  return {
    ...idp,
    users,
    signIns,
    trust(spMetadata) {
      const entityId = /entityID="([^"]+)"/.exec(spMetadata)?.[1];
      if (!entityId) throw new Error('not SP metadata: no entityID');
      providers.set(entityId, spMetadata);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
