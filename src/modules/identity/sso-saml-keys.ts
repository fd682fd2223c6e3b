/**
 * The SP's encryption keys for SAML (ADR 0014, amendment): an RSA key pair per connection with a
 * self-signed X.509 certificate that the IdP encrypts assertions to. node:crypto makes the key
 * pair but no certificate, so the few DER structures of one are written here; the certificate
 * only carries the public key (IdPs do not check its chain or dates for encryption).
 */
import { constants, generateKeyPair, privateDecrypt, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsa = promisify(generateKeyPair);

// ---- DER (X.690), the subset a certificate needs ----

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n < 0x80) return Buffer.concat([Buffer.from([tag, n]), content]);
  const length: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) length.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | length.length, ...length]), content]);
}
const sequence = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const nullValue = Buffer.from([0x05, 0x00]);

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps the sign bit clear). */
function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return der(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function objectId(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280, 4.1.2.5). */
function time(at: Date): Buffer {
  const s = at.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return at.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(s.slice(2))) : der(0x18, Buffer.from(s));
}

const commonName = (cn: string) => sequence(set(sequence(objectId('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));
const sha256WithRsa = sequence(objectId('1.2.840.113549.1.1.11'), nullValue);

/** A self-signed certificate (DER) for the key pair, valid from `notBefore` to `notAfter`. */
export function selfSignedCertificate(keys: { publicKey: KeyObject; privateKey: KeyObject }, cn: string, serial: Buffer, notBefore: Date, notAfter: Date): Buffer {
  const tbs = sequence(
    der(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sha256WithRsa,
    commonName(cn),
    sequence(time(notBefore), time(notAfter)),
    commonName(cn),
    keys.publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, keys.privateKey);
  return sequence(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

export interface NewSpKey {
  /** The certificate, base64 DER (as metadata carries it). */
  certificate: string;
  /** PKCS#8 PEM: seal it before storing. */
  privateKeyPem: string;
  fingerprint: string;
  notAfter: Date;
}

/** How long an SP encryption certificate says it is valid; rotation is the administrator's call. */
export const SP_CERT_YEARS = 10;

export async function newSpEncryptionKey(entityId: string, serial: Buffer, now: Date): Promise<NewSpKey> {
  const keys = await generateRsa('rsa', { modulusLength: 2048 });
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SP_CERT_YEARS);
  const cert = selfSignedCertificate(keys, `Hexaplane SP encryption ${entityId}`.slice(0, 64), serial, now, notAfter);
  return {
    certificate: cert.toString('base64'),
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint: new X509Certificate(cert).fingerprint256,
    notAfter,
  };
}

/**
 * Which of the keys can open an EncryptedKey (RSA-OAEP, the only key transport xml-encryption
 * accepts besides the refused RSA 1.5): the index of the first that can, or -1. Trying is
 * cheap, and it lets two keys overlap during a rotation although node-saml takes one.
 */
export function keyOpening(encryptedKeys: readonly { cipherValue: string; oaepHash: string }[], privateKeysPem: readonly string[]): number {
  for (const [index, key] of privateKeysPem.entries()) {
    for (const { cipherValue, oaepHash } of encryptedKeys) {
      try {
        privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.from(cipherValue, 'base64'));
        return index;
      } catch {
        // not this key
      }
    }
  }
  return -1;
}

/** The SP metadata with KeyDescriptor use="encryption" for each certificate (the current first). */
export function withEncryptionCertificates(metadataXml: string, certificates: readonly string[]): string {
  if (certificates.length === 0) return metadataXml;
  const descriptors = certificates
    .map(
      (cert) =>
        `<KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
        '<EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>' +
        '<EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/></KeyDescriptor>',
    )
    .join('');
  // KeyDescriptor comes first in SPSSODescriptor (saml-schema-metadata-2.0).
  return metadataXml.replace(/(<SPSSODescriptor\b[^>]*>)/, `$1${descriptors}`);
}
