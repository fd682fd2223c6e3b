import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { idPrefixes } from '../../src/kernel/ids.ts';
import type { Example } from '../support/examples.ts';
import { createWorld, type World } from '../support/world.ts';
import {
  allowedTypes,
  danglingRefs,
  describe as describeOp,
  jsonTypeOf,
  urlOf,
  liveDocument,
  operationsOf,
  typeAllowed,
  type JsonSchema,
  type OpenApiDocument,
  type Operation,
  type Parameter,
} from './openapi.ts';
import {
  countChanges,
  exampleFor,
  GENERATED_SUITE_TIMEOUT_MS,
  problemOf,
  problemShapeErrors,
  send,
  seedOf,
  snippet,
  tableCounts,
  type RequestShape,
} from './support.ts';

/**
 * Bad input, generated from the live OpenAPI document: for every operation that takes path
 * parameters, a query or a body, fast-check derives invalid variants of its valid example
 * (test/support/examples.ts) from the operation's JSON schemas, and A's admin sends them. Each
 * must be refused with a 4xx problem+json (a `type`, a `detail`, and for a 400 a `field` naming
 * the input at fault), never a 5xx, and must write nothing: the row count of every table in the
 * public schema is the same after the operation's batch as before it.
 */

/** Generated cases per operation (fixed header/body-format cases come on top). */
const RUNS_PER_OPERATION = 20;
const ORG_ID = /^org_[0-9a-z]{26}$/;

let world: World;
let doc: OpenApiDocument;
let operations: Operation[];

beforeAll(async () => {
  world = await createWorld();
  doc = liveDocument(world.t.app);
  operations = operationsOf(doc);
}, 180_000);

afterAll(async () => {
  await world?.t.close();
});

interface Case {
  kind: string;
  what: string;
  request: RequestShape;
  /** Sent to this URL as-is instead of the operation's path filled with `request.params`. */
  rawUrl?: string;
  /** The statuses that are a right answer. */
  statuses: number[];
  /** For a 400: the `field` values that name the input at fault. */
  fields?: string[];
  /** The generated name in it (an unknown key), masked when failures are grouped. */
  token?: string;
}

// ---- the JSON-schema walk ----

interface PropertyPath {
  path: string[];
  schema: JsonSchema;
  required: boolean;
  /** The path of the nearest union (anyOf/oneOf) around it: a validator may blame the union. */
  union: string[] | null;
}

/** The object branch of a schema that fits a value (a plain object schema, or one branch of a union). */
function objectBranch(schema: JsonSchema, value: Record<string, unknown>): { schema: JsonSchema; union: boolean } | null {
  if (schema.properties) return { schema, union: false };
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  const fits = branches.filter((b) => b.properties && Object.keys(value).every((k) => k in b.properties!));
  const discriminated = fits.find((b) =>
    Object.entries(b.properties!).some(([k, s]) => (s.const !== undefined && s.const === value[k]) || (s.enum?.length === 1 && s.enum[0] === value[k])),
  );
  const branch = discriminated ?? fits[0];
  return branch ? { schema: branch, union: true } : null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every property of the body schema, nested objects included where the example has them. */
function propertyPaths(schema: JsonSchema, value: unknown, prefix: string[] = [], union: string[] | null = null, depth = 0): PropertyPath[] {
  if (!schema.properties || depth > 3) return [];
  const out: PropertyPath[] = [];
  for (const [key, propertySchema] of Object.entries(schema.properties)) {
    const path = [...prefix, key];
    out.push({ path, schema: propertySchema, required: schema.required?.includes(key) ?? false, union });
    const inner = isPlainObject(value) ? value[key] : undefined;
    if (!isPlainObject(inner)) continue;
    const branch = objectBranch(propertySchema, inner);
    if (branch) out.push(...propertyPaths(branch.schema, inner, path, branch.union ? path : union, depth + 1));
  }
  return out;
}

function withValueAt(body: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return copy;
}

function withoutValueAt(body: unknown, path: string[]): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) node = isPlainObject(node) ? node[key] : undefined;
  if (isPlainObject(node)) delete node[path[path.length - 1]!];
  return copy;
}

