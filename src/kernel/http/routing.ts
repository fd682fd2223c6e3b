import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../authz.ts';
import { problems } from './problems.ts';

/** The problem+json shape, for the OpenAPI document. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    field: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'Problem' });

/** The error responses every authenticated route may give. */
export const errorResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  412: problemSchema,
  422: problemSchema,
  429: problemSchema,
};

export const orgParams = z.object({ orgId: z.string().min(1).max(64).describe('Organization id (org_...)') });

export const idSchema = (prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be an id starting with ${prefix}_`)
    .describe(`An id starting with ${prefix}_`);

export const slugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and dashes; starts and ends with a letter or digit');

export const labelsSchema = z
  .record(
    z.string().min(1).max(63).regex(/^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/, 'label keys are Kubernetes-style'),
    z.string().max(63).regex(/^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/, 'label values are Kubernetes-style'),
  )
  .refine((r) => Object.keys(r).length <= 64, 'at most 64 labels');

/** The authenticated principal of a request, with the organization it entered. */
export function principalOf(request: FastifyRequest): Principal {
  const auth = request.auth;
  if (!auth) throw problems.unauthenticated();
  return { ...auth.principal, requestId: request.id };
}

export function etagOf(version: number): string {
  return `"v${version}"`;
}

/** Reads `If-Match: "v<n>"`; undefined when absent, a 412 problem when unparseable. */
export function ifMatchVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim()) : null;
  if (!match) throw problems.preconditionFailed('If-Match must be an ETag this API returned, like "v3".');
  return Number(match[1]);
}

export function withEtag<T extends { version: number }>(reply: FastifyReply, resource: T): T {
  reply.header('etag', etagOf(resource.version));
  return resource;
}
