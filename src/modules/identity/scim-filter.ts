import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './scim-errors.ts';

/**
 * SCIM filters (RFC 7644 §3.4.2.2) become SQL over our own tables, so a filtered list is one
 * indexed query however many users an organization has. Attribute names are case-insensitive,
 * and a schema URN prefix (`urn:…:User:userName`) names the same attribute as `userName`.
 */

export type AttributeType = 'string' | 'boolean' | 'datetime';

export interface ScalarAttribute {
  kind: 'scalar';
  column: RawBuilder<unknown>;
  type: AttributeType;
  /** RFC 7643 caseExact: false compares strings without regard to case. */
  caseExact: boolean;
}

/** A multi-valued attribute (emails, members): a filter on it holds when one of its values matches. */
export interface MultiAttribute {
  kind: 'multi';
  exists: (condition: RawBuilder<SqlBool>) => RawBuilder<SqlBool>;
  sub: Record<string, ScalarAttribute>;
  /** The sub-attribute `emails eq "x"` means (`value`). */
  primary: string;
}

export type Attribute = ScalarAttribute | MultiAttribute;
export type AttributeMap = Record<string, Attribute>;

export const str = (column: RawBuilder<unknown>, caseExact = false): ScalarAttribute => ({ kind: 'scalar', column, type: 'string', caseExact });
export const bool = (column: RawBuilder<unknown>): ScalarAttribute => ({ kind: 'scalar', column, type: 'boolean', caseExact: true });
export const datetime = (column: RawBuilder<unknown>): ScalarAttribute => ({ kind: 'scalar', column, type: 'datetime', caseExact: true });

const CORE_PREFIX = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;
const ENTERPRISE_PREFIX = /^urn:ietf:params:scim:schemas:extension:enterprise:2\.0:user:/i;

/** `urn:…:enterprise:2.0:User:department` → `enterprise:department`; everything lower-cased. */
export function normalizeAttributePath(path: string): string {
  const lower = path.toLowerCase();
  if (ENTERPRISE_PREFIX.test(lower)) return `enterprise:${lower.replace(ENTERPRISE_PREFIX, '')}`;
  return lower.replace(CORE_PREFIX, '');
}

const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);

/** Parses and translates `filter`; throws a SCIM 400 invalidFilter for what it cannot honour. */
export function scimFilterToSql(filter: string, attributes: AttributeMap): RawBuilder<SqlBool> {
  let ast: Filter;
  try {
    ast = parse(filter);
  } catch (error) {
    throw invalidFilter(`The filter is not valid: ${(error as Error).message}`);
  }
  return translate(ast, attributes, null);
}

type Scope = MultiAttribute | null;

export function translate(f: Filter, attributes: AttributeMap, scope: Scope): RawBuilder<SqlBool> {
  switch (f.op) {
    case 'and':
    case 'or': {
      const parts = (f as { filters: Filter[] }).filters.map((g) => translate(g, attributes, scope));
      return sql<SqlBool>`(${sql.join(parts, f.op === 'and' ? sql` AND ` : sql` OR `)})`;
    }
    case 'not':
      // A comparison with a missing value is unknown (NULL) in SQL; SCIM's `not` makes it true.
      return sql<SqlBool>`(NOT COALESCE(${translate((f as { filter: Filter }).filter, attributes, scope)}, false))`;
    case '[]': {
      if (scope) throw invalidFilter('Value filters cannot be nested.');
      const { attrPath, valFilter } = f as { attrPath: string; valFilter: Filter };
      const multi = resolve(attrPath, attributes, null);
      if (multi.kind !== 'multi') throw invalidFilter(`${attrPath} is not multi-valued.`);
      return multi.exists(translate(valFilter, attributes, multi));
    }
    default:
      return comparison(f as { op: string; attrPath: string; compValue?: unknown }, attributes, scope);
  }
}

/** The attribute a path names: in a value filter's scope its sub-attributes, else `a` or `a.sub`. */
function resolve(path: string, attributes: AttributeMap, scope: Scope): Attribute {
  const name = normalizeAttributePath(path);
  if (scope) {
    const sub = scope.sub[name];
    if (!sub) throw invalidFilter(`Unknown sub-attribute ${path}.`);
    return sub;
  }
  const direct = attributes[name];
  if (direct) return direct;
  const dot = name.lastIndexOf('.');
  const parent = dot > 0 ? attributes[name.slice(0, dot)] : undefined;
  if (parent?.kind === 'multi') {
    const sub = parent.sub[name.slice(dot + 1)];
    if (sub) return { ...parent, primary: name.slice(dot + 1) };
  }
  throw invalidFilter(`Filtering on ${path} is not supported.`);
}

function comparison(f: { op: string; attrPath: string; compValue?: unknown }, attributes: AttributeMap, scope: Scope): RawBuilder<SqlBool> {
  const attribute = resolve(f.attrPath, attributes, scope);
  if (attribute.kind === 'multi') {
    const sub = attribute.sub[attribute.primary]!;
    return attribute.exists(scalarComparison(f, sub));
  }
  return scalarComparison(f, attribute);
}

