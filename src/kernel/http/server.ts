import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Principal } from '../authz.ts';
import type { Config } from '../config.ts';
import { constantTimeEqual } from '../crypto.ts';
import type { Logger } from '../logger.ts';
import { httpMetrics } from '../metrics.ts';
import { registerIdempotency, type IdempotencyStore } from './idempotency.ts';
import { Problem, problems, type FieldError } from './problems.ts';

/** What authentication found: the principal, and how it proved itself. */
export interface Authenticated {
  principal: Principal;
  via: 'session' | 'apiKey' | 'scim' | 'oidc';
  /** For sessions: the token a state-changing request must echo in `x-csrf-token`. */
  csrfToken?: string;
  /** Requests per minute this principal may make; defaults to the configured limit. */
  rateLimitPerMinute?: number;
}

/** Identity implements this port: turns a request's credentials into a principal. */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Authenticated | null>;
}

/** Tenancy implements this port: may this principal act in this organization? */
export interface TenantResolver {
  canEnter(principal: Principal, orgId: string): Promise<boolean>;
}

/** One API request as the access log keeps it (ADR 0009). */
export interface AccessLogEntry {
  /** When the request arrived. */
  at: Date;
  /** The organization it entered (route `:orgId` or the principal's); null before/without one. */
  orgId: string | null;
  /** The route's `:workspaceId`, so workspace retention and holds can apply. */
  workspaceId: string | null;
  method: string;
  /** The route template (`/api/v1/orgs/:orgId/workspaces`); null when no route matched. */
  routeTemplate: string | null;
  status: number;
  latencyMs: number;
  principalKind: string | null;
  principalId: string | null;
  apiKeyId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  bytesIn: number;
  bytesOut: number;
  requestId: string;
}

/** The audit module implements this port. `record` must not block: it is called on every response. */
export interface AccessLogRecorder {
  record(entry: AccessLogEntry): void;
}

/**
 * Identity implements this port: an organization's own conditions on entering it (IP
 * allow-list, MFA enrolment). Throws a Problem to refuse; called once the tenant admitted.
 */
export interface OrgGate {
  admit(request: FastifyRequest, principal: Principal, orgId: string): Promise<void>;
}

export interface HttpPorts {
  authenticator: Authenticator | null;
  tenants: TenantResolver | null;
  orgGate?: OrgGate | null;
  accessLog?: AccessLogRecorder | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
  interface FastifyContextConfig {
    /** `public` routes need no credentials; everything else does. */
    auth?: 'public' | 'required';
  }
}

export type App = FastifyInstance;

