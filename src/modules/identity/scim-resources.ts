import { z } from 'zod';
import { ScimError, scimErrors } from './scim-errors.ts';

/** SCIM resource shapes (RFC 7643) and their mapping to our rows: pure, no I/O. */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Entra ID sends booleans as strings ("True", "False"), in bodies and PATCH values alike;
 * this turns them back into booleans wherever they appear, before anything else looks.
 */
export function normalizeStringBooleans(value: unknown, key?: string): unknown {
  if (typeof value === 'string' && key !== undefined && BOOLEAN_KEYS.has(key.toLowerCase()) && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === 'true';
  }
  if (Array.isArray(value)) return value.map((v) => normalizeStringBooleans(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeStringBooleans(v, k)]));
  }
  return value;
}

const BOOLEAN_KEYS = new Set(['active', 'primary']);

const text = z.string().max(1000);
const emailSchema = z.looseObject({ value: z.string().trim().min(3).max(254), type: text.optional(), primary: z.boolean().optional() });

/** What we keep of a SCIM user. Unknown attributes are kept verbatim in `extra`. */
const userInput = z.looseObject({
  userName: z.string().trim().min(1).max(254),
  externalId: text.nullish(),
  displayName: text.nullish(),
  name: z.looseObject({ givenName: text.nullish(), familyName: text.nullish(), formatted: text.nullish() }).nullish(),
  emails: z.array(emailSchema).max(20).nullish(),
  active: z.boolean().nullish(),
  [ENTERPRISE_SCHEMA]: z
    .looseObject({
      department: text.nullish(),
      costCenter: text.nullish(),
      employeeNumber: text.nullish(),
      manager: z.union([z.looseObject({ value: text.nullish() }), z.string()]).nullish(),
    })
    .nullish(),
});

export interface ScimUserData {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  emails: Array<{ value: string; type?: string; primary?: boolean }>;
  active: boolean;
  department: string | null;
  costCenter: string | null;
  managerId: string | null;
  employeeNumber: string | null;
  extra: Record<string, unknown>;
}

