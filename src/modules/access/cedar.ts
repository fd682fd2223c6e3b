/**
 * Cedar, the policy language for conditions beyond roles (labels, time, IP, MFA age).
 * Schema generation from the action catalog, strict validation with line/column errors,
 * policy-set compilation and evaluation. No I/O: the engine passes in what it loaded.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { ActionInfo } from '../../kernel/authz.ts';
import type { RequestContext } from './context.ts';

export const NAMESPACE = 'Hexaplane';
const ACTION_TYPE = `${NAMESPACE}::Action`;

export type EntityKind = 'User' | 'Group' | 'ApiKey' | 'Organization' | 'Workspace' | 'Project';
export const entityKinds: readonly EntityKind[] = ['User', 'Group', 'ApiKey', 'Organization', 'Workspace', 'Project'];

/** The id of the synthetic policy that turns role grants into permits. */
export const ROLE_GRANTS_ID = 'role-grants';
const ROLE_GRANTS = 'permit (principal, action, resource) when { context.roleAllows };';

/** Action groups by verb, so a policy can say `action in Hexaplane::Action::"delete"`. */
export const verbGroups = ['read', 'create', 'update', 'delete'] as const;
const verbAliases: Record<string, (typeof verbGroups)[number]> = {
  read: 'read',
  create: 'create',
  update: 'update',
  rotate: 'update',
  delete: 'delete',
  remove: 'delete',
  revoke: 'delete',
};

export function verbGroupOf(action: string): (typeof verbGroups)[number] | null {
  return verbAliases[action.slice(action.indexOf(':') + 1)] ?? null;
}

/** Platform actions are decided outside Cedar (only `organization:create`, for platform admins). */
export function cedarActions(catalog: readonly ActionInfo[]): ActionInfo[] {
  return catalog.filter((a) => a.scope !== 'platform');
}

type SchemaJson = cedar.SchemaJson<string>;

const scopeShape = {
  type: 'Record',
  attributes: { name: { type: 'String' }, slug: { type: 'String' } },
} as const;

export interface CedarSchema {
  json: SchemaJson;
  text: string;
  entityTypes: string[];
  actions: string[];
}

/** The Cedar schema for the current catalog: one action per catalog action plus the verb groups. */
export function buildSchema(catalog: readonly ActionInfo[]): CedarSchema {
  const appliesTo = {
    principalTypes: ['User', 'ApiKey'],
    resourceTypes: ['Organization', 'Workspace', 'Project'],
    context: { type: 'RequestContext' },
  };
  const actions: Record<string, cedar.ActionType<string>> = {};
  for (const group of verbGroups) actions[group] = {};
  for (const a of cedarActions(catalog)) {
    const group = verbGroupOf(a.name);
    actions[a.name] = { appliesTo, ...(group ? { memberOf: [{ id: group }] } : {}), annotations: { doc: a.description } };
  }
  const json: SchemaJson = {
    [NAMESPACE]: {
      commonTypes: {
        RequestContext: {
          type: 'Record',
          attributes: {
            roleAllows: { type: 'Boolean' },
            time: {
              type: 'Record',
              attributes: { hour: { type: 'Long' }, minute: { type: 'Long' }, weekday: { type: 'Long' }, date: { type: 'String' } },
            },
            ip: { type: 'Extension', name: 'ipaddr', required: false },
            mfa: { type: 'Boolean' },
            mfaAgeSeconds: { type: 'Long', required: false },
          },
        },
      },
      entityTypes: {
        Group: {},
        User: {
          memberOfTypes: ['Group'],
          shape: { type: 'Record', attributes: { email: { type: 'String' }, platformAdmin: { type: 'Boolean' } } },
        },
        ApiKey: {},
        Organization: { shape: scopeShape, tags: { type: 'String' } },
        Workspace: { memberOfTypes: ['Organization'], shape: scopeShape, tags: { type: 'String' } },
        Project: { memberOfTypes: ['Workspace'], shape: scopeShape, tags: { type: 'String' } },
      },
      actions,
    },
  } as SchemaJson;
  const text = cedar.schemaToText(json);
  if (text.type !== 'success') throw new Error(`generated Cedar schema is invalid: ${text.errors.map((e) => e.message).join('; ')}`);
  return {
    json,
    text: text.text,
    entityTypes: entityKinds.map((k) => `${NAMESPACE}::${k}`),
    actions: Object.keys(actions).sort(),
  };
}

export interface PolicyError {
  message: string;
  line?: number;
  column?: number;
}

/** Cedar reports byte offsets into the UTF-8 text; people read lines and columns. */
export function lineColumn(text: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: [...lines[lines.length - 1]!].length + 1 };
}

