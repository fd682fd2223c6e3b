/**
 * PII detectors and the masker (issue 4, ADR 0010). Pure: no I/O, no clock, no randomness;
 * the only secret is the per-org HMAC key the caller passes in for the `hash` style.
 *
 * Masked forms are built so that masking them again finds nothing: they are bracketed, keep at
 * most four digits, and hash tokens are letters only. That makes masking idempotent, and lets
 * a masked payload pass through the masker (at write, then at read) without changing again.
 */
import { createHmac } from 'node:crypto';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import ipaddr from 'ipaddr.js';
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';

export const detectors = ['email', 'phone', 'payment-card', 'my-number', 'iban', 'ip-address'] as const;
export type Detector = (typeof detectors)[number];
export const maskStyles = ['redact', 'partial', 'hash'] as const;
export type MaskStyle = (typeof maskStyles)[number];

export interface Match {
  detector: Detector;
  start: number;
  end: number;
  value: string;
}

/** What one rule asks of the text masker. */
export interface TextRule {
  detector: Detector;
  style: MaskStyle;
  /** For phone numbers written without a country code. */
  defaultCountry?: CountryCode | null;
}

/** Where in an audit event a rule looks. */
export interface AppliesTo {
  /** Every string value of before/after (or only those under `fields`, when it is not empty). */
  payload: boolean;
  /** JSON field names (at any depth) to restrict the payload to; empty means all fields. */
  fields: string[];
  targetName: boolean;
  actorName: boolean;
  actorIp: boolean;
  reason: boolean;
}

export interface EventRule extends TextRule {
  appliesTo: AppliesTo;
}

export interface MaskOptions {
  /** The org's HMAC key; without one, `hash` falls back to `redact` (never to the clear value). */
  hmacKey?: Buffer | null;
}

// ---------------------------------------------------------------------------------------------
// Check digits

/** The Luhn (mod 10) check of payment card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * The check digit of an individual number (My Number), per the Cabinet Office ordinance
 * (行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第八条):
 * with P_n the n-th of the first eleven digits counted from the right, Q_n = n + 1 for n ≤ 6
 * and n − 5 for n ≥ 7, r = Σ P_n·Q_n mod 11; the check digit is 0 when r ≤ 1, else 11 − r.
 */
export function myNumberCheckDigit(first11: string): number {
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = first11.charCodeAt(11 - n) - 48;
    sum += p * (n <= 6 ? n + 1 : n - 5);
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function myNumberValid(digits: string): boolean {
  return /^\d{12}$/.test(digits) && myNumberCheckDigit(digits.slice(0, 11)) === digits.charCodeAt(11) - 48;
}

// ---------------------------------------------------------------------------------------------
// Detectors: each returns its matches in the text, in order.

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-])/g;
// 13 to 19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
const MY_NUMBER = /(?<![\d-])\d{4}[ -]?\d{4}[ -]?\d{4}(?![\d])/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}(?![A-Za-z0-9])/g;
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)/g;
const IPV6 = /(?<![0-9A-Za-z:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f.]{0,15}){2,8}/g;

const digitsOf = (s: string) => s.replace(/\D/g, '');

function regexMatches(detector: Detector, pattern: RegExp, text: string, accept: (value: string) => boolean): Match[] {
  const out: Match[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (accept(m[0])) out.push({ detector, start: m.index, end: m.index + m[0].length, value: m[0] });
  }
  return out;
}

function consistentSeparators(value: string): boolean {
  const seps = value.replace(/\d/g, '');
  return seps.length === 0 || [...seps].every((c) => c === seps[0]);
}

/** Counts digits without allocating; the detectors below skip text with too few. */
function digitCount(text: string, atLeast: number): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= atLeast) return true;
  }
  return false;
}

export function findEmails(text: string): Match[] {
  if (!text.includes('@')) return [];
  return regexMatches('email', EMAIL, text, () => true);
}