/** `body.a.b`, and for a property inside a union, the union too (validators report the union). */
function fieldsFor(p: PropertyPath): string[] {
  const fields = [['body', ...p.path].join('.')];
  if (p.union) fields.push(['body', ...p.union].join('.'));
  return fields;
}

function hasParentInExample(body: unknown, path: string[]): boolean {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) node = isPlainObject(node) ? node[key] : undefined;
  return isPlainObject(node);
}

// ---- arbitraries of invalid values ----

const valuesByType: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 12 }),
  integer: fc.integer(),
  number: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((n) => !Number.isInteger(n)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.integer(), { maxLength: 3 }),
  object: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.integer(), { minKeys: 1, maxKeys: 2 }),
};

/** Values whose JSON type the schema does not allow; null when the schema allows anything. */
function wrongTypeValue(schema: JsonSchema): fc.Arbitrary<unknown> | null {
  const allowed = allowedTypes(schema);
  if (allowed.size === 0) return null;
  const wrong = Object.entries(valuesByType)
    .filter(([type]) => !typeAllowed(type, allowed))
    .map(([, arb]) => arb);
  return wrong.length ? fc.oneof(...wrong).filter((v) => !typeAllowed(jsonTypeOf(v), allowed)) : null;
}

function matches(pattern: string, value: string): boolean {
  return new RegExp(pattern, 'u').test(value);
}

/** Values of the right type that break one of the schema's constraints. */
function outOfBoundsValue(schema: JsonSchema): fc.Arbitrary<unknown> | null {
  const allowed = allowedTypes(schema);
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.enum && schema.enum.every((v) => typeof v === 'string')) {
    options.push(fc.stringMatching(/^[a-z][a-z-]{0,11}$/).filter((v) => !schema.enum!.includes(v)));
  }
  if (allowed.has('string') && !schema.enum) {
    if (schema.pattern) options.push(fc.string({ minLength: 1, maxLength: 30 }).filter((v) => !matches(schema.pattern!, v)));
    if ((schema.minLength ?? 0) >= 1) options.push(fc.constant(''));
  }
  if (allowed.has('integer') || allowed.has('number')) {
    if (typeof schema.minimum === 'number') options.push(fc.integer({ min: -1000, max: -1 }).map((d) => schema.minimum! + d));
    if (typeof schema.maximum === 'number') options.push(fc.integer({ min: 1, max: 1000 }).map((d) => schema.maximum! + d));
    if (allowed.has('integer') && !allowed.has('number')) options.push(fc.constantFrom(0.5, 1.25, 99.9));
  }
  if (allowed.has('array') && (schema.minItems ?? 0) >= 1) options.push(fc.constant([]));
  return options.length ? fc.oneof(...options) : null;
}

function tooLongValue(schema: JsonSchema): fc.Arbitrary<string> | null {
  if (!allowedTypes(schema).has('string') || typeof schema.maxLength !== 'number') return null;
  const max = schema.maxLength;
  return fc.integer({ min: max + 1, max: max + 64 }).map((n) => 'a'.repeat(n));
}

const ulidBody = fc.stringMatching(/^[0-9a-hjkmnp-tv-z]{26}$/);

/** Garbage and lookalike ids for a path parameter (including well-formed ids of nothing). */
function pathValue(param: Parameter): fc.Arbitrary<string> {
  const prefixes = Object.values(idPrefixes);
  const own = param.name === 'orgId' ? 'org' : /^\^([a-z]+)_/.exec(param.schema.pattern ?? '')?.[1];
  return fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
      fc.tuple(fc.constantFrom(...prefixes), ulidBody).map(([prefix, id]) => `${prefix}_${id}`),
      fc.tuple(fc.constantFrom(...prefixes), ulidBody).map(([prefix, id]) => `${prefix}_${id.toUpperCase()}`),
      fc.tuple(fc.constantFrom(...prefixes), fc.stringMatching(/^[0-9a-z]{1,25}$/)).map(([prefix, id]) => `${prefix}_${id}`),
      ...(own ? [ulidBody.map((id) => `${own}_${id}`)] : []),
    )
    .filter((v) => v !== '.' && v !== '..' && v.trim() === v && v !== '');
}

