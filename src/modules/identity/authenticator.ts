import type { FastifyRequest } from 'fastify';
import type { Authenticated, Authenticator } from '../../kernel/http/server.ts';
import { bearerToken } from './api-key-tokens.ts';

export const SESSION_COOKIE = 'hxp_session';

interface CredentialCheckers {
  authenticateSession(token: string, request: FastifyRequest): Promise<Authenticated | null>;
  authenticateApiKey(token: string, request: FastifyRequest): Promise<Authenticated | null>;
}

/**
 * An `Authorization: Bearer hxp_…` header wins over a session cookie, and a bad one does not
 * fall back to the cookie: a request is judged by the credential its sender chose to present.
 * Bearer tokens that are not Hexaplane API keys are left for other authenticators (null).
 */
export function createAuthenticator(checkers: CredentialCheckers): Authenticator {
  return {
    async authenticate(request) {
      const bearer = bearerToken(request.headers.authorization);
      if (bearer !== null) return bearer.startsWith('hxp_') ? checkers.authenticateApiKey(bearer, request) : null;
      const cookie = request.cookies?.[SESSION_COOKIE];
      return cookie ? checkers.authenticateSession(cookie, request) : null;
    },
  };
}
