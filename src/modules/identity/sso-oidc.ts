/**
 * The OIDC relying party, on openid-client: discovery (cached per connection version), the
 * authorization request (code flow, PKCE S256, state, nonce) and the callback, where
 * openid-client validates the ID token (signature against the IdP's JWKS, issuer, audience,
 * azp, nonce, exp/iat/nbf with a tolerance; `alg: none` is refused). Every call to the IdP goes
 * through the kernel's egress guard. Failures become stable trace reasons (`traceReasonOf`).
 */
import * as oidc from 'openid-client';
import type { Egress } from '../../kernel/egress.ts';
import { EgressRefused } from '../../kernel/egress.ts';

export interface OidcClientSettings {
  connectionId: string;
  version: number;
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
}

export class SsoFailure extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'SsoFailure';
  }
}

/** A fetch for openid-client that goes through the egress guard (no redirects, bounded). */
function egressFetch(egress: () => Egress): oidc.CustomFetch {
  return async (url, options) => {
    const raw: unknown = options.body;
    // openid-client sends forms as URLSearchParams; anything else is text or bytes.
    const body =
      raw === undefined || raw === null ? undefined : raw instanceof URLSearchParams || typeof raw === 'string' ? String(raw) : Buffer.from(raw as Uint8Array);
    const res = await egress().request(url, {
      method: options.method,
      headers: options.headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: 10_000,
      maxResponseBytes: 1024 * 1024,
    });
    const out = new Headers();
    for (const [key, value] of Object.entries(res.headers)) {
      if (value !== undefined) out.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    return new Response(res.status === 204 || res.status === 304 ? null : res.body, { status: res.status, headers: out });
  };
}

export interface OidcRelyingParty {
  authorizationUrl(settings: OidcClientSettings, params: { redirectUri: string; scopes: string[]; state: string; nonce: string; codeVerifier: string }): Promise<URL>;
  /** Exchanges the code and validates the ID token; its claims, or an SsoFailure. */
  complete(settings: OidcClientSettings, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<Record<string, unknown>>;
  forget(connectionId: string): void;
}

export function createOidcRelyingParty(options: { egress: () => Egress; clockToleranceSeconds: () => number }): OidcRelyingParty {
  const configs = new Map<string, { version: number; config: Promise<oidc.Configuration> }>();

  function configuration(s: OidcClientSettings): Promise<oidc.Configuration> {
    const cached = configs.get(s.connectionId);
    if (cached && cached.version === s.version) return cached.config;
    const config = oidc
      
      .discovery(new URL(s.discoveryUrl), s.clientId, { [oidc.clockTolerance]: options.clockToleranceSeconds() }, oidc.ClientSecretBasic(s.clientSecret), {
        [oidc.customFetch]: egressFetch(options.egress),
        // Plain http reaches only ranges the operator allow-listed: the egress guard decides.
        execute: [oidc.allowInsecureRequests],
        timeout: 10,
      })
      .then((c) => {
        c[oidc.customFetch] = egressFetch(options.egress);
        // Verify the ID token's signature too, not only TLS to the token endpoint (ADR 0014).
        oidc.enableNonRepudiationChecks(c);
        return c;
      });
    // A failed discovery is not cached: the next sign-in tries again.
    config.catch(() => configs.delete(s.connectionId));
    configs.set(s.connectionId, { version: s.version, config });
    return config;
  }

  async function withConfig(s: OidcClientSettings): Promise<oidc.Configuration> {
    try {
      return await configuration(s);
    } catch (error) {
      throw new SsoFailure(error instanceof EgressRefused ? 'egress-refused' : 'discovery-failed', describe(error));
    }
  }

  return {
    async authorizationUrl(s, p) {
      const config = await withConfig(s);
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: p.redirectUri,
        scope: p.scopes.join(' '),
        state: p.state,
        nonce: p.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    async complete(s, callbackUrl, checks) {
      const config = await withConfig(s);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new SsoFailure('missing-attribute', 'the token response has no ID token');
        return { ...claims };
      } catch (error) {
        if (error instanceof SsoFailure) throw error;
        throw new SsoFailure(traceReasonOf(error), describe(error));
      }
    },

    forget(connectionId) {
      configs.delete(connectionId);
    },
  };
}

/** openid-client wraps oauth4webapi's error (the one with the detail) in a generic one. */
function innermost(error: Error): Error {
  return error.cause instanceof Error && (error as { code?: string }).code === (error.cause as { code?: string }).code ? error.cause : error;
}

function describe(outer: unknown): string {
  if (!(outer instanceof Error)) return String(outer);
  const error = innermost(outer);
  const extra = (error as { error_description?: string }).error_description;
  return (extra ? `${error.message}: ${extra}` : error.message).slice(0, 500);
}

interface LibraryError {
  code?: string;
  message: string;
  error?: string;
  cause?: { claim?: string; header?: { alg?: string }; alg?: string } | unknown;
}

/** openid-client / oauth4webapi errors as stable reasons (docs/sso.md has the table). */
export function traceReasonOf(error: unknown): string {
  if (error instanceof EgressRefused) return 'egress-refused';
  if (!(error instanceof Error)) return 'unknown';
  const e = innermost(error) as LibraryError & Error;
  const cause = (typeof e.cause === 'object' && e.cause !== null ? e.cause : {}) as { claim?: string; header?: { alg?: string }; alg?: string };
  const alg = cause.header?.alg ?? cause.alg;
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') return 'alg-none';
  const message = e.message;
  if (/signature verification failed/i.test(message) || e.code === 'OAUTH_KEY_SELECTION_FAILED') return 'signature-invalid';
  if (/"alg"|JWS algorithm/.test(message)) return 'signature-invalid';
  if (e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return cause.claim === 'exp' ? 'expired' : 'clock-skew';
  if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    if (message.includes('"iss"')) return 'issuer-mismatch';
    if (message.includes('"nonce"')) return 'nonce-mismatch';
    if (message.includes('"aud"') || message.includes('"azp"')) return 'audience-mismatch';
    return 'claim-mismatch';
  }
  if (message.includes('"state"')) return 'state-mismatch';
  if (e.code === 'OAUTH_AUTHORIZATION_RESPONSE_ERROR') return 'idp-error';
  if (e.code === 'OAUTH_RESPONSE_BODY_ERROR') return e.error === 'invalid_grant' ? 'code-invalid' : 'token-endpoint-error';
  if (e.code === 'OAUTH_INVALID_RESPONSE' || e.code === 'OAUTH_PARSE_ERROR') return 'invalid-token';
  return 'idp-unreachable';
}
