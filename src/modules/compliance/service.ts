import { randomBytes } from 'node:crypto';
import type { Principal, Resource } from '../../kernel/authz.ts';
import { recordAudit, type AuditMaskable, type AuditWriteMasker } from '../../kernel/audit.ts';
import { openSecret, sealSecret, type KeyProvider, type SealedSecret } from '../../kernel/crypto.ts';
import { isUniqueViolation, type Queryable, type Tx } from '../../kernel/db/index.ts';
import { decodeCursor, toPage, type Page, type PageQuery } from '../../kernel/http/pagination.ts';
import { problems } from '../../kernel/http/problems.ts';
import { newId } from '../../kernel/ids.ts';
import type { AuditEventView } from '../audit/index.ts';
import type { ModuleDeps } from '../deps.ts';
import { countMatches, detect, maskEvent, maskJson, maskText, orderRules, type AppliesTo, type EventRule, type MaskableEvent } from './pii.ts';
import type { PiiPreviewView, PiiRuleInput, PiiRuleView, PreviewPiiInput, UpdatePiiRuleInput } from './schemas.ts';
import * as store from './store.ts';

/** `deps.changes` topic: key = org id; every replica drops that org's compiled rules. */
export const PII_RULES_TOPIC = 'pii-rules';

const payloadOnly: AppliesTo = { payload: true, fields: [], targetName: false, actorName: false, actorIp: false, reason: false };

/**
 * What an org starts with (ADR 0010, docs/pii.md). Card numbers and My Numbers are masked
 * before they are stored: nobody has a reason to keep them in an audit trail. E-mail
 * addresses, phone numbers and IBANs are kept and masked on read, because investigations
 * need them and `audit:read-unmasked` can see them. IP addresses are not masked: they are
 * the security signal the log exists for.
 */
export const defaultRules: ReadonlyArray<Omit<store.NewPiiRuleRow, 'id' | 'org_id'>> = [
  { name: 'Payment card numbers', detector: 'payment-card', mode: 'write', style: 'partial', applies_to: { ...payloadOnly, targetName: true, reason: true }, default_country: null, enabled: true },
  { name: 'My Numbers', detector: 'my-number', mode: 'write', style: 'redact', applies_to: { ...payloadOnly, targetName: true, reason: true }, default_country: null, enabled: true },
  { name: 'E-mail addresses', detector: 'email', mode: 'read', style: 'partial', applies_to: { ...payloadOnly, targetName: true }, default_country: null, enabled: true },
  { name: 'Phone numbers', detector: 'phone', mode: 'read', style: 'partial', applies_to: payloadOnly, default_country: null, enabled: true },
  { name: 'IBANs', detector: 'iban', mode: 'read', style: 'partial', applies_to: payloadOnly, default_country: null, enabled: true },
];

// ---- the compiled rules of each org, shared by every app in the process ----

/** An org's enabled rules, ready to apply: `write` at write, `read` (write + read rules) for masked readers. */
export interface CompiledRules {
  write: EventRule[];
  read: EventRule[];
  hmacKey: Buffer | null;
}

type RuleLike = Pick<store.PiiRuleRow, 'detector' | 'style' | 'mode' | 'default_country' | 'enabled'> & { applies_to: AppliesTo };

function toEventRule(r: RuleLike): EventRule {
  return { detector: r.detector, style: r.style, appliesTo: r.applies_to, defaultCountry: (r.default_country as EventRule['defaultCountry']) ?? null };
}

export function compileRules(rules: readonly RuleLike[], hmacKey: Buffer | null): CompiledRules {
  const enabled = rules.filter((r) => r.enabled);
  return {
    write: orderRules(enabled.filter((r) => r.mode === 'write').map(toEventRule)),
    read: orderRules(enabled.map(toEventRule)),
    hmacKey,
  };
}

const MAX_CACHED_ORGS = 20_000;
const HMAC_AAD = (orgId: string) => `pii-hmac:${orgId}`;

/**
 * One cache per process: org ids are globally unique, so apps on different databases (tests)
 * share it safely. A generation per org stops a load that raced an invalidation from caching
 * what it read before the change.
 */
const compiled = new Map<string, CompiledRules>();
const generations = new Map<string, number>();
const keyProviders = new Map<string, KeyProvider>();

export function invalidateRules(orgId: string): void {
  compiled.delete(orgId);
  generations.set(orgId, (generations.get(orgId) ?? 0) + 1);
}

