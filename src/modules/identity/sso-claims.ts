/**
 * Pure SSO logic: domains, reading an IdP's claims through a connection's claim names, and
 * turning claims into the role bindings a connection's mappings grant. No I/O.
 */
import { domainToASCII } from 'node:url';

export type MappedClaim = 'groups' | 'department' | 'costCenter';
export type GrantScopeType = 'organization' | 'workspace' | 'project';

export interface ClaimNames {
  email: string;
  name: string;
  groups: string;
  department: string;
  costCenter: string;
}

export const defaultClaimNames: ClaimNames = {
  email: 'email',
  name: 'name',
  groups: 'groups',
  department: 'department',
  costCenter: 'costCenter',
};

export interface Mapping {
  claim: MappedClaim;
  value: string;
  roleId: string;
  scope: { type: GrantScopeType; id: string };
}

/** What a sign-in asserted about the user, read through the connection's claim names. */
export interface UserClaims {
  subject: string;
  email: string | null;
  name: string | null;
  /** Null when the IdP sent no groups; `groupsOverage` says whether it had too many to send. */
  groups: string[] | null;
  groupsOverage: boolean;
  department: string | null;
  costCenter: string | null;
}

export interface Grant {
  roleId: string;
  scope: { type: GrantScopeType; id: string };
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A domain as stored and compared: lower case, ASCII (IDNs in punycode, by node's WHATWG URL
 * code), no trailing dot, at least two labels. Null when it is not a host name.
 */
export function normalizeDomain(input: string): string | null {
  const trimmed = input.trim().toLowerCase().replace(/\.$/, '');
  // domainToASCII parses a URL host: anything that would end or qualify a host is refused first.
  if (trimmed === '' || trimmed.length > 253 || /[\s/\\@:?#[\]%]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed);
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  // The last label is a TLD: never all digits (that is an IPv4 address).
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}

/** The domain of an e-mail address (after its last @), normalized; null if there is none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return null;
  return normalizeDomain(email.slice(at + 1));
}

/** The TXT record value that proves an organization controls a domain. */
export function verificationRecord(token: string): string {
  return `hexaplane-verification=${token}`;
}

/** TXT answers come as chunks of at most 255 bytes; a record is their concatenation. */
export function txtProves(records: string[][], token: string): boolean {
  const expected = verificationRecord(token);
  return records.some((chunks) => chunks.join('').trim() === expected);
}

function stringClaim(raw: Record<string, unknown>, name: string): string | null {
  const value = raw[name];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number') return String(value);
  return null;
}

function listClaim(raw: Record<string, unknown>, name: string): string[] | null {
  const value = raw[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return [value];
  return null;
}

/**
 * Entra ID leaves the groups out when a user is in too many (over 200 in a JWT): it sends
 * `_claim_names.groups` (pointing at Graph) or `hasgroups: true` instead.
 */
function hasGroupsOverage(raw: Record<string, unknown>, groupsClaim: string): boolean {
  const names = raw._claim_names;
  const pointed = typeof names === 'object' && names !== null && groupsClaim in names;
  return pointed || raw.hasgroups === true || raw.hasgroups === 'true';
}

export function readClaims(raw: Record<string, unknown>, names: ClaimNames): UserClaims {
  const groups = listClaim(raw, names.groups);
  return {
    subject: typeof raw.sub === 'string' ? raw.sub : '',
    email: stringClaim(raw, names.email)?.toLowerCase() ?? null,
    name: stringClaim(raw, names.name),
    groups,
    groupsOverage: groups === null && hasGroupsOverage(raw, names.groups),
    department: stringClaim(raw, names.department),
    costCenter: stringClaim(raw, names.costCenter),
  };
}

/** Does the IdP's `amr` (RFC 8176) say the user proved a second factor? */
export function amrProvesMfa(amr: unknown): boolean {
  if (!Array.isArray(amr)) return false;
  return amr.some((m) => m === 'mfa' || m === 'otp' || m === 'hwk' || m === 'swk' || m === 'sms' || m === 'fido');
}

function claimMatches(claims: Pick<UserClaims, 'groups' | 'department' | 'costCenter'>, mapping: Mapping): boolean {
  // Group names and ids are compared exactly (Entra sends object ids, Okta names); attributes ignore case.
  if (mapping.claim === 'groups') return (claims.groups ?? []).includes(mapping.value);
  const value = claims[mapping.claim];
  return value !== null && value.toLowerCase() === mapping.value.toLowerCase();
}

export const grantKey = (g: Grant) => `${g.roleId}|${g.scope.type}|${g.scope.id}`;

/** The grants the mappings give a user with these claims, each once, in mapping order. */
export function grantsFor(mappings: readonly Mapping[], claims: Pick<UserClaims, 'groups' | 'department' | 'costCenter'>): Grant[] {
  const seen = new Map<string, Grant>();
  for (const m of mappings) {
    if (!claimMatches(claims, m)) continue;
    const grant = { roleId: m.roleId, scope: { type: m.scope.type, id: m.scope.id } };
    if (!seen.has(grantKey(grant))) seen.set(grantKey(grant), grant);
  }
  return [...seen.values()];
}

/** What to add and remove to go from the grants a mapping made to the grants it now wants. */
export function diffGrants(current: readonly Grant[], desired: readonly Grant[]): { add: Grant[]; remove: Grant[] } {
  const have = new Set(current.map(grantKey));
  const want = new Set(desired.map(grantKey));
  return { add: desired.filter((g) => !have.has(grantKey(g))), remove: current.filter((g) => !want.has(grantKey(g))) };
}

export function usesGroups(mappings: readonly Mapping[]): boolean {
  return mappings.some((m) => m.claim === 'groups');
}
