import { existsSync } from 'node:fs';

/**
 * A test that needs a real peer (Chromium, rsyslog, Prometheus, ...) skips when the peer is not
 * installed on a developer's machine, but fails under HEXAPLANE_REQUIRE_PEERS=1 (CI), so a
 * missing install step cannot hide behind a green run.
 */
export function peerAvailable(name: string, path: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.HEXAPLANE_REQUIRE_PEERS === '1') {
    throw new Error(`${name} is required (HEXAPLANE_REQUIRE_PEERS=1) but ${path} does not exist: run scripts/install-test-peers.sh`);
  }
  return false;
}

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags that keep headless Chromium off the (closed) network and working as root. No headless
 * flag here: Playwright adds `--headless` itself (the new headless mode since Chromium 132) from
 * its `headless` launch option, and a second one of ours would silently override `headless: false`.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