function paramIsValid(param: Parameter, value: string): boolean {
  if (param.name === 'orgId') return ORG_ID.test(value);
  const s = param.schema;
  if (typeof s.maxLength === 'number' && value.length > s.maxLength) return false;
  if (typeof s.minLength === 'number' && value.length < s.minLength) return false;
  if (s.pattern && !matches(s.pattern, value)) return false;
  if (s.enum && !s.enum.includes(value)) return false;
  return true;
}

/** Strings a query parameter must refuse (query values arrive as strings and may be coerced). */
function badQueryValue(param: Parameter): fc.Arbitrary<string> | null {
  const s = param.schema;
  const allowed = allowedTypes(s);
  const options: fc.Arbitrary<string>[] = [];
  if (allowed.has('integer') || allowed.has('number')) {
    options.push(fc.constantFrom('abc', 'two', 'NaN', '-', '1,5', 'Infinity', '{}'));
    if (typeof s.minimum === 'number') options.push(fc.integer({ min: -1000, max: -1 }).map((d) => String(s.minimum! + d)));
    if (typeof s.maximum === 'number') options.push(fc.integer({ min: 1, max: 100000 }).map((d) => String(s.maximum! + d)));
    if (allowed.has('integer') && !allowed.has('number')) options.push(fc.constantFrom('1.5', '2.25'));
  } else if (s.enum) {
    options.push(fc.stringMatching(/^[a-z]{1,12}$/).filter((v) => !s.enum!.includes(v)));
  } else if (allowed.has('string')) {
    if (s.pattern) options.push(fc.string({ minLength: 1, maxLength: 30 }).filter((v) => !matches(s.pattern!, v)));
    if (s.format === 'date-time' && !s.pattern) options.push(fc.constantFrom('yesterday', '2024-13-45T25:00:00Z', '12345', '2024-01-01'));
    if (typeof s.maxLength === 'number') options.push(fc.integer({ min: s.maxLength + 1, max: s.maxLength + 40 }).map((n) => 'q'.repeat(n)));
    if (param.name === 'cursor') options.push(fc.string({ minLength: 1, maxLength: 40 }).filter((v) => !looksLikeCursor(v)));
  }
  return options.length ? fc.oneof(...options) : null;
}

function looksLikeCursor(v: string): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof parsed?.after === 'string';
  } catch {
    return false;
  }
}

// ---- the cases of one operation ----

type CaseSource = fc.Arbitrary<Case>;

