/**
 * The guard on every outbound connection a tenant can aim (webhooks, SIEM streams): the
 * target must be a public unicast address unless the operator allow-lists its range, and
 * the address that was checked is the address connected to.
 *
 * A host name is resolved once; every address it resolves to is checked; the connection
 * then goes to the checked address through the `lookup` hook of node:http(s), so DNS
 * cannot answer differently between the check and the connect (rebinding). Redirects are
 * followed only when asked, and every hop goes through the same check.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import { Problem } from './http/problems.ts';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why a target was refused; stable, so APIs and logs can name it. */
export type EgressRefusal =
  | 'invalid-url'
  | 'unsupported-scheme'
  | 'insecure-scheme'
  | 'credentials-in-url'
  | 'unresolvable'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'carrier-grade-nat'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

const refusalText: Record<EgressRefusal, string> = {
  'invalid-url': 'is not a valid URL',
  'unsupported-scheme': 'must use http:// or https://',
  'insecure-scheme': 'must use https:// (plain http:// only to an operator allow-listed range)',
  'credentials-in-url': 'must not carry a user name or password',
  unresolvable: 'has a host name that does not resolve',
  loopback: 'points at a loopback address',
  private: 'points at a private network address',
  'link-local': 'points at a link-local address (cloud metadata services live there)',
  unspecified: 'points at the unspecified address',
  'carrier-grade-nat': 'points at a carrier-grade NAT address',
  multicast: 'points at a multicast address',
  broadcast: 'points at the broadcast address',
  reserved: 'points at a reserved or special-purpose address',
};

export class EgressRefused extends Error {
  constructor(
    readonly reason: EgressRefusal,
    readonly target: string,
    readonly address: string | null = null,
  ) {
    super(`${target} ${refusalText[reason]}${address && address !== target ? ` (${address})` : ''}; refused by the egress guard`);
    this.name = 'EgressRefused';
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** How host names become addresses; tests substitute their own. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressOptions {
  /** CIDRs the operator allows even though they are not public (on-premises receivers, tests). */
  allowCidrs?: readonly string[];
  resolve?: Resolver;
}

export interface CheckedTarget {
  url: URL;
  /** Every address the host resolved to, all of them checked. */
  addresses: ResolvedAddress[];
  /** True when every address is inside an allow-listed range. */
  allowListed: boolean;
}

export interface EgressRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole exchange, redirects and body included. */
  timeoutMs?: number;
  /** 0 (the default) returns a redirect as it is. 303 turns into GET; others keep method and body. */
  maxRedirects?: number;
  /** The response body is cut here (the rest is not read). */
  maxResponseBytes?: number;
}

export interface EgressResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  truncated: boolean;
  /** The URL that answered, after redirects. */
  url: string;
  durationMs: number;
}

export interface Egress {
  /** Parses and checks a URL, resolving its host; throws EgressRefused. */
  checkUrl(url: string): Promise<CheckedTarget>;
  /** A `lookup` for node:net/tls/http that resolves once and refuses any disallowed address. */
  lookup: LookupFunction;
  /** One HTTP(S) exchange to a checked target, redirects re-checked hop by hop. */
  request(url: string, options?: EgressRequest): Promise<EgressResponse>;
}

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const v4Reasons: Record<string, EgressRefusal> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade-nat',
  private: 'private',
};

const v6Reasons: Record<string, EgressRefusal> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
};

const NAT64 = [ipaddr.IPv6.parseCIDR('64:ff9b::/96'), ipaddr.IPv6.parseCIDR('64:ff9b:1::/48')];
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * The IPv4 address an IPv6 address carries where a connection to it reaches that IPv4
 * host: IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), the deprecated
 * IPv4-compatible form (::a.b.c.d) and NAT64 prefixes.
 */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const range = address.range();
  const carries =
    range === 'ipv4Mapped' ||
    range === 'rfc6145' ||
    NAT64.some((cidr) => address.match(cidr)) ||
    (address.match(IPV4_COMPATIBLE) && range !== 'unspecified' && range !== 'loopback');
  if (!carries) return null;
  return new ipaddr.IPv4(address.toByteArray().slice(12));
}

/** The address as a connection would reach it: embedded IPv4 forms unwrapped. */
function effective(address: Address): Address {
  if (address.kind() === 'ipv6') return embeddedIPv4(address as ipaddr.IPv6) ?? address;
  return address;
}

/** Why an address may not be reached by default, or null for a public unicast address. */
export function classifyAddress(text: string): EgressRefusal | null {
  if (!ipaddr.isValid(text)) return 'reserved';
  const address = effective(ipaddr.parse(text));
  const range = address.range();
  if (range === 'unicast') return null;
  const reasons = address.kind() === 'ipv4' ? v4Reasons : v6Reasons;
  return reasons[range] ?? 'reserved';
}

export type AllowList = Array<[Address, number]>;

export function parseAllowList(cidrs: readonly string[]): AllowList {
  return cidrs.map((cidr) => {
    if (!ipaddr.isValidCIDR(cidr)) throw new Error(`${cidr} is not a CIDR like 10.20.0.0/16 or fd00::/8`);
    return ipaddr.parseCIDR(cidr);
  });
}

export function isAllowListed(text: string, allow: AllowList): boolean {
  if (allow.length === 0 || !ipaddr.isValid(text)) return false;
  const parsed = ipaddr.parse(text);
  const forms = [parsed, effective(parsed)];
  return allow.some(([range, bits]) => forms.some((a) => a.kind() === range.kind() && a.match(range, bits)));
}

