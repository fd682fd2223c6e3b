import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// ulid's default generator asks the CSPRNG for one byte per character (16 calls an id);
// drawing the same bytes from a pooled buffer keeps them cryptographically random and cheap.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;
function pooledRandom(): number {
  if (offset >= POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  return pool[offset++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/** Every id prefix in the system; a prefix tells a reader what an id names. */
export const idPrefixes = {
  organization: 'org',
  workspace: 'ws',
  project: 'prj',
  user: 'usr',
  group: 'grp',
  session: 'ses',
  apiKey: 'key',
  invitation: 'inv',
  role: 'role',
  binding: 'rb',
  policy: 'pol',
  auditEvent: 'evt',
  auditSigningKey: 'ask',
  auditExport: 'aex',
  auditSearch: 'asr',
  auditStream: 'ast',
  cluster: 'cls',
  request: 'req',
  piiRule: 'pii',
  webhook: 'whk',
  webhookDelivery: 'whd',
  webhookMessage: 'msg',
  // audit retention (ADR 0009)
  legalHold: 'hold',
  retentionRun: 'rrun',
  // SCIM provisioning (ADR 0012)
  scimToken: 'stk',
  // MFA (ADR 0013)
  mfaChallenge: 'mfc',
  // single sign-on (ADR 0014)
  ssoConnection: 'sso',
  ssoDomain: 'dom',
  ssoTrace: 'ssot',
  ssoSpKey: 'spk',
  // notification channels (ADR 0016)
  notificationChannel: 'nch',
  notificationSend: 'nsd',
  // cost management (ADR 0015)
  costPrice: 'cpr',
  costSource: 'csrc',
  budget: 'bud',
  contract: 'ctr',
  reportSchedule: 'rps',
  costFocusRule: 'cfr',
  costFocusImport: 'cfi',
} as const;

export type IdKind = keyof typeof idPrefixes;

/** A prefixed, time-ordered id: `ws_01J9Z3...` (ULID, lower-cased). */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${nextUlid().toLowerCase()}`;
}

const idPattern = /^[a-z]+_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(`${idPrefixes[kind]}_`) && idPattern.test(value);
}