function bodySources(op: Operation, example: Example): CaseSource[] {
  const body = example.body;
  const sources: CaseSource[] = [];
  const base = { params: example.params, ...(example.query ? { query: example.query } : {}) };

  sources.push(
    fc
      .anything({ maxDepth: 2 })
      .filter((v) => v !== undefined && !isPlainObject(v))
      .map((v) => ({ kind: 'body-not-object', what: `body ${JSON.stringify(v)}`.slice(0, 80), request: { ...base, rawBody: JSON.stringify(v) ?? 'null', headers: { 'content-type': 'application/json' } }, statuses: [400], fields: ['body'] })),
  );

  const properties = propertyPaths(op.body!, body).filter((p) => hasParentInExample(body, p.path));
  const required = properties.filter((p) => p.required);
  if (required.length) {
    sources.push(
      fc.constantFrom(...required).map((p) => ({
        kind: 'missing-required',
        what: `without ${p.path.join('.')}`,
        request: { ...base, body: withoutValueAt(body, p.path) },
        statuses: [400],
        fields: fieldsFor(p),
      })),
    );
  }

  const typed = properties.flatMap((p) => {
    const arb = wrongTypeValue(p.schema);
    return arb ? [arb.map((v) => ({ p, v }))] : [];
  });
  if (typed.length) {
    sources.push(
      fc.oneof(...typed).map(({ p, v }) => ({
        kind: 'wrong-type',
        what: `${p.path.join('.')} = ${JSON.stringify(v)}`.slice(0, 80),
        request: { ...base, body: withValueAt(body, p.path, v) },
        statuses: [400],
        fields: fieldsFor(p),
      })),
    );
  }

  const bounded = properties.flatMap((p) => {
    const arb = outOfBoundsValue(p.schema);
    return arb ? [arb.map((v) => ({ p, v }))] : [];
  });
  if (bounded.length) {
    sources.push(
      fc.oneof(...bounded).map(({ p, v }) => ({
        kind: 'out-of-bounds',
        what: `${p.path.join('.')} = ${JSON.stringify(v)}`.slice(0, 80),
        request: { ...base, body: withValueAt(body, p.path, v) },
        statuses: [400],
        fields: fieldsFor(p),
      })),
    );
  }

  const long = properties.flatMap((p) => {
    const arb = tooLongValue(p.schema);
    return arb ? [arb.map((v) => ({ p, v }))] : [];
  });
  if (long.length) {
    sources.push(
      fc.oneof(...long).map(({ p, v }) => ({
        kind: 'too-long',
        what: `${p.path.join('.')} of ${v.length} characters`,
        request: { ...base, body: withValueAt(body, p.path, v) },
        statuses: [400],
        fields: fieldsFor(p),
      })),
    );
  }

  if (isPlainObject(body) && op.body!.additionalProperties === false) {
    const known = new Set(Object.keys(op.body!.properties ?? {}));
    sources.push(
      fc
        .tuple(fc.stringMatching(/^[a-z][a-zA-Z0-9]{2,15}$/).filter((k) => !known.has(k)), fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null)))
        .map(([key, v]) => ({
          kind: 'unknown-property',
          what: `extra property ${key}`,
          request: { ...base, body: { ...body, [key]: v } },
          statuses: [400],
          // The problem must name the key itself (`body.<key>`), not just `body`.
          fields: [`body.${key}`],
          token: key,
        })),
    );
  }
  return sources;
}

function pathSources(op: Operation, example: Example): CaseSource[] {
  if (!op.pathParams.length) return [];
  return [
    fc.constantFrom(...op.pathParams).chain((param) => pathValue(param).map((value) => ({ param, value }))).map(({ param, value }) => {
      const valid = paramIsValid(param, value);
      return {
        kind: 'path-id',
        what: `${param.name} = ${JSON.stringify(value)}`,
        request: { params: { ...example.params, [param.name]: value }, ...(example.query ? { query: example.query } : {}), ...(example.body !== undefined ? { body: example.body } : {}) },
        // A well-formed id of nothing is a 404; a malformed one is a 400 naming the parameter.
        statuses: valid ? [400, 404, 422] : [400],
        fields: [`params.${param.name}`],
      };
    }),
  ];
}

function querySources(op: Operation, example: Example): CaseSource[] {
  const eligible = op.queryParams.flatMap((param) => {
    const arb = badQueryValue(param);
    return arb ? [arb.map((value) => ({ param, value }))] : [];
  });
  if (!eligible.length) return [];
  return [
    fc.oneof(...eligible).map(({ param, value }) => ({
      kind: 'query',
      what: `${param.name}=${JSON.stringify(value)}`.slice(0, 80),
      request: { params: example.params, query: { ...example.query, [param.name]: value }, ...(example.body !== undefined ? { body: example.body } : {}) },
      statuses: [400],
      fields: [`query.${param.name}`],
    })),
  ];
}

/** Versioned resources (their 2xx has a `version`) take If-Match on PATCH and PUT. */
function takesIfMatch(op: Operation): boolean {
  return (op.method === 'PATCH' || op.method === 'PUT') && Boolean(op.success.schema?.properties?.version);
}

