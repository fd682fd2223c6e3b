/**
 * The SAML 2.0 service provider, on @node-saml/node-saml: SP metadata, the AuthnRequest
 * (HTTP-Redirect), and the validation of a POSTed response — XML signatures against the IdP's
 * certificates (two during a rollover), audience, NotBefore/NotOnOrAfter with a configurable
 * skew, InResponseTo against the requests we sent (a database-backed cache, so any replica can
 * finish a flow), plus what node-saml leaves to us: Destination and Recipient, the issuer, and a
 * replay cache of assertion ids. Failures become stable trace reasons (`samlReasonOf`).
 * Encrypted assertions are decrypted by node-saml with the SP key the caller chose
 * (`encryptionFacts` + sso-saml-keys.ts); the AuthnContext says whether the IdP checked MFA.
 */
import { SAML, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import { parseStringPromise, processors } from 'xml2js';
import { SsoFailure } from './sso-oidc.ts';

export interface SamlSettings {
  idpEntityId: string;
  ssoUrl: string;
  /** PEM or bare base64; two during a certificate rollover. */
  idpCerts: string[];
  wantAssertionsSigned: boolean;
  wantResponseSigned: boolean;
  allowIdpInitiated: boolean;
  clockSkewSeconds: number;
  /** Refuse assertions sent in plaintext (ADR 0014 amendment); absent on older rows: false. */
  requireEncryptedAssertions?: boolean;
  attributes: { email: string; name: string; groups: string; department: string; costCenter: string };
}

export interface SamlSp {
  entityId: string;
  acsUrl: string;
}

export interface SamlReplayCache {
  /** False when this assertion id was seen before for the connection. */
  remember(assertionId: string, notOnOrAfter: Date): Promise<boolean>;
}

/** `decryptionPvk`: the SP private key (PEM) that opens this response's EncryptedAssertion. */
export function samlClient(settings: SamlSettings, sp: SamlSp, requests: CacheProvider, decryptionPvk?: string): SAML {
  return new SAML({
    ...(decryptionPvk ? { decryptionPvk } : {}),
    callbackUrl: sp.acsUrl,
    entryPoint: settings.ssoUrl,
    issuer: sp.entityId,
    audience: sp.entityId,
    idpCert: settings.idpCerts,
    idpIssuer: settings.idpEntityId,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    wantAuthnResponseSigned: settings.wantResponseSigned,
    acceptedClockSkewMs: settings.clockSkewSeconds * 1000,
    validateInResponseTo: settings.allowIdpInitiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: 10 * 60_000,
    cacheProvider: requests,
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    disableRequestedAuthnContext: true,
    signatureAlgorithm: 'sha256',
  });
}

export function spMetadata(settings: SamlSettings, sp: SamlSp, requests: CacheProvider): string {
  return samlClient(settings, sp, requests).generateServiceProviderMetadata(null, null);
}

type XmlNode = { $?: Record<string, string>; _?: string } & { [child: string]: XmlNode[] | Record<string, string> | string | undefined };

/** XML to plain objects, namespace prefixes dropped (element and attribute names are what we match). */
async function parseXml(xml: string): Promise<XmlNode> {
  return parseStringPromise(xml, { tagNameProcessors: [processors.stripPrefix], attrNameProcessors: [processors.stripPrefix], explicitRoot: true, explicitArray: true });
}

/** Child elements by name (the root element comes as an object, the others as arrays). */
function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name] as XmlNode[] | XmlNode | undefined;
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
const attr = (node: XmlNode | undefined, name: string): string | undefined => node?.$?.[name];
const text = (node: XmlNode | string | undefined): string => (typeof node === 'string' ? node : (node?._ ?? '')).replace(/\s+/g, '');