function toPolicyErrors(text: string, errors: readonly cedar.DetailedError[]): PolicyError[] {
  const seen = new Set<string>();
  const out: PolicyError[] = [];
  for (const e of errors) {
    const where = e.sourceLocations?.[0];
    const label = where?.label ? ` (${where.label})` : '';
    const help = e.help ? `; ${e.help}` : '';
    // Our internal ids (`policy0`) mean nothing to the author; the position says which statement.
    const message = `${e.message.replace(/^for policy `[^`]*`, /, '')}${label}${help}`;
    const position = where ? lineColumn(text, where.start) : null;
    const key = `${message}@${where?.start ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(position ? { message, ...position } : { message });
    if (out.length >= 50) break;
  }
  return out;
}

export interface Statement {
  text: string;
  effect: 'permit' | 'forbid';
}

/** Splits policy text into its statements; templates (`?principal`) are not supported. */
export function parseStatements(text: string): { statements: Statement[]; errors: PolicyError[] } {
  const parsed = cedar.policySetTextToParts(text);
  if (parsed.type !== 'success') return { statements: [], errors: toPolicyErrors(text, parsed.errors) };
  if (parsed.policy_templates.length > 0) {
    return { statements: [], errors: [{ message: 'templates (policies with ?principal or ?resource slots) are not supported; write static policies' }] };
  }
  if (parsed.policies.length === 0) return { statements: [], errors: [{ message: 'the text contains no policy' }] };
  const statements: Statement[] = [];
  for (const p of parsed.policies) {
    const json = cedar.policyToJson(p);
    if (json.type !== 'success') return { statements: [], errors: toPolicyErrors(p, json.errors) };
    statements.push({ text: p, effect: json.json.effect });
  }
  return { statements, errors: [] };
}

/** Parses and strictly validates policy text against the schema. */
export function validatePolicyText(text: string, schema: CedarSchema): { valid: boolean; errors: PolicyError[] } {
  const { errors } = parseStatements(text);
  if (errors.length) return { valid: false, errors };
  const answer = cedar.validate({ schema: schema.json, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } });
  if (answer.type !== 'success') return { valid: false, errors: toPolicyErrors(text, answer.errors) };
  const found = toPolicyErrors(text, answer.validationErrors.map((v) => v.error));
  return { valid: found.length === 0, errors: found };
}

export interface StoredPolicy {
  id: string;
  name: string;
  text: string;
}

export interface CompiledPolicySet {
  /** The key of the preparsed set inside the Cedar engine (one per organization). */
  setId: string;
  schemaName: string;
  statements: Map<string, { policyId: string; name: string; effect: 'permit' | 'forbid' }>;
  hasPermit: boolean;
  hasForbid: boolean;
  /** The statement texts, to preparse again if another compile of the same `setId` replaced them. */
  texts: Record<string, string>;
  token: symbol;
}

/** Which compiled set each preparsed id holds right now. */
const preparsed = new Map<string, symbol>();

function ensurePreparsed(set: CompiledPolicySet): void {
  if (preparsed.get(set.setId) === set.token) return;
  const answer = cedar.preparsePolicySet(set.setId, { staticPolicies: set.texts });
  if (answer.type !== 'success') throw new Error(`policy set did not preparse: ${answer.errors.map((e) => e.message).join('; ')}`);
  preparsed.set(set.setId, set.token);
}

/**
 * Compiles an organization's enabled policies plus the synthetic role-grant permit and
 * preparses them, so each decision only sends the request and entities across to Cedar.
 * Two compiles of one `setId` may interleave (a reload racing an invalidation); each
 * evaluation checks that the preparsed set is its own and preparses again if not.
 */
export function compilePolicySet(setId: string, policies: readonly StoredPolicy[], schema: CedarSchema, schemaName: string): CompiledPolicySet {
  ensureSchema(schemaName, schema);
  const statements: CompiledPolicySet['statements'] = new Map();
  const texts: Record<string, string> = { [ROLE_GRANTS_ID]: ROLE_GRANTS };
  for (const policy of policies) {
    const parsed = parseStatements(policy.text);
    // Stored policies were validated when saved; one that no longer parses must not be skipped
    // silently, or a forbid would stop applying.
    if (parsed.errors.length) throw new Error(`stored policy ${policy.id} no longer parses: ${parsed.errors[0]!.message}`);
    parsed.statements.forEach((s, i) => {
      const id = `${policy.id}#${i}`;
      texts[id] = s.text;
      statements.set(id, { policyId: policy.id, name: policy.name, effect: s.effect });
    });
  }
  const effects = [...statements.values()].map((s) => s.effect);
  const set = { setId, schemaName, statements, hasPermit: effects.includes('permit'), hasForbid: effects.includes('forbid'), texts, token: Symbol(setId) };
  ensurePreparsed(set);
  return set;
}

/** Frees what a one-off simulation preparsed. */
export function releasePolicySet(set: CompiledPolicySet): void {
  if (preparsed.get(set.setId) !== set.token) return;
  cedar.preparsePolicySet(set.setId, { staticPolicies: {} });
  preparsed.delete(set.setId);
}

const preparsedSchemas = new Set<string>();