async function openHmacKey(orgId: string, sealed: SealedSecret | null): Promise<Buffer | null> {
  if (!sealed) return null;
  const keys = keyProviders.get(sealed.kek);
  if (!keys) throw new Error(`no key provider for ${sealed.kek} (PII HMAC key of ${orgId})`);
  return Buffer.from(await openSecret(keys, sealed, HMAC_AAD(orgId)), 'base64');
}

async function loadRules(db: Queryable, orgId: string): Promise<CompiledRules> {
  const { settings, rules } = await store.loadOrg(db, orgId);
  if (!settings) return compileRules(defaultRules, null);
  return compileRules(rules, await openHmacKey(orgId, settings.hmac_key));
}

/** The org's compiled rules: from the cache, or read with `db` (which may be the caller's transaction). */
export async function rulesFor(db: Queryable, orgId: string): Promise<CompiledRules> {
  const hit = compiled.get(orgId);
  if (hit) return hit;
  const generation = generations.get(orgId) ?? 0;
  const rules = await loadRules(db, orgId);
  if ((generations.get(orgId) ?? 0) === generation) {
    if (compiled.size >= MAX_CACHED_ORGS) compiled.clear();
    compiled.set(orgId, rules);
  }
  return rules;
}

function maskWritten(fields: AuditMaskable, rules: CompiledRules): AuditMaskable {
  return rules.write.length === 0 ? fields : maskEvent(fields, rules.write, { hmacKey: rules.hmacKey });
}

/** The kernel's at-write masking port: synchronous on a cache hit, one query on a miss. */
export const auditWriteMasker: AuditWriteMasker = {
  maskForWrite(db, orgId, fields) {
    const hit = compiled.get(orgId);
    if (hit) return maskWritten(fields, hit);
    return rulesFor(db, orgId).then((rules) => maskWritten(fields, rules));
  },
};

export function registerKeyProvider(keys: KeyProvider): void {
  keyProviders.set(keys.keyId, keys);
}

// ---- read-time masking of audit event views ----

function maskableOf(e: AuditEventView): MaskableEvent {
  return { actorName: e.actor.name, actorIp: e.actor.ip, targetName: e.target.name, reason: e.reason, before: e.before, after: e.after };
}

/** Applies rules to an event view; the same object back when nothing changed. */
export function maskEventView(event: AuditEventView, rules: readonly EventRule[], hmacKey: Buffer | null): AuditEventView {
  if (rules.length === 0) return event;
  const m = maskEvent(maskableOf(event), rules, { hmacKey });
  if (m.actorName === event.actor.name && m.actorIp === event.actor.ip && m.targetName === event.target.name && m.reason === event.reason && m.before === event.before && m.after === event.after) {
    return event;
  }
  return {
    ...event,
    actor: { ...event.actor, name: m.actorName, ip: m.actorIp },
    target: { ...event.target, name: m.targetName },
    reason: m.reason,
    before: m.before,
    after: m.after,
  };
}

/** What a reader without `audit:read-unmasked` is given: synchronous once the rules are loaded. */
export interface ReadMasker {
  /** True when the org has no rule that could change anything at read. */
  readonly empty: boolean;
  maskEvent(event: AuditEventView): AuditEventView;
  maskText(text: string): string;
}

function readMaskerOf(rules: CompiledRules): ReadMasker {
  return {
    empty: rules.read.length === 0,
    maskEvent: (event) => maskEventView(event, rules.read, rules.hmacKey),
    maskText: (text) => maskText(text, rules.read, { hmacKey: rules.hmacKey }),
  };
}

// ---- views ----

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function piiRuleView(row: store.PiiRuleRow): PiiRuleView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    detector: row.detector,
    appliesTo: row.applies_to,
    mode: row.mode,
    style: row.style,
    defaultCountry: row.default_country,
    enabled: row.enabled,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function orgResource(orgId: string): Resource {
  return { type: 'organization', id: orgId, orgId };
}

function ruleResource(orgId: string, id: string, name?: string): Resource {
  return { type: 'pii-rule', id, orgId, ...(name ? { attrs: { name } } : {}) };
}

export type ComplianceService = ReturnType<typeof createComplianceService>;