/** The IdP's entity id, SSO URL (HTTP-Redirect, else POST) and signing certificates from its metadata. */
export async function parseIdpMetadata(xml: string): Promise<{ idpEntityId: string; ssoUrl: string; idpCerts: string[] } | null> {
  let root: XmlNode;
  try {
    root = await parseXml(xml);
  } catch {
    return null;
  }
  const entity = children(root, 'EntityDescriptor')[0];
  const idp = children(entity, 'IDPSSODescriptor')[0];
  const services = children(idp, 'SingleSignOnService');
  const byBinding = (b: string) => attr(services.find((x) => attr(x, 'Binding') === `urn:oasis:names:tc:SAML:2.0:bindings:${b}`), 'Location');
  const certs = children(idp, 'KeyDescriptor')
    .filter((k) => !attr(k, 'use') || attr(k, 'use') === 'signing')
    .flatMap((k) => children(children(children(k, 'KeyInfo')[0], 'X509Data')[0], 'X509Certificate'))
    .map((c) => text(c as unknown as string | XmlNode))
    .filter(Boolean);
  const entityId = attr(entity, 'entityID');
  const ssoUrl = byBinding('HTTP-Redirect') ?? byBinding('HTTP-POST');
  if (!entityId || !ssoUrl || certs.length === 0) return null;
  return { idpEntityId: entityId, ssoUrl, idpCerts: [...new Set(certs)].slice(0, 2) };
}

/** What the raw response says about encryption, read before node-saml validates it. */
export interface EncryptionFacts {
  /** A plaintext Assertion is a direct child of the Response. */
  plaintext: boolean;
  /** An EncryptedAssertion is a direct child of the Response. */
  encrypted: boolean;
  /** Its EncryptedKeys: the RSA-OAEP cipher values and digests (SHA-1 unless a DigestMethod says otherwise). */
  encryptedKeys: Array<{ cipherValue: string; oaepHash: string }>;
}

/** Every descendant element with this (prefix-less) name. */
function descendants(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const found: XmlNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$' || key === '_' || !Array.isArray(value)) continue;
    for (const child of value as XmlNode[]) {
      if (key === name) found.push(child);
      found.push(...descendants(child, name));
    }
  }
  return found;
}

const oaepHashOf = (uri: string | undefined) => (uri?.endsWith('#sha512') ? 'sha512' : uri?.endsWith('#sha256') ? 'sha256' : 'sha1');

export async function encryptionFacts(samlResponse: string): Promise<EncryptionFacts> {
  let root: XmlNode;
  try {
    root = await parseXml(Buffer.from(samlResponse, 'base64').toString('utf8'));
  } catch {
    throw new SsoFailure('invalid-response', 'the SAMLResponse is not XML');
  }
  const response = children(root, 'Response')[0];
  const encrypted = children(response, 'EncryptedAssertion');
  const encryptedKeys = encrypted.flatMap((e) => descendants(e, 'EncryptedKey')).map((k) => ({
    cipherValue: text(children(children(k, 'CipherData')[0], 'CipherValue')[0]),
    oaepHash: oaepHashOf(attr(children(children(k, 'EncryptionMethod')[0], 'DigestMethod')[0], 'Algorithm')),
  }));
  return { plaintext: children(response, 'Assertion').length > 0, encrypted: encrypted.length > 0, encryptedKeys };
}

interface ResponseFacts {
  destination: string | undefined;
  recipients: string[];
  assertionId: string | undefined;
  notOnOrAfter: string | undefined;
  /** The AuthnStatements' AuthnContextClassRefs: how the IdP authenticated the user. */
  authnContextClassRefs: string[];
}

/**
 * Destination from the response; the rest from the assertion node-saml verified (not from the
 * raw document, where a wrapped, unsigned copy could sit first).
 */
async function responseFacts(responseXml: string, assertionXml: string): Promise<ResponseFacts> {
  const response = children(await parseXml(responseXml), 'Response')[0];
  const assertion = children(await parseXml(assertionXml), 'Assertion')[0];
  const confirmations = children(children(assertion, 'Subject')[0], 'SubjectConfirmation');
  return {
    destination: attr(response, 'Destination'),
    recipients: confirmations.flatMap((c) => children(c, 'SubjectConfirmationData')).map((d) => attr(d, 'Recipient') ?? ''),
    assertionId: attr(assertion, 'ID'),
    notOnOrAfter: attr(children(assertion, 'Conditions')[0], 'NotOnOrAfter'),
    authnContextClassRefs: children(assertion, 'AuthnStatement')
      .flatMap((a) => children(children(a, 'AuthnContext')[0], 'AuthnContextClassRef'))
      .map((c) => text(c as unknown as string | XmlNode))
      .filter(Boolean),
  };
}