export interface HttpServerDeps {
  config: Config;
  log: Logger;
  metrics: Registry;
  ports: HttpPorts;
  idempotency: IdempotencyStore;
  ready: () => Promise<boolean>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Request ids need to be unique, not unguessable: a random per-process prefix and a counter
// avoid a CSPRNG call on every request (it showed up in profiles).
const requestIdPrefix = `req_${randomBytes(6).toString('hex')}`;
let requestCounter = 0;
function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${requestIdPrefix}${requestCounter.toString(36).padStart(8, '0')}`;
}
const ORG_ID = /^org_[0-9a-z]{26}$/;

export async function createHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Per-request log lines cost throughput; the access log and /metrics cover requests.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: nextRequestId,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors raised before routing (a malformed %-escape) get the same problem+json answer.
    frameworkErrors: (error, request, reply) => {
      sendProblem(reply, toProblem(error, request), request.url);
    },
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('auth', null);

  await app.register(cookie);
  registerSecurityHeaders(app, config.publicUrl.startsWith('https:'));

  registerErrorHandling(app);
  registerRequestIdEcho(app);
  httpMetrics(app, deps.metrics);
  registerAuthentication(app, deps.ports);
  registerAccessLog(app, deps.ports);

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: (request: FastifyRequest) => request.auth?.rateLimitPerMinute ?? config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) =>
      request.auth?.principal.apiKeyId ? `key:${request.auth.principal.apiKeyId}` : `ip:${request.ip}`,
    allowList: (request: FastifyRequest) => request.routeOptions.config.auth === 'public' && request.method === 'GET',
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return problems.tooManyRequests(seconds);
    },
  });

  registerIdempotency(app, deps.idempotency);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hexaplane API',
        version: '1',
        description:
          'The Hexaplane control plane API. Authenticate with `Authorization: Bearer hxp_<id>_<secret>` or a console session. Errors are RFC 9457 problem details.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: hxp_<id>_<secret>' },
          session: { type: 'apiKey', in: 'cookie', name: 'hxp_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { url: '/api/v1/openapi.json' } });

  app.get('/api/v1/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', { config: { auth: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const ok = await deps.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready' });
  });
  app.get('/metrics', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    return reply.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });

  await serveConsole(app, config.consoleDir);
  return app;
}

/**
 * Security headers from helmet. The middleware is built once: @fastify/helmet rebuilt it on
 * every request, which cost about 5% of a read request in profiles.
 */
function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  const headers = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: https,
  });
  app.addHook('onRequest', (request, reply, done) => {
    headers(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}

function registerRequestIdEcho(app: FastifyInstance): void {
  // Once shutdown starts, in-flight responses close their keep-alive connections, so the
  // server drains instead of waiting for idle sockets to time out.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
}

/**
 * Authentication runs on every request before validation. Routes are private unless
 * marked public; a route with an `:orgId` parameter is entered only by principals
 * the tenancy module admits to that organization (others get 404: no existence leak).
 */
function registerAuthentication(app: FastifyInstance, ports: HttpPorts): void {
  app.addHook('onRequest', async (request) => {
    const authenticator = ports.authenticator;
    request.auth = authenticator ? await authenticator.authenticate(request) : null;
    const routeUrl = request.routeOptions.url;
    // The API reference (swagger-ui's own routes) is public like the document it renders.
    const isPublic = request.routeOptions.config?.auth === 'public' || !routeUrl || routeUrl === '/docs' || routeUrl.startsWith('/docs/');
    if (isPublic) return;
    const auth = request.auth;
    if (!auth) throw problems.unauthenticated();
    if (auth.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !auth.csrfToken || !constantTimeEqual(sent, auth.csrfToken)) throw problems.csrf();
    }
    const orgId = (request.params as Record<string, unknown> | undefined)?.orgId;
    if (typeof orgId === 'string') {
      if (!ORG_ID.test(orgId)) {
        throw problems.validation([{ field: 'params.orgId', message: 'must be an organization id (org_...)' }]);
      }
      const tenants = ports.tenants;
      if (!tenants || !(await tenants.canEnter(auth.principal, orgId))) throw problems.notFound('organization', orgId);
      auth.principal.orgId = orgId;
    }
    // An API key always acts in its own organization, with or without :orgId in the route.
    const enteredOrg = auth.principal.orgId;
    if (enteredOrg && ports.orgGate) await ports.orgGate.admit(request, auth.principal, enteredOrg);
  });
}

/** Only API requests are logged: health checks, metrics scrapes and console files are not. */
function isLoggedPath(url: string): boolean {
  return url.startsWith('/api/') || url.startsWith('/scim/');
}

/** The matched route; null for an unknown path (the console's catch-all answers unknown /api/ paths too). */
function routeTemplateOf(request: FastifyRequest): string | null {
  const url = request.routeOptions.url;
  return url && url !== '/*' ? url : null;
}

function headerBytes(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Hands every API response to the access log port. Synchronous and allocation-light: the
 * recorder buffers, and nothing here waits for the database.
 */
function registerAccessLog(app: FastifyInstance, ports: HttpPorts): void {
  app.addHook('onResponse', (request, reply, done) => {
    const recorder = ports.accessLog;
    if (recorder && isLoggedPath(request.url)) {
      const principal = request.auth?.principal ?? null;
      const params = request.params as Record<string, unknown> | undefined;
      const routeOrg = params?.orgId;
      const workspaceId = params?.workspaceId;
      const latencyMs = reply.elapsedTime;
      const orgId = principal?.orgId ?? null;
      recorder.record({
        at: new Date(Date.now() - latencyMs),
        // Only an org the principal was admitted to (a refused outsider's probe has none).
        orgId: orgId && (typeof routeOrg !== 'string' || routeOrg === orgId) ? orgId : null,
        workspaceId: typeof workspaceId === 'string' && workspaceId.length <= 64 ? workspaceId : null,
        method: request.method,
        routeTemplate: routeTemplateOf(request),
        status: reply.statusCode,
        latencyMs,
        principalKind: principal?.kind ?? null,
        principalId: principal?.id ?? null,
        apiKeyId: principal?.apiKeyId ?? null,
        sessionId: principal?.sessionId ?? null,
        ip: request.ip ?? null,
        userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 512) : null,
        bytesIn: headerBytes(request.headers['content-length']),
        bytesOut: headerBytes(reply.getHeader('content-length')),
        requestId: request.id,
      });
    }
    done();
  });
}

function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error, reqId: request.id }, 'request failed');
    if (problem.status === 429 && typeof problem.extensions.retryAfter === 'number') {
      reply.header('retry-after', String(problem.extensions.retryAfter));
    }
    return sendProblem(reply, problem, request.url);
  });
  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, problems.notFound('route', `${request.method} ${request.url.split('?')[0]}`), request.url);
  });
}

export function sendProblem(reply: FastifyReply, problem: Problem, instance?: string): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(problem.body(instance?.split('?')[0]));
}

function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof Problem) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const errors: FieldError[] = error.validation.flatMap((v) => {
      // An unknown key is reported on its parent object; name the key itself.
      const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
      if (keys?.length) {
        return keys.map((key) => ({ field: fieldName(where, `${v.instancePath.replace(/\/$/, '')}/${key}`), message: 'is not a known field' }));
      }
      return [{ field: fieldName(where, v.instancePath), message: v.message ?? 'is not valid' }];
    });
    return problems.validation(errors);
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error.cause }, 'response did not match its schema');
    return new Problem(500, 'internal', 'Internal error', 'The server could not complete the request.');
  }
  const e = error as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problems.badRequest('malformed-body', 'The request body is not valid JSON.', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json.', {
        field: 'content-type',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(413, 'body-too-large', 'Body too large', 'The request body is larger than 1 MiB.', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problems.badRequest('invalid-content-length', 'Content-Length does not match the body.', 'content-length');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return problems.badRequest('bad-url', 'The URL is not valid.', 'url');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new Problem(e.statusCode, 'bad-request', 'Bad request', e.message || 'The request was not accepted.');
  }
  return new Problem(500, 'internal', 'Internal error', `The server could not complete the request (${request.id}).`);
}

function fieldName(where: string, instancePath: string): string {
  const pathPart = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const prefix = where === 'querystring' ? 'query' : where;
  return pathPart ? `${prefix}.${pathPart}` : prefix;
}

/** The console is a single-page app: unknown non-API GETs fall back to index.html. */
async function serveConsole(app: FastifyInstance, consoleDir: string): Promise<void> {
  const index = path.join(consoleDir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/plain')
        .send('Hexaplane API is running. The console is not built: run `npm run build:console`. API reference: /docs'),
    );
    return;
  }
  await app.register(async (scope) => {
    // The console's files are public; the console asks for sign-in itself.
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), auth: 'public' };
    });
    await scope.register(fastifyStatic, { root: consoleDir, prefix: '/', wildcard: false, index: ['index.html'] });
    scope.get('/*', { schema: { hide: true } }, async (request, reply) => {
      if (request.url.startsWith('/api/') || request.url.startsWith('/scim/')) {
        return sendProblem(reply, problems.notFound('route', `${request.method} ${request.url.split('?')[0]}`), request.url);
      }
      return reply.sendFile('index.html');
    });
  });
}

export type { ZodTypeProvider };
