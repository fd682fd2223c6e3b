import type { FastifyRequest } from 'fastify';
import type { Authenticated, Authenticator } from '../../kernel/http/server.ts';
import { bearerToken } from './api-key-tokens.ts';
import { SCIM_BASE_PATH, SCIM_TOKEN_PREFIX } from './scim-token-service.ts';

export const SESSION_COOKIE = 'hxp_session';

interface CredentialCheckers {
  authenticateSession(token: string, request: FastifyRequest): Promise<Authenticated | null>;
  authenticateApiKey(token: string, request: FastifyRequest): Promise<Authenticated | null>;
  authenticateScimToken(token: string, request: FastifyRequest): Promise<Authenticated | null>;
}

/** SCIM tokens (`hxs_`) open the SCIM API and nothing else. */
function isScimRequest(request: FastifyRequest): boolean {
  const url = request.url;
  return url === SCIM_BASE_PATH || url.startsWith(`${SCIM_BASE_PATH}/`) || url.startsWith(`${SCIM_BASE_PATH}?`);
}

/**
 * An `Authorization: Bearer hxp_…` header wins over a session cookie, and a bad one does not
 * fall back to the cookie: a request is judged by the credential its sender chose to present.
 * SCIM tokens (`hxs_…`) authenticate only requests to the SCIM API; other bearer tokens that
 * are not Hexaplane API keys are left for other authenticators (null).
 */
export function createAuthenticator(checkers: CredentialCheckers): Authenticator {
  return {
    async authenticate(request) {
      const bearer = bearerToken(request.headers.authorization);
      if (bearer !== null) {
        if (bearer.startsWith('hxp_')) return checkers.authenticateApiKey(bearer, request);
        if (bearer.startsWith(SCIM_TOKEN_PREFIX)) return isScimRequest(request) ? checkers.authenticateScimToken(bearer, request) : null;
        return null;
      }
      const cookie = request.cookies?.[SESSION_COOKIE];
      return cookie ? checkers.authenticateSession(cookie, request) : null;
    },
  };
}
