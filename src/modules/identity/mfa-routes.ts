import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses, ifMatchVersion, orgParams, principalOf, problemSchema, withEtag } from '../../kernel/http/routing.ts';
import type { App } from '../../kernel/http/server.ts';
import { SESSION_COOKIE } from './authenticator.ts';
import {
  completeMfaBody,
  confirmTotpBody,
  credentialParams,
  mfaStatusSchema,
  recoveryCodesSchema,
  registeredCredentialSchema,
  securityPolicyBody,
  securityPolicySchema,
  stepUpBody,
  stepUpResultSchema,
  totpEnrolmentSchema,
  webauthnOptionsSchema,
  webauthnRegistrationBody,
} from './mfa-schemas.ts';
import { signInResultSchema } from './schemas.ts';
import type { IdentityService } from './service.ts';
import type { RequestMeta } from './session-service.ts';

function metaOf(req: FastifyRequest): RequestMeta {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
}

const withLocked = { ...errorResponses, 423: problemSchema };

/** MFA (your factors, the sign-in step, step-up) and organization security policies (ADR 0013). */
export function registerMfaRoutes(app: App, service: IdentityService, options: { secureCookies: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookieOptions = { httpOnly: true, sameSite: 'lax', path: '/', secure: options.secureCookies } as const;

  r.post('/api/v1/session/mfa', {
    config: { auth: 'public', rateLimit: { max: 30, timeWindow: 60_000 } },
    schema: { tags: ['session'], operationId: 'completeMfaSignIn', summary: 'Finish signing in with a second factor (sets the session cookie)', security: [], body: completeMfaBody, response: { 200: signInResultSchema, ...withLocked } },
  }, async (req, reply) => {
    const result = await service.completeSignIn(req.body, metaOf(req));
    reply.setCookie(SESSION_COOKIE, result.token, { ...cookieOptions, expires: result.expiresAt });
    return { user: result.user, csrfToken: result.csrfToken, expiresAt: result.expiresAt.toISOString() };
  });

  r.post('/api/v1/me/step-up', {
    schema: { tags: ['mfa'], operationId: 'stepUp', summary: 'Prove a second factor again (for actions that need a recent one)', body: stepUpBody, response: { 200: stepUpResultSchema, ...withLocked } },
  }, async (req) => service.stepUp(principalOf(req), req.body, metaOf(req)));

  r.get('/api/v1/me/mfa', {
    schema: { tags: ['mfa'], operationId: 'getMyMfa', summary: 'Your second factors', response: { 200: mfaStatusSchema, ...errorResponses } },
  }, async (req) => service.mfaStatus(principalOf(req)));

  r.post('/api/v1/me/mfa/totp', {
    schema: { tags: ['mfa'], operationId: 'startTotpEnrolment', summary: 'Start enrolling an authenticator app (secret, otpauth URI, QR code)', response: { 201: totpEnrolmentSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await service.startTotp(principalOf(req))));

  r.post('/api/v1/me/mfa/totp/confirm', {
    schema: { tags: ['mfa'], operationId: 'confirmTotpEnrolment', summary: 'Confirm the authenticator app with its first code (recovery codes shown once)', body: confirmTotpBody, response: { 200: recoveryCodesSchema, ...errorResponses } },
  }, async (req) => service.confirmTotp(principalOf(req), req.body.code));

  r.delete('/api/v1/me/mfa/totp', {
    schema: { tags: ['mfa'], operationId: 'removeTotp', summary: 'Remove your authenticator app', response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.removeTotp(principalOf(req));
    return reply.code(204).send(null);
  });

  r.post('/api/v1/me/mfa/webauthn/registration-options', {
    schema: { tags: ['mfa'], operationId: 'getWebauthnRegistrationOptions', summary: 'Options for navigator.credentials.create (a passkey)', response: { 200: webauthnOptionsSchema, ...errorResponses } },
  }, async (req) => service.webauthnRegistrationOptions(principalOf(req)));

  r.post('/api/v1/me/mfa/webauthn/registrations', {
    schema: { tags: ['mfa'], operationId: 'registerWebauthnCredential', summary: 'Register a passkey', body: webauthnRegistrationBody, response: { 201: registeredCredentialSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await service.registerWebauthn(principalOf(req), req.body)));

  r.post('/api/v1/me/mfa/webauthn/authentication-options', {
    schema: { tags: ['mfa'], operationId: 'getWebauthnAuthenticationOptions', summary: 'Options for navigator.credentials.get (passkey step-up)', response: { 200: webauthnOptionsSchema, ...errorResponses } },
  }, async (req) => service.webauthnAuthenticationOptions(principalOf(req)));

  r.delete('/api/v1/me/mfa/webauthn/:credentialId', {
    schema: { tags: ['mfa'], operationId: 'removeWebauthnCredential', summary: 'Remove a passkey', params: credentialParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.removeWebauthn(principalOf(req), req.params.credentialId);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/me/mfa/recovery-codes', {
    schema: { tags: ['mfa'], operationId: 'regenerateRecoveryCodes', summary: 'Replace your recovery codes (shown once; the old ones stop working)', response: { 201: recoveryCodesSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await service.regenerateRecoveryCodes(principalOf(req))));

  r.get('/api/v1/orgs/:orgId/security-policy', {
    schema: { tags: ['security-policy'], operationId: 'getSecurityPolicy', summary: "The organization's security policy", params: orgParams, response: { 200: securityPolicySchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.getSecurityPolicy(principalOf(req), req.params.orgId)));

  r.put('/api/v1/orgs/:orgId/security-policy', {
    schema: { tags: ['security-policy'], operationId: 'putSecurityPolicy', summary: "Replace the organization's security policy", params: orgParams, body: securityPolicyBody, response: { 200: securityPolicySchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.putSecurityPolicy(principalOf(req), req.params.orgId, ifMatchVersion(req), req.body)));
}