function fixedCases(op: Operation, example: Example): Case[] {
  const cases: Case[] = [];
  const base: RequestShape = { params: example.params, ...(example.query ? { query: example.query } : {}) };
  if (op.body) {
    const json = JSON.stringify(example.body ?? {});
    cases.push(
      { kind: 'malformed-json', what: 'a truncated JSON body', request: { ...base, rawBody: json.slice(0, Math.max(1, Math.floor(json.length / 2))), headers: { 'content-type': 'application/json' } }, statuses: [400], fields: ['body'] },
      { kind: 'malformed-json', what: 'an empty JSON body', request: { ...base, rawBody: '', headers: { 'content-type': 'application/json' } }, statuses: [400], fields: ['body'] },
      { kind: 'content-type', what: 'a form-encoded body', request: { ...base, rawBody: 'name=x&slug=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, statuses: [400, 415], fields: ['body', 'content-type'] },
      { kind: 'content-type', what: 'the JSON body sent as text/plain', request: { ...base, rawBody: json, headers: { 'content-type': 'text/plain' } }, statuses: [400, 415], fields: ['body', 'content-type'] },
    );
  }
  const withBody = example.body !== undefined ? { ...base, body: example.body } : base;
  if (op.body && isPlainObject(example.body)) {
    const json = JSON.stringify(example.body);
    cases.push(
      { kind: 'prototype-pollution', what: 'a body with __proto__', request: { ...base, rawBody: `{"__proto__":{"platformAdmin":true},${json.slice(1)}`, headers: { 'content-type': 'application/json' } }, statuses: [400], fields: ['body'] },
      { kind: 'too-large', what: 'a body over 1 MiB', request: { ...base, body: { ...example.body, padding: 'p'.repeat(1_100_000) } }, statuses: [413] },
    );
  }
  for (const param of op.pathParams) {
    // A broken percent-escape: the router refuses it before any route runs, so only the
    // kernel's `frameworkErrors` hook turns it into a problem (Fastify's own JSON otherwise).
    const broken = urlOf(op, example.params).replace(encodeURIComponent(example.params[param.name]!), '%E0%A4%A');
    cases.push({ kind: 'bad-escape', what: `${param.name} with a broken %-escape`, request: withBody, rawUrl: broken, statuses: [400], fields: [`params.${param.name}`, 'url'] });
  }
  if (takesIfMatch(op)) {
    cases.push(
      { kind: 'if-match', what: 'If-Match: garbage', request: { ...withBody, headers: { 'if-match': 'garbage' } }, statuses: [400, 412], fields: ['if-match'] },
      { kind: 'if-match', what: 'If-Match: "v999999" (stale)', request: { ...withBody, headers: { 'if-match': '"v999999"' } }, statuses: [412], fields: ['if-match'] },
    );
  }
  if (op.method === 'POST') {
    cases.push(
      { kind: 'idempotency-key', what: 'Idempotency-Key with spaces', request: { ...withBody, headers: { 'idempotency-key': 'not a valid key!' } }, statuses: [400], fields: ['idempotency-key'] },
      { kind: 'idempotency-key', what: 'Idempotency-Key of 256 characters', request: { ...withBody, headers: { 'idempotency-key': 'k'.repeat(256) } }, statuses: [400], fields: ['idempotency-key'] },
    );
  }
  return cases;
}

function generatedCases(op: Operation, example: Example): Case[] {
  const sources = [...(op.body ? bodySources(op, example) : []), ...pathSources(op, example), ...querySources(op, example)];
  if (!sources.length) return [];
  const perSource = Math.max(2, Math.ceil(RUNS_PER_OPERATION / sources.length));
  const seed = seedOf(op.operationId);
  const seen = new Set<string>();
  const cases: Case[] = [];
  sources.forEach((source, i) => {
    for (const c of fc.sample(source, { numRuns: perSource, seed: seed + i })) {
      const key = JSON.stringify(c.request);
      if (seen.has(key)) continue;
      seen.add(key);
      cases.push(c);
    }
  });
  return cases;
}

// ---- running them ----

interface Verdict {
  /** What went wrong, without the generated specifics: cases failing the same way group under it. */
  kind: string;
  detail: string;
}

function judge(c: Case, res: Awaited<ReturnType<typeof send>>): Verdict | null {
  if (res.statusCode >= 500) return { kind: `a ${res.statusCode}`, detail: snippet(res) };
  if (res.statusCode < 400) return { kind: `accepted with ${res.statusCode}`, detail: snippet(res) };
  const shape = problemShapeErrors(res);
  if (shape.length) return { kind: `not problem+json (${shape.join('; ')})`, detail: snippet(res) };
  if (!c.statuses.includes(res.statusCode)) return { kind: `${res.statusCode} instead of ${c.statuses.join('/')}`, detail: snippet(res) };
  const problem = problemOf(res)!;
  if (res.statusCode === 400 && c.fields && !c.fields.includes(String(problem.field))) {
    const kind = `field ${JSON.stringify(problem.field)} instead of ${c.fields.join(' or ')}`;
    return { kind: c.token ? kind.split(c.token).join('<key>') : kind, detail: snippet(res) };
  }
  return null;
}

/**
 * Failures grouped by case kind and verdict across operations: a defect shared by every route
 * (a kernel one) reads as one line naming the routes, not as a hundred.
 */
class FailureLog {
  private readonly groups = new Map<string, { operations: Set<string>; count: number; first: string }>();
  readonly plain: string[] = [];
  add(op: Operation, c: Case, verdict: Verdict): void {
    const key = `[${c.kind}] ${verdict.kind}`;
    const group = this.groups.get(key) ?? { operations: new Set<string>(), count: 0, first: `${describeOp(op)}: ${c.what} -> ${verdict.detail}` };
    group.operations.add(op.operationId);
    group.count += 1;
    this.groups.set(key, group);
  }
  lines(): string[] {
    return [
      ...this.plain,
      ...[...this.groups].map(
        ([key, g]) => `${key}: ${g.count} case(s) in ${g.operations.size} operation(s) (${[...g.operations].join(', ')}); e.g. ${g.first}`,
      ),
    ];
  }
}

function takesInput(op: Operation): boolean {
  return op.pathParams.length > 0 || op.queryParams.length > 0 || op.body !== null;
}

it('the OpenAPI document defines every schema it references', () => {
  // `.meta({ id })` schemas become $refs; they resolve only while @fastify/swagger keeps
  // `transformObject: jsonSchemaTransformObject` (without it the components are empty, and SDK
  // generation and these generators lose the schemas).
  expect(danglingRefs(doc)).toEqual([]);
});

it('refuses invalid input to every operation with a problem naming the field, and writes nothing', async () => {
  const log = new FailureLog();
  let caseCount = 0;
  let operationCount = 0;
  let tableCount = 0;
  const statusesByKind = new Map<string, Map<number, number>>();
  for (const op of operations.filter(takesInput)) {
    const example = await exampleFor(world, op);
    if (typeof example === 'string') {
      log.plain.push(example);
      continue;
    }
    if (op.body && example.body === undefined) log.plain.push(`${describeOp(op)}: the example has no body`);
    const cases = [...generatedCases(op, example), ...fixedCases(op, example)];
    operationCount += 1;
    caseCount += cases.length;
    const before = await tableCounts(world);
    tableCount = Object.keys(before).length;
    for (const c of cases) {
      const res = await send(world, world.admin, op, c.request, c.rawUrl);
      const histogram = statusesByKind.get(c.kind) ?? new Map<number, number>();
      histogram.set(res.statusCode, (histogram.get(res.statusCode) ?? 0) + 1);
      statusesByKind.set(c.kind, histogram);
      const verdict = judge(c, res);
      if (verdict) log.add(op, c, verdict);
    }
    const changed = countChanges(before, await tableCounts(world));
    if (changed.length) log.plain.push(`${describeOp(op)}: invalid requests changed row counts: ${changed.join(', ')}`);
  }
  const kinds = [...statusesByKind]
    .map(([kind, h]) => `${kind} ${[...h.values()].reduce((a, b) => a + b, 0)} (${[...h].map(([status, n]) => `${status}: ${n}`).join(', ')})`)
    .join('\n  ');
  console.log(`bad input: ${operationCount} operations, ${caseCount} cases, row counts of ${tableCount} tables compared per operation\n  ${kinds}`);
  const failures = log.lines();
  expect(failures, failures.join('\n')).toEqual([]);
}, GENERATED_SUITE_TIMEOUT_MS);