export function findPaymentCards(text: string): Match[] {
  if (!digitCount(text, 13)) return [];
  return regexMatches('payment-card', CARD, text, (v) => consistentSeparators(v) && luhnValid(digitsOf(v)));
}

export function findMyNumbers(text: string): Match[] {
  if (!digitCount(text, 12)) return [];
  return regexMatches('my-number', MY_NUMBER, text, (v) => consistentSeparators(v) && myNumberValid(digitsOf(v)));
}

/** An IBAN candidate may swallow a following upper-case word; shorten it group by group. */
export function findIbans(text: string): Match[] {
  if (!digitCount(text, 4)) return [];
  const out: Match[] = [];
  IBAN.lastIndex = 0;
  for (let m = IBAN.exec(text); m; m = IBAN.exec(text)) {
    let candidate = m[0];
    while (candidate.replace(/ /g, '').length >= 15) {
      const electronic = electronicFormatIBAN(candidate);
      if (electronic && isValidIBAN(electronic)) {
        out.push({ detector: 'iban', start: m.index, end: m.index + candidate.length, value: candidate });
        break;
      }
      const cut = candidate.lastIndexOf(' ');
      if (cut < 0) break;
      candidate = candidate.slice(0, cut);
    }
  }
  return out;
}

// At least 7 digits in phone punctuation, not glued to a word: ids (inv_01j000…) and ISO
// timestamps fail it, and skip the phone matcher, which is by far the slowest detector.
const PHONE_LIKE = /(?<![\w])[+(]?\d[\d \t().\-/]{5,}\d(?![\w])/;

export function findPhones(text: string, defaultCountry?: CountryCode | null): Match[] {
  if (!digitCount(text, 7) || !PHONE_LIKE.test(text)) return [];
  // libphonenumber weighs bracket balance around a candidate: a stray "(" or ")" near a number
  // ("() +1 213…") hides it. Brackets that enclose no digits are blanked (same length: offsets hold).
  const scanned = text.replace(/\((?!\s*[+\d])|(?<!\d\s*)\)/g, ' ');
  return findPhoneNumbersInText(scanned, defaultCountry ? { defaultCountry } : undefined).map((f) => ({
    detector: 'phone' as const,
    start: f.startsAt,
    end: f.endsAt,
    value: text.slice(f.startsAt, f.endsAt),
  }));
}

/** IPv6 first, so the IPv4 tail of `::ffff:10.0.0.1` is part of the IPv6 address, not its own. */
export function findIpAddresses(text: string): Match[] {
  const v6: Match[] = [];
  if (text.includes(':')) {
    IPV6.lastIndex = 0;
    for (let m = IPV6.exec(text); m; m = IPV6.exec(text)) {
      // A sentence may end right after an address ("from ::1.").
      const value = m[0].replace(/[.:]+$/, (tail) => (tail.startsWith('::') ? '::' : ''));
      if (value.includes(':') && ipaddr.IPv6.isValid(value) && !/^[0-9]+(:[0-9]+){1,2}$/.test(value)) {
        v6.push({ detector: 'ip-address', start: m.index, end: m.index + value.length, value });
      }
    }
  }
  if (!text.includes('.') || !digitCount(text, 4)) return v6;
  const v4 = regexMatches('ip-address', IPV4, text, (v) => ipaddr.IPv4.isValidFourPartDecimal(v))
    .filter((m) => !v6.some((o) => m.start < o.end && o.start < m.end));
  return v6.length === 0 ? v4 : [...v6, ...v4].sort((a, b) => a.start - b.start);
}

export function detect(text: string, detector: Detector, defaultCountry?: CountryCode | null): Match[] {
  switch (detector) {
    case 'email': return findEmails(text);
    case 'phone': return findPhones(text, defaultCountry);
    case 'payment-card': return findPaymentCards(text);
    case 'my-number': return findMyNumbers(text);
    case 'iban': return findIbans(text);
    case 'ip-address': return findIpAddresses(text);
  }
}

// When two detectors claim overlapping text, the more specific one wins (a card number is not
// also a phone number); among equals, the earlier and then the longer match.
const priority: Record<Detector, number> = { 'payment-card': 0, iban: 1, 'my-number': 2, email: 3, 'ip-address': 4, phone: 5 };

/** Every match of the given rules' detectors, without overlaps, in text order. */
export function findPii(text: string, rules: readonly TextRule[]): Array<Match & { rule: TextRule }> {
  const all: Array<Match & { rule: TextRule }> = [];
  for (const rule of rules) for (const m of detect(text, rule.detector, rule.defaultCountry)) all.push({ ...m, rule });
  if (all.length <= 1) return all;
  all.sort((a, b) => priority[a.detector] - priority[b.detector] || a.start - b.start || b.end - a.end);
  const kept: Array<Match & { rule: TextRule }> = [];
  for (const m of all) if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  return kept.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------------------------------------
// Masked forms

const label: Record<Detector, string> = {
  email: 'email',
  phone: 'phone',
  'payment-card': 'card',
  'my-number': 'my-number',
  iban: 'iban',
  'ip-address': 'ip',
};

/** The form the hash style keys on, so one value written two ways masks the same. */
export function canonicalValue(detector: Detector, value: string): string {
  switch (detector) {
    case 'email': return value.toLowerCase();
    case 'iban': return electronicFormatIBAN(value) ?? value;
    case 'ip-address': return ipaddr.isValid(value) ? ipaddr.parse(value).toNormalizedString() : value;
    default: return digitsOf(value);
  }
}

/** 16 letters from HMAC-SHA256: letters only, so a token is never mistaken for a number. */
export function hashToken(key: Buffer, detector: Detector, value: string): string {
  const mac = createHmac('sha256', key).update(`${detector}\0${canonicalValue(detector, value)}`).digest();
  let out = '';
  for (let i = 0; i < 8; i++) out += String.fromCharCode(97 + (mac[i]! >> 4), 97 + (mac[i]! & 15));
  return out;
}

function partial(detector: Detector, value: string): string {
  const digits = digitsOf(value);
  switch (detector) {
    case 'email': return `***${value.slice(value.lastIndexOf('@'))}`;
    case 'payment-card': return `[card ****${digits.slice(-4)}]`;
    case 'my-number': return `[my-number ********${digits.slice(-4)}]`;
    case 'phone': return `[phone ***${digits.slice(-2)}]`;
    case 'iban': return `[iban ${value.slice(0, 2)}**…${value.replace(/ /g, '').slice(-4)}]`;
    case 'ip-address': {
      const ip = ipaddr.parse(value);
      return ip.kind() === 'ipv4'
        ? `[ip ${ip.toByteArray().slice(0, 2).join('.')}.x.x]`
        : `[ip ${(ip as ipaddr.IPv6).parts.slice(0, 3).map((p) => p.toString(16)).join('-')}-x]`;
    }
  }
}

export function maskValue(match: Match, style: MaskStyle, options: MaskOptions = {}): string {
  if (style === 'partial') return partial(match.detector, match.value);
  if (style === 'hash' && options.hmacKey) return `[${label[match.detector]}#${hashToken(options.hmacKey, match.detector, match.value)}]`;
  return `[${label[match.detector]}]`;
}

function maskOne(text: string, rule: TextRule, options: MaskOptions): string {
  const matches = detect(text, rule.detector, rule.defaultCountry);
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    if (m.start < at) continue;
    out += text.slice(at, m.start) + maskValue(m, rule.style, options);
    at = m.end;
  }
  return out + text.slice(at);
}

/**
 * Masks every match of the rules in one text, one detector after another in `orderRules`
 * order: what a specific detector masked, a looser one (phone) no longer sees. Text without
 * a match comes back as is.
 */
export function maskText(text: string, rules: readonly TextRule[], options: MaskOptions = {}): string {
  if (rules.length === 0 || text.length < 3) return text;
  let out = text;
  for (const rule of rules.length === 1 ? rules : orderRules(rules)) out = maskOne(out, rule, options);
  return out;
}

/**
 * Masks the string values of a JSON value. With `fields`, only strings under a key of that
 * name (at any depth) are masked. Returns the same object when nothing changed.
 */
export function maskJson(value: unknown, rules: readonly TextRule[], options: MaskOptions = {}, fields: readonly string[] = [], inField = fields.length === 0): unknown {
  if (typeof value === 'string') return inField ? maskText(value, rules, options) : value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const m = maskJson(v, rules, options, fields, inField);
      if (m !== v) changed = true;
      return m;
    });
    return changed ? out : value;
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const m = maskJson(v, rules, options, fields, inField || fields.includes(k));
      if (m !== v) changed = true;
      out[k] = m;
    }
    return changed ? out : value;
  }
  return value;
}