function ensureSchema(name: string, schema: CedarSchema): void {
  if (preparsedSchemas.has(name)) return;
  const answer = cedar.preparseSchema(name, schema.json);
  if (answer.type !== 'success') throw new Error(`schema did not preparse: ${answer.errors.map((e) => e.message).join('; ')}`);
  preparsedSchemas.add(name);
}

// ---- entities ----

export type EntityJson = cedar.EntityJson;

export function uid(kind: EntityKind, id: string) {
  return { type: `${NAMESPACE}::${kind}`, id };
}

export interface ScopeAttrs {
  name: string;
  slug: string;
  labels: Record<string, string>;
}

export function userEntity(id: string, email: string, platformAdmin: boolean, groupIds: readonly string[]): EntityJson[] {
  return [
    { uid: uid('User', id), attrs: { email, platformAdmin }, parents: groupIds.map((g) => uid('Group', g)) },
    ...groupIds.map((g) => ({ uid: uid('Group', g), attrs: {}, parents: [] })),
  ];
}

export function apiKeyEntity(id: string): EntityJson[] {
  return [{ uid: uid('ApiKey', id), attrs: {}, parents: [] }];
}

function scopeEntity(kind: EntityKind, id: string, attrs: ScopeAttrs, parent: ReturnType<typeof uid> | null): EntityJson {
  return { uid: uid(kind, id), attrs: { name: attrs.name, slug: attrs.slug }, parents: parent ? [parent] : [], tags: { ...attrs.labels } };
}

export interface ResourceChain {
  organization: { id: string } & ScopeAttrs;
  workspace?: { id: string } & ScopeAttrs;
  project?: { id: string } & ScopeAttrs;
}

/** The resource entity (the narrowest scope that holds it) and its ancestors. */
export function resourceEntities(chain: ResourceChain): { resource: ReturnType<typeof uid>; entities: EntityJson[] } {
  const org = scopeEntity('Organization', chain.organization.id, chain.organization, null);
  const entities = [org];
  let resource = org.uid as ReturnType<typeof uid>;
  if (chain.workspace) {
    const ws = scopeEntity('Workspace', chain.workspace.id, chain.workspace, resource);
    entities.push(ws);
    resource = ws.uid as ReturnType<typeof uid>;
    if (chain.project) {
      const prj = scopeEntity('Project', chain.project.id, chain.project, resource);
      entities.push(prj);
      resource = prj.uid as ReturnType<typeof uid>;
    }
  }
  return { resource, entities };
}

function contextJson(context: RequestContext): cedar.Context {
  const json: cedar.Context = { roleAllows: context.roleAllows, time: { ...context.time }, mfa: context.mfa };
  if (context.ip !== undefined) json.ip = { __extn: { fn: 'ip', arg: context.ip } };
  if (context.mfaAgeSeconds !== undefined) json.mfaAgeSeconds = context.mfaAgeSeconds;
  return json;
}

export interface CedarOutcome {
  allowed: boolean;
  /** The customer policy that decided, when one did. */
  policy: { id: string; name: string; effect: 'permit' | 'forbid' } | null;
  /** Set when evaluation failed and the decision fell back to deny. */
  error: string | null;
}

/**
 * Evaluates one request. Cedar skips a policy whose evaluation errors; for a `forbid` that
 * would fail open, so an erroring forbid denies here instead.
 */
export function evaluate(
  set: CompiledPolicySet,
  request: { principal: ReturnType<typeof uid>; action: string; resource: ReturnType<typeof uid>; context: RequestContext; entities: EntityJson[] },
): CedarOutcome {
  ensurePreparsed(set);
  const answer = cedar.statefulIsAuthorized({
    principal: request.principal,
    action: { type: ACTION_TYPE, id: request.action },
    resource: request.resource,
    context: contextJson(request.context),
    entities: request.entities,
    preparsedPolicySetId: set.setId,
    preparsedSchemaName: set.schemaName,
    validateRequest: true,
  });
  if (answer.type !== 'success') {
    return { allowed: false, policy: null, error: answer.errors.map((e) => e.message).join('; ') || 'the request did not fit the schema' };
  }
  const { decision, diagnostics } = answer.response;
  for (const failure of diagnostics.errors) {
    const statement = set.statements.get(failure.policyId);
    if (statement?.effect === 'forbid') {
      return { allowed: false, policy: { id: statement.policyId, name: statement.name, effect: 'forbid' }, error: failure.error.message };
    }
  }
  const deciding = diagnostics.reason.filter((id) => id !== ROLE_GRANTS_ID).map((id) => set.statements.get(id)).find(Boolean);
  if (decision === 'allow') {
    const viaRole = diagnostics.reason.includes(ROLE_GRANTS_ID);
    return { allowed: true, policy: viaRole || !deciding ? null : { id: deciding.policyId, name: deciding.name, effect: 'permit' }, error: null };
  }
  return { allowed: false, policy: deciding ? { id: deciding.policyId, name: deciding.name, effect: 'forbid' } : null, error: null };
}
