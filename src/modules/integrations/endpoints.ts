/**
 * Checks on how Hexaplane reaches a cluster: the API server URL and the CA bundle that
 * pins its certificate. Pure functions; each returns what is wrong, or null.
 */
import { X509Certificate } from 'node:crypto';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * HTTPS only: the bearer token crosses this connection. Plain HTTP is accepted for a
 * loopback API server (a `kubectl proxy`, a test fake), where nothing crosses a network.
 */
export function apiUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL, like https://k8s.example.com:6443';
  }
  if (url.username || url.password) return 'must not carry credentials; send the token in `token`';
  if (url.search || url.hash) return 'must not have a query or fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  return 'must be an https:// URL (http:// only for a loopback address)';
}

/** The API server base URL without a trailing slash, so request paths join cleanly. */
export function normalizeApiUrl(text: string): string {
  return new URL(text).toString().replace(/\/+$/, '');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The certificates of a PEM bundle; anything but certificates (a private key!) is refused. */
export function caBundleProblem(pem: string): string | null {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return 'must be one or more PEM certificates (-----BEGIN CERTIFICATE-----)';
  for (const [block, label] of blocks) {
    if (label !== 'CERTIFICATE') return `must hold only certificates, not a ${label!.toLowerCase()}`;
    try {
      new X509Certificate(block);
    } catch {
      return 'holds a certificate that does not parse';
    }
  }
  const rest = pem.replace(PEM_BLOCK, '').trim();
  if (rest.length > 0) return 'must hold only PEM certificates';
  return null;
}