export function createComplianceService(deps: ModuleDeps) {
  const { db, authz, changes, keys } = deps;
  changes.subscribe(PII_RULES_TOPIC, (orgId) => invalidateRules(orgId));

  /**
   * A rule change: one transaction with the org's settings row locked. The cache is dropped
   * whatever happens, because recordAudit inside the transaction may have cached what the
   * transaction saw (and a rollback must not leave that behind).
   */
  async function change<T>(orgId: string, work: (t: Tx) => Promise<T>): Promise<T> {
    try {
      return await db.transaction().execute(async (t) => {
        await ensureConfigured(t, orgId);
        await store.lockSettings(t, orgId);
        const result = await work(t);
        await changes.publish(t, PII_RULES_TOPIC, orgId);
        return result;
      });
    } finally {
      invalidateRules(orgId);
    }
  }

  /** Writes the defaults as the org's rules the first time anyone uses them, so they can be edited. */
  async function ensureConfigured(t: Queryable, orgId: string): Promise<void> {
    if (await store.createSettings(t, orgId)) {
      await store.insertRules(t, defaultRules.map((r) => ({ ...r, id: newId('piiRule'), org_id: orgId })));
    }
  }

  async function configured(orgId: string): Promise<void> {
    const { settings } = await store.loadOrg(db, orgId);
    if (settings) return;
    try {
      await db.transaction().execute((t) => ensureConfigured(t, orgId));
    } finally {
      invalidateRules(orgId);
    }
  }

  async function ensureHmacKey(t: Tx, orgId: string, style: string | undefined): Promise<void> {
    if (style !== 'hash') return;
    const settings = await store.lockSettings(t, orgId);
    if (settings?.hmac_key) return;
    await store.setHmacKey(t, orgId, await sealSecret(keys, randomBytes(32).toString('base64'), HMAC_AAD(orgId)));
  }

  function duplicateName(error: unknown, name: string | undefined): never {
    if (isUniqueViolation(error)) throw problems.conflict('name-taken', `A PII rule named ${name ?? ''} exists.`, 'name');
    throw error;
  }

  async function requireRule(orgId: string, ruleId: string) {
    const row = await store.findRule(db, orgId, ruleId);
    if (!row) throw problems.notFound('PII rule', ruleId);
    return row;
  }

  return {
    async listRules(p: Principal, orgId: string, query: PageQuery): Promise<Page<PiiRuleView>> {
      await authz.require(p, 'pii-rule:read', orgResource(orgId));
      const after = decodeCursor(query.cursor);
      await configured(orgId);
      const rows = await store.listRules(db, orgId, after, query.limit);
      const page = toPage(rows, query.limit);
      return { items: page.items.map(piiRuleView), nextCursor: page.nextCursor };
    },

    async getRule(p: Principal, orgId: string, ruleId: string): Promise<PiiRuleView> {
      await authz.require(p, 'pii-rule:read', ruleResource(orgId, ruleId));
      // Every rule id was made after its org's settings row, so nothing needs writing here.
      return piiRuleView(await requireRule(orgId, ruleId));
    },

    async createRule(p: Principal, orgId: string, input: PiiRuleInput): Promise<PiiRuleView> {
      await authz.require(p, 'pii-rule:create', orgResource(orgId));
      return change(orgId, async (t) => {
        await ensureHmacKey(t, orgId, input.style);
        const [row] = await store
          .insertRules(t, [{
            id: newId('piiRule'),
            org_id: orgId,
            name: input.name,
            detector: input.detector,
            applies_to: input.appliesTo,
            mode: input.mode,
            style: input.style,
            default_country: input.defaultCountry,
            enabled: input.enabled,
          }])
          .catch((error: unknown) => duplicateName(error, input.name));
        const view = piiRuleView(row!);
        await recordAudit(t, p, { action: 'pii-rule:create', orgId, target: { type: 'pii-rule', id: view.id, name: view.name }, after: view });
        return view;
      });
    },

    async updateRule(p: Principal, orgId: string, ruleId: string, expectedVersion: number | undefined, input: UpdatePiiRuleInput): Promise<PiiRuleView> {
      const before = await requireRule(orgId, ruleId);
      await authz.require(p, 'pii-rule:update', ruleResource(orgId, ruleId, before.name));
      return change(orgId, async (t) => {
        await ensureHmacKey(t, orgId, input.style);
        const row = await store
          .updateRule(t, orgId, ruleId, expectedVersion, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.detector !== undefined ? { detector: input.detector } : {}),
            ...(input.appliesTo !== undefined ? { applies_to: input.appliesTo } : {}),
            ...(input.mode !== undefined ? { mode: input.mode } : {}),
            ...(input.style !== undefined ? { style: input.style } : {}),
            ...(input.defaultCountry !== undefined ? { default_country: input.defaultCountry } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          })
          .catch((error: unknown) => duplicateName(error, input.name));
        if (!row) throw expectedVersion === undefined ? problems.notFound('PII rule', ruleId) : problems.preconditionFailed();
        const view = piiRuleView(row);
        await recordAudit(t, p, { action: 'pii-rule:update', orgId, target: { type: 'pii-rule', id: ruleId, name: view.name }, before: piiRuleView(before), after: view });
        return view;
      });
    },

    async deleteRule(p: Principal, orgId: string, ruleId: string, expectedVersion: number | undefined): Promise<void> {
      const before = await requireRule(orgId, ruleId);
      await authz.require(p, 'pii-rule:delete', ruleResource(orgId, ruleId, before.name));
      await change(orgId, async (t) => {
        const row = await store.deleteRule(t, orgId, ruleId, expectedVersion);
        if (!row) throw expectedVersion === undefined ? problems.notFound('PII rule', ruleId) : problems.preconditionFailed();
        await recordAudit(t, p, { action: 'pii-rule:delete', orgId, target: { type: 'pii-rule', id: ruleId, name: row.name }, before: piiRuleView(row) });
      });
    },

    /** What the current (or a proposed) rule set would store and show; changes nothing. */
    async preview(p: Principal, orgId: string, input: PreviewPiiInput): Promise<PiiPreviewView> {
      await authz.require(p, 'pii-rule:read', orgResource(orgId));
      const current = await rulesFor(db, orgId);
      let named: Array<RuleLike & { name: string }>;
      if (input.rules) {
        named = input.rules.map((r) => ({ name: r.name, detector: r.detector, style: r.style, mode: r.mode, default_country: r.defaultCountry, enabled: r.enabled, applies_to: r.appliesTo }));
      } else {
        const { settings, rules } = await store.loadOrg(db, orgId);
        named = settings ? rules : defaultRules.map((r) => ({ ...r }));
      }
      // A proposed hash rule in an org without a key yet previews with a throwaway key.
      const hmacKey = current.hmacKey ?? randomBytes(32);
      const rules = compileRules(named, hmacKey);
      const enabled = named.filter((r) => r.enabled);
      if (input.text !== undefined) {
        const text = input.text;
        return {
          stored: maskText(text, rules.write, { hmacKey }),
          masked: maskText(text, rules.read, { hmacKey }),
          matches: enabled.map((r) => ({ ruleName: r.name, detector: r.detector, mode: r.mode, count: detect(text, r.detector, toEventRule(r).defaultCountry).length })),
        };
      }
      const event = input.event!;
      const sample: MaskableEvent = { ...event, before: event.before ?? null, after: event.after ?? null };
      return {
        stored: maskEvent(sample, rules.write, { hmacKey }),
        masked: maskEvent(sample, rules.read, { hmacKey }),
        matches: enabled.map((r) => ({ ruleName: r.name, detector: r.detector, mode: r.mode, count: countMatches(sample, toEventRule(r)) })),
      };
    },

    // ---- for other modules (audit reads, export) ----

    /** The org's read masker, after one rules lookup; its methods are synchronous. */
    async readMasker(orgId: string): Promise<ReadMasker> {
      return readMaskerOf(await rulesFor(db, orgId));
    },

    /** Events as a reader sees them: masked by the org's rules, or as stored when `unmasked` (the caller checked the permission). */
    async maskAuditEvents(orgId: string, events: AuditEventView[], options: { unmasked: boolean }): Promise<AuditEventView[]> {
      if (options.unmasked || events.length === 0) return events;
      const masker = readMaskerOf(await rulesFor(db, orgId));
      return masker.empty ? events : events.map(masker.maskEvent);
    },

    async maskText(orgId: string, text: string): Promise<string> {
      return readMaskerOf(await rulesFor(db, orgId)).maskText(text);
    },

    /** Masks a JSON value (an export row) with the org's read rules, as payload. */
    async maskJson(orgId: string, value: unknown): Promise<unknown> {
      const rules = await rulesFor(db, orgId);
      return maskJson(value, rules.read, { hmacKey: rules.hmacKey });
    },
  };
}
