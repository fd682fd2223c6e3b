import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, createEgress, EgressRefused, type EgressRefusal } from './egress.ts';

async function refusal(promise: Promise<unknown>): Promise<EgressRefusal | 'allowed'> {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    if (error instanceof EgressRefused) return error.reason;
    throw error;
  }
}

const octet = fc.integer({ min: 0, max: 255 });
const inRange = (first: number[], free: number) =>
  fc.tuple(...Array.from({ length: free }, () => octet)).map((rest) => [...first, ...rest].join('.'));

describe('classifyAddress', () => {
  it('refuses every address of the non-public IPv4 ranges', () => {
    const cases: Array<[fc.Arbitrary<string>, EgressRefusal]> = [
      [inRange([127], 3), 'loopback'],
      [inRange([10], 3), 'private'],
      [fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`), 'private'],
      [inRange([192, 168], 2), 'private'],
      [inRange([169, 254], 2), 'link-local'],
      [fc.tuple(fc.integer({ min: 64, max: 127 }), octet, octet).map(([b, c, d]) => `100.${b}.${c}.${d}`), 'carrier-grade-nat'],
      [fc.tuple(fc.integer({ min: 224, max: 239 }), octet, octet, octet).map((p) => p.join('.')), 'multicast'],
      [inRange([0], 3), 'unspecified'],
    ];
    for (const [addresses, reason] of cases) {
      fc.assert(fc.property(addresses, (a) => classifyAddress(a) === reason));
      // The same addresses in their IPv4-mapped, -translated, -compatible and NAT64 IPv6 forms.
      fc.assert(fc.property(addresses, (a) => [`::ffff:${a}`, `::ffff:0:${a}`, `64:ff9b::${a}`].every((v6) => classifyAddress(v6) === reason)));
    }
  });

  it('names the special IPv6 ranges', () => {
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::')).toBe('unspecified');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    expect(classifyAddress('fd12:3456::1')).toBe('private');
    expect(classifyAddress('fc00::1')).toBe('private');
    expect(classifyAddress('ff02::1')).toBe('multicast');
    expect(classifyAddress('::ffff:7f00:1')).toBe('loopback');
    expect(classifyAddress('::7f00:1')).toBe('loopback');
    expect(classifyAddress('2002:7f00:1::1')).toBe('reserved');
    expect(classifyAddress('2001:db8::1')).toBe('reserved');
    expect(classifyAddress('255.255.255.255')).toBe('broadcast');
    expect(classifyAddress('192.0.2.1')).toBe('reserved');
  });

  it('lets public unicast addresses through, also when embedded', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:93.184.216.34', '64:ff9b::808:808']) expect(classifyAddress(a)).toBeNull();
  });
});

describe('checkUrl', () => {
  const egress = createEgress({ resolve: async () => [{ address: '93.184.216.34', family: 4 }] });

  it('sees through odd literal forms of loopback', async () => {
    for (const url of ['http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'https://[::ffff:127.0.0.1]/', 'https://[0:0:0:0:0:0:0:1]/']) {
      expect(await refusal(egress.checkUrl(url)), url).toBe('loopback');
    }
  });

  it('checks scheme and credentials', async () => {
    expect(await refusal(egress.checkUrl('ftp://example.com/'))).toBe('unsupported-scheme');
    expect(await refusal(egress.checkUrl('file:///etc/passwd'))).toBe('unsupported-scheme');
    expect(await refusal(egress.checkUrl('https://u:p@example.com/'))).toBe('credentials-in-url');
    expect(await refusal(egress.checkUrl('not a url'))).toBe('invalid-url');
    expect(await refusal(egress.checkUrl('http://example.com/'))).toBe('insecure-scheme');
    expect(await refusal(egress.checkUrl('https://example.com/'))).toBe('allowed');
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    const mixed = createEgress({ resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }] });
    expect(await refusal(mixed.checkUrl('https://mixed.example/'))).toBe('private');
    const none = createEgress({ resolve: async () => [] });
    expect(await refusal(none.checkUrl('https://nothing.example/'))).toBe('unresolvable');
  });

  it('allows listed ranges, plain http included, and nothing else', async () => {
    const listed = createEgress({ allowCidrs: ['127.0.0.2/32', 'fd00::/8'] });
    expect(await refusal(listed.checkUrl('http://127.0.0.2:8080/'))).toBe('allowed');
    expect(await refusal(listed.checkUrl('http://[::ffff:127.0.0.2]/'))).toBe('allowed');
    expect(await refusal(listed.checkUrl('http://[fd00::5]/'))).toBe('allowed');
    expect(await refusal(listed.checkUrl('http://127.0.0.1/'))).toBe('loopback');
  });
});

describe('request', () => {
  let hits: string[] = [];
  let target: http.Server;
  let redirector: http.Server;
  let targetPort = 0;
  let redirectorPort = 0;

  const listen = (server: http.Server, host: string) =>
    new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));

  beforeAll(async () => {
    target = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/big') return res.end('x'.repeat(100_000));
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 2_000);
      res.end('ok');
    });
    redirector = http.createServer((req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${targetPort}/stolen` }).end();
    });
    targetPort = await listen(target, '127.0.0.1');
    redirectorPort = await listen(redirector, '127.0.0.2');
  });
  afterAll(async () => {
    target.closeAllConnections();
    await new Promise((r) => target.close(r));
    await new Promise((r) => redirector.close(r));
  });

  it('never follows a redirect to a refused address', async () => {
    hits = [];
    const egress = createEgress({ allowCidrs: ['127.0.0.2/32'] });
    expect(await refusal(egress.request(`http://127.0.0.2:${redirectorPort}/`, { method: 'POST', body: '{}', maxRedirects: 3 }))).toBe('loopback');
    const unfollowed = await egress.request(`http://127.0.0.2:${redirectorPort}/`, { method: 'POST', body: '{}' });
    expect(unfollowed.status).toBe(302);
    expect(hits).toEqual([]);
  });

  it('connects to the address it checked, not to what DNS says later', async () => {
    hits = [];
    let calls = 0;
    const egress = createEgress({
      allowCidrs: ['127.0.0.1/32'],
      resolve: async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]),
    });
    const response = await egress.request(`http://rebind.test:${targetPort}/pinned`);
    expect(response.status).toBe(200);
    expect(calls).toBe(1);
    expect(await refusal(egress.request(`http://rebind.test:${targetPort}/pinned`))).toBe('private');
    expect(hits).toEqual(['/pinned']);
  });

  it('caps the body and times out', async () => {
    const egress = createEgress({ allowCidrs: ['127.0.0.1/32'] });
    const big = await egress.request(`http://127.0.0.1:${targetPort}/big`, { maxResponseBytes: 1000 });
    expect(big.body).toHaveLength(1000);
    expect(big.truncated).toBe(true);
    await expect(egress.request(`http://127.0.0.1:${targetPort}/slow`, { timeoutMs: 200 })).rejects.toThrow(/timed out/);
  });

  it('refuses through the lookup hook too', async () => {
    const egress = createEgress({ resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    const error = await new Promise<Error>((resolve) => {
      http.get({ host: 'metadata.test', port: targetPort, path: '/', lookup: egress.lookup, agent: false }, () => resolve(new Error('connected'))).on('error', resolve);
    });
    expect(error).toBeInstanceOf(EgressRefused);
    expect((error as EgressRefused).reason).toBe('link-local');
  });
});
