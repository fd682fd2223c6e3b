/**
 * A minimal browser for redirect flows: fetch with a cookie jar, following redirects by hand
 * across the IdP and Hexaplane (both on 127.0.0.1; cookie names do not collide).
 */
export class CookieBrowser {
  readonly jar = new Map<string, string>();

  /** `headers` go with every request (a bench gives each simulated user its own x-forwarded-for). */
  constructor(private readonly headers: Record<string, string> = {}) {}

  private store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v] = a.trim().split('=');
        if (k!.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k!.toLowerCase() === 'expires') return new Date(v!).getTime() < Date.now();
        return false;
      });
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers({ ...this.headers, ...Object.fromEntries(new Headers(init.headers)) });
    if (this.jar.size) headers.set('cookie', this.cookieHeader());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(response);
    return response;
  }

  /**
   * Follows redirects from `url` until a response is not a redirect, or `stopAt` matches the
   * next location (which is then returned unvisited, for a test to tamper with).
   */
  async follow(url: string, stopAt?: (next: URL) => boolean): Promise<{ response: Response; url: string; stoppedAt?: URL }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      await response.arrayBuffer();
      const next = new URL(location, current);
      if (stopAt?.(next)) return { response, url: current, stoppedAt: next };
      current = next.href;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}