/** Keys we map to columns, or compute, so they are not copied into `extra`. */
const USER_KEYS = new Set(['schemas', 'id', 'meta', 'userName', 'externalId', 'displayName', 'name', 'emails', 'active', ENTERPRISE_SCHEMA, 'password', 'groups']);

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'body'}: ${issue.message}`;
}

/** A full user representation (POST, PUT, or the result of a PATCH) to what we store. */
export function parseScimUser(body: unknown): ScimUserData {
  const parsed = userInput.safeParse(normalizeStringBooleans(body));
  if (!parsed.success) throw scimErrors.invalidValue(firstIssue(parsed.error));
  const u = parsed.data;
  const enterprise = u[ENTERPRISE_SCHEMA] ?? null;
  const manager = enterprise?.manager;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(u)) if (!USER_KEYS.has(k)) extra[k] = v;
  if (u.name?.formatted) extra.nameFormatted = u.name.formatted;
  return {
    userName: u.userName,
    externalId: u.externalId ?? null,
    displayName: u.displayName ?? null,
    givenName: u.name?.givenName ?? null,
    familyName: u.name?.familyName ?? null,
    emails: (u.emails ?? []).map((e) => ({ value: e.value, ...(e.type ? { type: e.type } : {}), ...(e.primary !== undefined ? { primary: e.primary } : {}) })),
    active: u.active ?? true,
    department: enterprise?.department ?? null,
    costCenter: enterprise?.costCenter ?? null,
    managerId: typeof manager === 'string' ? manager : (manager?.value ?? null),
    employeeNumber: enterprise?.employeeNumber ?? null,
    extra,
  };
}

/** The sign-in e-mail of a SCIM user: the primary e-mail, the first, or a userName that is one. */
export function primaryEmail(user: Pick<ScimUserData, 'emails' | 'userName'>): string {
  const chosen = user.emails.find((e) => e.primary) ?? user.emails[0];
  const email = chosen?.value ?? user.userName;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw scimErrors.invalidValue('A user needs an e-mail address: send emails, or a userName that is one.');
  return email.toLowerCase();
}

export function displayNameOf(user: Pick<ScimUserData, 'displayName' | 'givenName' | 'familyName' | 'userName'>): string {
  const full = [user.givenName, user.familyName].filter(Boolean).join(' ');
  return (user.displayName || full || user.userName).slice(0, 200);
}

export interface ScimMetaInput {
  id: string;
  created: Date;
  lastModified: Date;
  version: number;
  location: string;
}

const meta = (resourceType: 'User' | 'Group', m: ScimMetaInput) => ({
  resourceType,
  created: m.created.toISOString(),
  lastModified: m.lastModified.toISOString(),
  location: m.location,
  version: scimEtag(m.version),
});

export const scimEtag = (version: number) => `W/"v${version}"`;

/** What a GET returns for a user. */
export function scimUserResource(data: ScimUserData, m: ScimMetaInput) {
  const enterprise = {
    ...(data.department !== null ? { department: data.department } : {}),
    ...(data.costCenter !== null ? { costCenter: data.costCenter } : {}),
    ...(data.employeeNumber !== null ? { employeeNumber: data.employeeNumber } : {}),
    ...(data.managerId !== null ? { manager: { value: data.managerId } } : {}),
  };
  const hasEnterprise = Object.keys(enterprise).length > 0;
  const { nameFormatted, ...extra } = data.extra;
  return {
    ...extra,
    schemas: hasEnterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA] : [USER_SCHEMA],
    id: m.id,
    ...(data.externalId !== null ? { externalId: data.externalId } : {}),
    userName: data.userName,
    name: {
      ...(data.givenName !== null ? { givenName: data.givenName } : {}),
      ...(data.familyName !== null ? { familyName: data.familyName } : {}),
      ...(typeof nameFormatted === 'string' ? { formatted: nameFormatted } : {}),
    },
    ...(data.displayName !== null ? { displayName: data.displayName } : {}),
    emails: data.emails,
    active: data.active,
    ...(hasEnterprise ? { [ENTERPRISE_SCHEMA]: enterprise } : {}),
    meta: meta('User', m),
  };
}

export function scimGroupResource(g: { displayName: string; externalId: string | null; members: Array<{ value: string; display?: string }> | null }, m: ScimMetaInput) {
  return {
    schemas: [GROUP_SCHEMA],
    id: m.id,
    ...(g.externalId !== null ? { externalId: g.externalId } : {}),
    displayName: g.displayName,
    ...(g.members !== null ? { members: g.members } : {}),
    meta: meta('Group', m),
  };
}

const groupInput = z.looseObject({
  displayName: z.string().trim().min(1).max(100),
  externalId: text.nullish(),
  members: z.array(z.looseObject({ value: z.string().min(1).max(64) })).max(100_000).nullish(),
});

export interface ScimGroupData {
  displayName: string;
  externalId: string | null;
  members: string[] | null;
}

export function parseScimGroup(body: unknown): ScimGroupData {
  const parsed = groupInput.safeParse(body);
  if (!parsed.success) throw scimErrors.invalidValue(firstIssue(parsed.error));
  const g = parsed.data;
  return { displayName: g.displayName, externalId: g.externalId ?? null, members: g.members ? [...new Set(g.members.map((x) => x.value))] : null };
}

// ---- PATCH ----

const patchBody = z.looseObject({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(z.looseObject({ op: z.string(), path: z.string().max(1000).optional(), value: z.unknown().optional() }))
    .min(1)
    .max(1000),
});

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

/** Validates a PatchOp body; `op` values are case-insensitive (Entra ID sends "Replace"). */
export function parsePatch(body: unknown): PatchOperation[] {
  const parsed = patchBody.safeParse(body);
  if (!parsed.success) throw scimErrors.invalidSyntax(`Not a PatchOp request: ${firstIssue(parsed.error)}`);
  if (parsed.data.schemas && !parsed.data.schemas.includes(PATCH_SCHEMA)) throw scimErrors.invalidSyntax(`schemas must contain ${PATCH_SCHEMA}.`);
  return parsed.data.Operations.map((o, i) => {
    const op = o.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw scimErrors.invalidSyntax(`Operations[${i}].op must be add, replace or remove.`);
    if (op === 'remove' && !o.path && o.value === undefined) throw new ScimError(400, 'noTarget', `Operations[${i}]: remove needs a path.`);
    const path = o.path?.trim() || undefined;
    return { op, ...(path ? { path } : {}), ...(o.value !== undefined ? { value: normalizeStringBooleans(o.value, path?.split('.').pop()) } : {}) };
  });
}