/** The host of a parsed URL as connect() takes it: IPv6 literals without brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Scheme and shape only; addresses are checked separately. */
function parseTarget(text: string): URL {
  let url: URL;
  try {
    // The WHATWG parser normalises decimal, octal and hex IPv4 forms (2130706433, 0x7f.1)
    // to dotted quads, so the checks below see the address a connection would reach.
    url = new URL(text);
  } catch {
    throw new EgressRefused('invalid-url', text);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EgressRefused('unsupported-scheme', text);
  if (url.username || url.password) throw new EgressRefused('credentials-in-url', text);
  return url;
}

export function createEgress(options: EgressOptions = {}): Egress {
  const allow = parseAllowList(options.allowCidrs ?? []);
  const resolve = options.resolve ?? systemResolver;

  /** Refuses the first disallowed address; true when all of them are allow-listed. */
  function checkAddresses(target: string, addresses: ResolvedAddress[]): boolean {
    let allListed = true;
    for (const { address } of addresses) {
      if (isAllowListed(address, allow)) continue;
      allListed = false;
      const refusal = classifyAddress(address);
      if (refusal) throw new EgressRefused(refusal, target, address);
    }
    return allListed;
  }

  async function resolveChecked(hostname: string): Promise<{ addresses: ResolvedAddress[]; allowListed: boolean }> {
    const family = isIP(hostname);
    let addresses: ResolvedAddress[];
    if (family !== 0) addresses = [{ address: hostname, family: family as 4 | 6 }];
    else {
      try {
        addresses = await resolve(hostname);
      } catch {
        throw new EgressRefused('unresolvable', hostname);
      }
      if (addresses.length === 0) throw new EgressRefused('unresolvable', hostname);
    }
    return { addresses, allowListed: checkAddresses(hostname, addresses) };
  }

  async function checkUrl(text: string): Promise<CheckedTarget> {
    const url = parseTarget(text);
    const { addresses, allowListed } = await resolveChecked(hostOf(url));
    if (url.protocol === 'http:' && !allowListed) throw new EgressRefused('insecure-scheme', text);
    return { url, addresses, allowListed };
  }

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolveChecked(hostname).then(
      ({ addresses }) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((a) => a.family === lookupOptions.family) : addresses;
        if (wanted.length === 0) return callback(Object.assign(new Error(`no IPv${lookupOptions.family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
        if (lookupOptions.all) return callback(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(Object.assign(error, { code: 'EEGRESS' }), '', 4),
    );
  };

  /** A lookup that hands out only the addresses already checked for this request. */
  const pinned =
    (addresses: ResolvedAddress[]): LookupFunction =>
    (_hostname, lookupOptions, callback) => {
      if (lookupOptions.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    };

  async function request(text: string, req: EgressRequest = {}): Promise<EgressResponse> {
    const started = Date.now();
    const deadline = started + (req.timeoutMs ?? 10_000);
    let method = (req.method ?? 'GET').toUpperCase();
    let body = req.body;
    let headers = { ...(req.headers ?? {}) };
    let current = text;
    for (let hop = 0; ; hop++) {
      const target = await checkUrl(current);
      const response = await exchange(target, method, headers, body, deadline, req.maxResponseBytes ?? 64 * 1024);
      const location = response.headers.location;
      const redirect = response.status >= 300 && response.status < 400 && location !== undefined;
      if (!redirect || hop >= (req.maxRedirects ?? 0)) return { ...response, url: target.url.toString(), durationMs: Date.now() - started };
      const next = new URL(location, target.url);
      if (next.origin !== target.url.origin) headers = withoutCredentials(headers);
      if (response.status === 303 && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
      }
      current = next.toString();
    }
  }

  function exchange(target: CheckedTarget, method: string, headers: Record<string, string>, body: string | Buffer | undefined, deadline: number, maxBytes: number) {
    return new Promise<Omit<EgressResponse, 'url' | 'durationMs'>>((resolvePromise, reject) => {
      const client = target.url.protocol === 'https:' ? https : http;
      const outgoing = client.request(target.url, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        lookup: pinned(target.addresses),
        timeout: Math.max(1, deadline - Date.now()),
        agent: false,
      });
      const timer = setTimeout(() => outgoing.destroy(new Error('timed out')), Math.max(1, deadline - Date.now()));
      outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      outgoing.on('response', (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolvePromise({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8'), truncated });
        };
        incoming.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - size;
          if (chunk.length >= room) {
            chunks.push(chunk.subarray(0, room));
            truncated = chunk.length > room;
            size = maxBytes;
            if (truncated) {
              incoming.destroy();
              finish();
            }
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        incoming.on('end', finish);
        incoming.on('error', (error) => {
          clearTimeout(timer);
          if (!truncated) reject(error);
        });
      });
      outgoing.end(body);
    });
  }

  return { checkUrl, lookup, request };
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^(authorization|cookie|proxy-authorization)$/i.test(name)));
}

/** A refused destination as the API answers it: 400, a stable type, the field and the reason. */
export function egressProblem(error: EgressRefused, field: string): Problem {
  return new Problem(400, 'egress-refused', 'Destination refused', `${field.split('.').pop()} ${error.message}.`, {
    field,
    reason: error.reason,
    errors: [{ field, message: `${error.reason}: ${error.message}` }],
  });
}