/** The parts of an audit event rules may apply to. */
export interface MaskableEvent {
  actorName: string | null;
  actorIp: string | null;
  targetName: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

/** Rules in the order they must apply: the more specific detector first (see `priority`). */
export function orderRules<R extends TextRule>(rules: readonly R[]): R[] {
  return [...rules].sort((a, b) => priority[a.detector] - priority[b.detector]);
}

/**
 * Applies each rule to the parts of an event it names, one rule after another (pass them
 * through `orderRules`; masked forms never match again, so the order only settles overlaps).
 * Returns the same object when nothing changed.
 */
export function maskEvent<E extends MaskableEvent>(event: E, rules: readonly EventRule[], options: MaskOptions = {}): E {
  let out = event;
  const set = <K extends keyof MaskableEvent>(key: K, next: MaskableEvent[K]) => {
    if (next !== out[key]) out = { ...out, [key]: next };
  };
  for (const rule of rules) {
    const one = [rule];
    const a = rule.appliesTo;
    if (a.payload) {
      set('before', maskJson(out.before, one, options, a.fields));
      set('after', maskJson(out.after, one, options, a.fields));
    }
    if (a.targetName && out.targetName) set('targetName', maskText(out.targetName, one, options));
    if (a.actorName && out.actorName) set('actorName', maskText(out.actorName, one, options));
    if (a.actorIp && out.actorIp) set('actorIp', maskText(out.actorIp, one, options));
    if (a.reason && out.reason) set('reason', maskText(out.reason, one, options));
  }
  return out;
}

function payloadStrings(value: unknown, fields: readonly string[], inField: boolean, out: string[]): void {
  if (typeof value === 'string') {
    if (inField) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) payloadStrings(v, fields, inField, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) payloadStrings(v, fields, inField || fields.includes(k), out);
  }
}

/** How many values of an event one rule finds, where the rule applies (for previews). */
export function countMatches(event: MaskableEvent, rule: EventRule): number {
  const a = rule.appliesTo;
  const strings: string[] = [];
  if (a.payload) {
    payloadStrings(event.before, a.fields, a.fields.length === 0, strings);
    payloadStrings(event.after, a.fields, a.fields.length === 0, strings);
  }
  if (a.targetName && event.targetName) strings.push(event.targetName);
  if (a.actorName && event.actorName) strings.push(event.actorName);
  if (a.actorIp && event.actorIp) strings.push(event.actorIp);
  if (a.reason && event.reason) strings.push(event.reason);
  return strings.reduce((n, s) => n + detect(s, rule.detector, rule.defaultCountry).length, 0);
}

/** The detectors the logger masks in every process, whatever the org's rules. */
export const logRules: readonly TextRule[] = [
  { detector: 'email', style: 'redact' },
  { detector: 'payment-card', style: 'redact' },
  { detector: 'phone', style: 'redact' },
];
