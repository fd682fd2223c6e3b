import { Resolver } from 'node:dns/promises';

/**
 * TXT lookups for domain verification, through the configured servers (`dnsServers`, e.g.
 * "127.0.0.1:5353" in tests) or the system's. A missing name is no records, not an error.
 */
export function createTxtResolver(servers: () => readonly string[]) {
  return async function resolveTxt(domain: string): Promise<string[][]> {
    const resolver = new Resolver({ timeout: 3000, tries: 2 });
    const configured = servers();
    if (configured.length > 0) resolver.setServers([...configured]);
    try {
      return await resolver.resolveTxt(domain);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw error;
    }
  };
}
