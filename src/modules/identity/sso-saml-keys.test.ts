import { constants, publicEncrypt, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyOpening, newSpEncryptionKey, withEncryptionCertificates } from './sso-saml-keys.ts';

describe('SP encryption keys', () => {
  const at = new Date('2026-11-24T10:00:00Z');

  it('makes a self-signed X.509 certificate that node:crypto reads and verifies', async () => {
    const key = await newSpEncryptionKey('https://hexaplane.example/api/v1/sso/saml/sso_x/metadata', Buffer.from([0x80, 1, 2, 3]), at);
    const cert = new X509Certificate(Buffer.from(key.certificate, 'base64'));
    // X.520 caps a common name at 64 characters.
    expect(cert.subject).toBe(`CN=${'Hexaplane SP encryption https://hexaplane.example/api/v1/sso/saml/sso_x/metadata'.slice(0, 64)}`);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validFrom).toISOString()).toBe(at.toISOString());
    expect(new Date(cert.validTo).toISOString()).toBe('2036-11-24T10:00:00.000Z');
    // A serial with its high bit set (encoded with a leading zero, so it stays positive).
    expect(cert.serialNumber).toBe('80010203');
    expect(cert.fingerprint256).toBe(key.fingerprint);
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('picks the key that opens an RSA-OAEP EncryptedKey, or none', async () => {
    const [a, b] = await Promise.all([newSpEncryptionKey('a', Buffer.from([1]), at), newSpEncryptionKey('b', Buffer.from([2]), at)]);
    const encryptTo = (certificate: string, oaepHash: string) => ({
      cipherValue: publicEncrypt({ key: new X509Certificate(Buffer.from(certificate, 'base64')).publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.alloc(32, 7)).toString('base64'),
      oaepHash,
    });
    expect(keyOpening([encryptTo(b.certificate, 'sha1')], [a.privateKeyPem, b.privateKeyPem])).toBe(1);
    expect(keyOpening([encryptTo(a.certificate, 'sha256')], [a.privateKeyPem, b.privateKeyPem])).toBe(0);
    expect(keyOpening([encryptTo(a.certificate, 'sha1')], [b.privateKeyPem])).toBe(-1);
    expect(keyOpening([], [a.privateKeyPem])).toBe(-1);
  });

  it('puts one KeyDescriptor use="encryption" per certificate first in the SPSSODescriptor', () => {
    const xml = '<EntityDescriptor xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><SPSSODescriptor protocolSupportEnumeration="x"><NameIDFormat>n</NameIDFormat></SPSSODescriptor></EntityDescriptor>';
    const out = withEncryptionCertificates(xml, ['AAA', 'BBB']);
    expect(out.match(/<KeyDescriptor use="encryption">/g)).toHaveLength(2);
    expect(out.indexOf('AAA')).toBeLessThan(out.indexOf('BBB'));
    expect(out.indexOf('BBB')).toBeLessThan(out.indexOf('<NameIDFormat>'));
    expect(withEncryptionCertificates(xml, [])).toBe(xml);
  });
});