function scalarComparison(f: { op: string; attrPath: string; compValue?: unknown }, a: ScalarAttribute): RawBuilder<SqlBool> {
  const { op, attrPath } = f;
  if (op === 'pr') {
    return a.type === 'string' ? sql<SqlBool>`(${a.column} IS NOT NULL AND ${a.column} <> '')` : sql<SqlBool>`(${a.column} IS NOT NULL)`;
  }
  const value = f.compValue;
  if (value === null) {
    if (op === 'eq') return sql<SqlBool>`(${a.column} IS NULL)`;
    if (op === 'ne') return sql<SqlBool>`(${a.column} IS NOT NULL)`;
    throw invalidFilter(`${op} cannot compare ${attrPath} with null.`);
  }
  if (a.type === 'boolean') return booleanComparison(op, a.column, value, attrPath);
  if (typeof value === 'boolean') throw invalidFilter(`${attrPath} is not a boolean.`);
  const text = String(value);
  if (a.type === 'datetime') return datetimeComparison(op, a.column, text, attrPath);
  const column = a.caseExact ? a.column : sql`lower(${a.column})`;
  const v = a.caseExact ? text : text.toLowerCase();
  switch (op) {
    case 'eq':
      return sql<SqlBool>`(${column} = ${v})`;
    case 'ne':
      return sql<SqlBool>`(${column} IS DISTINCT FROM ${v})`;
    case 'co':
      return sql<SqlBool>`(strpos(${column}, ${v}) > 0)`;
    case 'sw':
      return sql<SqlBool>`starts_with(${column}, ${v})`;
    case 'ew':
      return sql<SqlBool>`(right(${column}, ${sql.lit(v.length)}) = ${v})`;
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return sql<SqlBool>`(${column} ${sql.raw(ORDER_OPERATORS[op])} ${v} COLLATE "C")`;
    default:
      throw invalidFilter(`Unknown operator ${op}.`);
  }
}

const ORDER_OPERATORS = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function booleanComparison(op: string, column: RawBuilder<unknown>, value: unknown, attrPath: string): RawBuilder<SqlBool> {
  // Entra ID sends booleans as strings ("True") in some filters as well as in bodies.
  const b = typeof value === 'boolean' ? value : typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : null;
  if (b === null) throw invalidFilter(`${attrPath} is a boolean; compare it with true or false.`);
  if (op === 'eq') return sql<SqlBool>`(${column} = ${b})`;
  if (op === 'ne') return sql<SqlBool>`(${column} IS DISTINCT FROM ${b})`;
  throw invalidFilter(`${op} does not apply to the boolean ${attrPath}.`);
}

function datetimeComparison(op: string, column: RawBuilder<unknown>, text: string, attrPath: string): RawBuilder<SqlBool> {
  if (Number.isNaN(Date.parse(text))) throw invalidFilter(`${attrPath} is a date-time; ${JSON.stringify(text)} is not one.`);
  const at = new Date(text).toISOString();
  switch (op) {
    case 'eq':
      return sql<SqlBool>`(${column} = ${at}::timestamptz)`;
    case 'ne':
      return sql<SqlBool>`(${column} IS DISTINCT FROM ${at}::timestamptz)`;
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return sql<SqlBool>`(${column} ${sql.raw(ORDER_OPERATORS[op])} ${at}::timestamptz)`;
    default:
      throw invalidFilter(`${op} does not apply to the date-time ${attrPath}.`);
  }
}

// ---- the attributes of our resources ----

const EMAILS = sql`e`;

export const userAttributes: AttributeMap = {
  id: str(sql.ref('u.user_id'), true),
  externalid: str(sql.ref('u.external_id'), true),
  username: str(sql.ref('u.user_name')),
  displayname: str(sql.ref('u.display_name')),
  'name.givenname': str(sql.ref('u.given_name')),
  'name.familyname': str(sql.ref('u.family_name')),
  active: bool(sql.ref('u.active')),
  emails: {
    kind: 'multi',
    exists: (condition) => sql<SqlBool>`EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS ${EMAILS} WHERE ${condition})`,
    sub: {
      value: str(sql`(e->>'value')`),
      type: str(sql`(e->>'type')`),
      primary: bool(sql`(e->>'primary')::boolean`),
    },
    primary: 'value',
  },
  'enterprise:department': str(sql.ref('u.department')),
  'enterprise:costcenter': str(sql.ref('u.cost_center')),
  'enterprise:employeenumber': str(sql.ref('u.employee_number'), true),
  'enterprise:manager.value': str(sql.ref('u.manager_id'), true),
  'enterprise:manager': str(sql.ref('u.manager_id'), true),
  'meta.created': datetime(sql.ref('u.created_at')),
  'meta.lastmodified': datetime(sql.ref('u.updated_at')),
};

export const groupAttributes: AttributeMap = {
  id: str(sql.ref('g.group_id'), true),
  externalid: str(sql.ref('g.external_id'), true),
  displayname: str(sql.ref('gr.name')),
  members: {
    kind: 'multi',
    exists: (condition) => sql<SqlBool>`EXISTS (SELECT 1 FROM group_members AS m WHERE m.group_id = g.group_id AND ${condition})`,
    sub: { value: str(sql.ref('m.user_id'), true) },
    primary: 'value',
  },
  'meta.created': datetime(sql.ref('g.created_at')),
  'meta.lastmodified': datetime(sql.ref('g.updated_at')),
};