/** What node-saml does not check: where the response says it is going. */
function checkAddressing(facts: ResponseFacts, acsUrl: string): void {
  if (facts.destination !== undefined && facts.destination !== acsUrl) throw new SsoFailure('destination-mismatch', `the response is for ${facts.destination}, not ${acsUrl}`);
  if (facts.recipients.length === 0) throw new SsoFailure('recipient-mismatch', 'the assertion names no Recipient');
  if (facts.recipients.some((r) => r !== acsUrl)) throw new SsoFailure('recipient-mismatch', `the assertion is for ${facts.recipients.join(', ')}, not ${acsUrl}`);
}

export interface SamlResult {
  profile: Profile;
  assertionId: string;
  notOnOrAfter: Date;
  authnContextClassRefs: string[];
}

/** AuthnContext classes that mean a second factor (SAML 2.0 classes, REFEDS MFA, Entra ID's). */
const MFA_AUTHN_CONTEXTS = new Set([
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI',
  'https://refeds.org/profile/mfa',
  'http://schemas.microsoft.com/claims/multipleauthn',
]);
const ENTRA_AUTHN_METHODS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';

/**
 * The SAML counterpart of OIDC's `amr`: ['mfa'] when the AuthnContext (or Entra ID's
 * authnmethodsreferences attribute) says the IdP checked a second factor, else [].
 */
export function samlAmr(authnContextClassRefs: readonly string[], profile: Profile): string[] {
  const raw = (profile as unknown as Record<string, unknown>)[ENTRA_AUTHN_METHODS];
  const methods = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return [...authnContextClassRefs, ...methods].some((v) => typeof v === 'string' && MFA_AUTHN_CONTEXTS.has(v)) ? ['mfa'] : [];
}

export async function validateSamlResponse(client: SAML, samlResponse: string, acsUrl: string, replays: SamlReplayCache, now: Date): Promise<SamlResult> {
  let profile: Profile | null;
  try {
    ({ profile } = await client.validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (error) {
    throw new SsoFailure(samlReasonOf(error), (error as Error).message.slice(0, 500));
  }
  if (!profile) throw new SsoFailure('invalid-response', 'the response carries no assertion');
  const assertionXml = profile.getAssertionXml?.();
  if (!assertionXml) throw new SsoFailure('invalid-response', 'the response carries no assertion');
  const facts = await responseFacts(Buffer.from(samlResponse, 'base64').toString('utf8'), assertionXml);
  checkAddressing(facts, acsUrl);
  const assertionId = facts.assertionId ?? profile.ID ?? '';
  if (!assertionId) throw new SsoFailure('invalid-response', 'the assertion has no ID');
  const until = facts.notOnOrAfter ? new Date(facts.notOnOrAfter) : new Date(now.getTime() + 10 * 60_000);
  if (!(await replays.remember(assertionId, until))) throw new SsoFailure('replay', `assertion ${assertionId} was already used`);
  return { profile, assertionId, notOnOrAfter: until, authnContextClassRefs: facts.authnContextClassRefs };
}

/** node-saml's error messages as stable reasons (docs/sso.md has the table). */
export function samlReasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/InResponseTo/i.test(message)) return 'in-response-to-invalid';
  if (/signature/i.test(message)) return 'signature-invalid';
  // Every SubjectConfirmation failed: with one bearer confirmation that is its time window.
  if (/subject confirmation/i.test(message)) return 'expired';
  if (/audience/i.test(message)) return 'audience-mismatch';
  if (/expired|NotOnOrAfter/i.test(message)) return 'expired';
  if (/NotBefore|not yet valid/i.test(message)) return 'clock-skew';
  if (/issuer/i.test(message)) return 'issuer-mismatch';
  if (/status|Responder|Requester/i.test(message)) return 'idp-error';
  return 'invalid-response';
}

/** Attributes of a profile in the shape `readClaims` takes (NameID is the e-mail's fallback). */
export function samlClaims(profile: Profile, attributes: SamlSettings['attributes']): Record<string, unknown> {
  const raw = profile as unknown as Record<string, unknown>;
  const first = (name: string) => {
    const value = raw[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const email = first(attributes.email) ?? (/@/.test(profile.nameID) ? profile.nameID : undefined);
  return {
    sub: profile.nameID,
    email,
    name: first(attributes.name),
    groups: raw[attributes.groups],
    department: first(attributes.department),
    costCenter: first(attributes.costCenter),
  };
}
