import type { FastifyInstance } from 'fastify';

/**
 * Reading the live OpenAPI document: the suites in this folder enumerate its operations, so a
 * route added to the app is tested the day it is added (or the suite fails for want of an example).
 */

export type JsonSchema = {
  type?: string | string[];
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  nullable?: boolean;
  [k: string]: unknown;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Operation {
  method: HttpMethod;
  /** The OpenAPI path, with `{param}` placeholders. */
  path: string;
  operationId: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** The JSON request body schema with every $ref resolved; null when the route takes none. */
  body: JsonSchema | null;
  /** The schema of the first 2xx JSON response, resolved. */
  success: { status: number; schema: JsonSchema | null };
  /** Under /api/v1/orgs/{orgId}: the kernel admits only members of the org (or its keys). */
  orgScoped: boolean;
  mutating: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
  [k: string]: unknown;
}

interface RawOperation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ORG_PREFIX = '/api/v1/orgs/{orgId}';

export function liveDocument(app: FastifyInstance): OpenApiDocument {
  return structuredClone(app.swagger()) as unknown as OpenApiDocument;
}

/** Every `#/components/schemas/X` the document points at but does not define. */
export function danglingRefs(doc: OpenApiDocument): string[] {
  const missing = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && !lookupRef(doc, ref)) missing.add(ref);
    Object.values(node).forEach(walk);
  };
  walk(doc.paths);
  walk(doc.components?.schemas ?? {});
  return [...missing].sort();
}

function lookupRef(doc: OpenApiDocument, ref: string): JsonSchema | undefined {
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  return name ? doc.components?.schemas?.[decodeURIComponent(name)] : undefined;
}

/** Inlines every $ref (the API's schemas are not recursive; a cycle guard keeps it finite). */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema, seen: string[] = []): JsonSchema {
  if (schema.$ref) {
    if (seen.includes(schema.$ref)) return {};
    const target = lookupRef(doc, schema.$ref);
    if (!target) throw new Error(`the OpenAPI document references ${schema.$ref} but does not define it`);
    const { $ref: _ref, ...rest } = schema;
    return resolveSchema(doc, { ...target, ...rest }, [...seen, schema.$ref]);
  }
  const out: JsonSchema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolveSchema(doc, v, seen)]));
  }
  if (schema.items) out.items = resolveSchema(doc, schema.items, seen);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    out.additionalProperties = resolveSchema(doc, schema.additionalProperties, seen);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (list) out[key] = list.map((s) => resolveSchema(doc, s, seen));
  }
  return out;
}

function jsonContent(content: Record<string, { schema?: JsonSchema }> | undefined): JsonSchema | undefined {
  if (!content) return undefined;
  return content['application/json']?.schema ?? Object.values(content)[0]?.schema;
}

/** Every operation of the document (hidden routes are not in it), in document order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (s: JsonSchema) => resolveSchema(doc, s);
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const raw = item[method.toLowerCase()];
      if (!raw) continue;
      const parameters = (raw.parameters ?? []).map((p) => ({ ...p, required: Boolean(p.required), schema: resolve(p.schema ?? {}) }));
      const bodySchema = jsonContent(raw.requestBody?.content);
      const successStatus = Object.keys(raw.responses ?? {})
        .filter((s) => /^2\d\d$/.test(s))
        .sort()[0];
      const successSchema = successStatus ? jsonContent(raw.responses?.[successStatus]?.content) : undefined;
      operations.push({
        method,
        path,
        operationId: raw.operationId ?? `${method} ${path}`,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        body: bodySchema ? resolve(bodySchema) : null,
        success: { status: Number(successStatus ?? 200), schema: successSchema ? resolve(successSchema) : null },
        orgScoped: path === ORG_PREFIX || path.startsWith(`${ORG_PREFIX}/`),
        mutating: method !== 'GET',
      });
    }
  }
  return operations;
}

/** The request path with its parameters filled in (each one URL-encoded). */
export function urlOf(op: Operation, params: Record<string, string>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${op.operationId}: the example gives no value for path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

export function describe(op: Operation): string {
  return `${op.operationId} (${op.method} ${op.path})`;
}

/** The types a JSON value of this schema may have (empty: anything goes). */
export function allowedTypes(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  const add = (s: JsonSchema) => {
    if (Array.isArray(s.type)) s.type.forEach((t) => types.add(t));
    else if (typeof s.type === 'string') types.add(s.type);
    else if (s.enum) s.enum.forEach((v) => types.add(jsonTypeOf(v)));
    else if (s.const !== undefined) types.add(jsonTypeOf(s.const));
    if (s.nullable) types.add('null');
    for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
      const inner = allowedTypes(branch);
      if (inner.size === 0) return types.add('*');
      inner.forEach((t) => types.add(t));
    }
  };
  add(schema);
  if (types.has('integer')) types.add('integer');
  if (types.has('*')) return new Set();
  return types;
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Whether a JSON type is one of the allowed ones (an integer is also a number). */
export function typeAllowed(type: string, allowed: Set<string>): boolean {
  if (allowed.size === 0) return true;
  if (allowed.has(type)) return true;
  return type === 'integer' && allowed.has('number');
}
