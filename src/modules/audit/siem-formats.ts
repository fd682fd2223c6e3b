import { createHmac } from 'node:crypto';
import type { AuditEventView } from './schemas.ts';
import { SEVERITIES, type Severity, type StreamFilters } from './stream-schemas.ts';

/**
 * What SIEM streams send, as pure functions (ADR 0007): severity, the JSON record, RFC 5424
 * messages with RFC 6587/5425 octet-counting frames, ArcSight CEF, OCSF 1.3 objects and the
 * Splunk HEC / Datadog / signed NDJSON bodies. Every format carries the event id, which is what
 * receivers de-duplicate by (delivery is at least once).
 */

export interface SiemEvent {
  seq: number;
  event: AuditEventView;
}

// ---- severity ----

/** Actions about who may do what, who is signed in, and the audit trail itself. */
const SECURITY_PREFIXES = [
  'session:', 'user:', 'api-key:', 'role:', 'role-binding:', 'policy:', 'group:', 'member:', 'invitation:',
  'organization:', 'audit:', 'audit-stream:', 'sso:', 'scim:', 'mfa:', 'password:', 'access:',
];
/** Actions that remove an organization, its ownership or a copy of its audit trail. */
const CRITICAL_ACTIONS = new Set(['organization:delete', 'organization:transfer', 'audit-stream:delete']);
const READ_VERB = /:(read|list|get|check|simulate|validate|export|verify)$/;
const DESTRUCTIVE_VERB = /:(delete|revoke|remove|rotate|disable)$/;

export function isSecurityAction(action: string): boolean {
  return SECURITY_PREFIXES.some((p) => action.startsWith(p));
}

/** The severity of an event: refusals and failures rank above successes, security actions above others. */
export function eventSeverity(event: Pick<AuditEventView, 'action' | 'outcome'>): Severity {
  const security = isSecurityAction(event.action);
  if (event.outcome === 'denied') return 'high';
  if (event.outcome === 'failed') return security ? 'high' : 'medium';
  if (CRITICAL_ACTIONS.has(event.action)) return 'critical';
  if (READ_VERB.test(event.action)) return 'info';
  if (security) return DESTRUCTIVE_VERB.test(event.action) ? 'high' : 'medium';
  return 'low';
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Whether a stream's filters let an event through (filtered-out events still advance the cursor). */
export function passesFilters(event: AuditEventView, filters: StreamFilters): boolean {
  if (severityRank(eventSeverity(event)) < severityRank(filters.minSeverity)) return false;
  if (filters.actionPrefixes.length && !filters.actionPrefixes.some((p) => event.action.startsWith(p) || p === '*')) return false;
  if (filters.workspaceIds.length && (event.workspaceId === null || !filters.workspaceIds.includes(event.workspaceId))) return false;
  return true;
}

// ---- JSON ----

export type SiemRecord = AuditEventView & { seq: number; severity: Severity };

/** The event as JSON streams send it: the API's AuditEvent plus its seq and severity. */
export function siemRecord({ seq, event }: SiemEvent): SiemRecord {
  return { ...event, seq, severity: eventSeverity(event) };
}

// ---- syslog: RFC 5424 messages, octet-counted frames (RFC 6587 §3.4.1, RFC 5425 §4.3) ----

/** RFC 5424 severities (0 emergency … 7 debug); facility 13 is "log audit". */
const SYSLOG_SEVERITY: Record<Severity, number> = { info: 6, low: 5, medium: 4, high: 3, critical: 2 };
const LOG_AUDIT_FACILITY = 13;
/** RFC 5612's documentation enterprise number names our SD-ID until one is registered. */
export const SD_ID = 'hexaplane@32473';

/** A header field: printable US-ASCII only, at most `max` characters, "-" when empty (RFC 5424 §6). */
export function headerField(value: string | null | undefined, max: number): string {
  const clean = (value ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** SD-PARAM values escape '"', '\' and ']' (RFC 5424 §6.3.3). */
export function sdParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

export interface SyslogOptions {
  hostname: string;
  appName: string;
  format: 'json' | 'cef';
}

export function syslogMessage(item: SiemEvent, options: SyslogOptions): string {
  const { event, seq } = item;
  const pri = LOG_AUDIT_FACILITY * 8 + SYSLOG_SEVERITY[eventSeverity(event)];
  const sd = `[${SD_ID} eventId="${sdParamValue(event.id)}" seq="${seq}" orgId="${sdParamValue(event.orgId)}"]`;
  const msg = options.format === 'cef' ? cefMessage(item) : JSON.stringify(siemRecord(item));
  return `<${pri}>1 ${event.occurredAt} ${headerField(options.hostname, 255)} ${headerField(options.appName, 48)} - ${headerField(event.action, 32)} ${sd} ${msg}`;
}

/** Octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export function octetCountedFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

// ---- ArcSight CEF (Common Event Format 25) ----

const CEF_SEVERITY: Record<Severity, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** Header fields escape '\' and '|'; newlines would end the record, so they become spaces. */
export function cefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/** Extension values escape '\' and '=', and carry newlines as \n and \r. */
export function cefValue(value: string): string {
  return value.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export function cefMessage({ seq, event }: SiemEvent): string {
  const severity = eventSeverity(event);
  const ext: [string, string | number | null][] = [
    ['externalId', event.id],
    ['rt', Date.parse(event.occurredAt)],
    ['act', event.action],
    ['outcome', event.outcome],
    ['suid', event.actor.id],
    ['suser', event.actor.name],
    ['src', event.actor.ip],
    ['requestClientApplication', event.actor.userAgent],
    ['duid', event.target.id],
    ['duser', event.target.name],
    ['reason', event.reason],
    ['cs1Label', 'orgId'],
    ['cs1', event.orgId],
    ['cs2Label', 'workspaceId'],
    ['cs2', event.workspaceId],
    ['cs3Label', 'targetType'],
    ['cs3', event.target.type],
    ['cs4Label', 'requestId'],
    ['cs4', event.requestId],
    ['cn1Label', 'seq'],
    ['cn1', seq],
  ];
  const extension = ext
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}=${cefValue(String(v))}`)
    .join(' ');
  const header = ['CEF:0', 'Hexaplane', 'Hexaplane', '1', event.action, `${event.action} ${event.outcome}`, String(CEF_SEVERITY[severity])].map(
    (f, i) => (i === 0 ? f : cefHeader(f)),
  );
  return `${header.join('|')}|${extension}`;
}

// ---- OCSF 1.3 ----

export const OCSF_VERSION = '1.3.0';

interface OcsfClass {
  classUid: number;
  className: string;
  activityId: number;
  activityName: string;
}

const verbOf = (action: string) => action.slice(action.indexOf(':') + 1);

function activity(verb: string, table: Record<string, [number, string]>): [number, string] {
  return table[verb] ?? [99, 'Other'];
}

/** Which OCSF class an action belongs to, and its activity in that class. */
export function ocsfClassOf(action: string): OcsfClass {
  const verb = verbOf(action);
  if (action.startsWith('session:') || action.startsWith('sso:') || action.startsWith('mfa:')) {
    const [activityId, activityName] = activity(verb, { create: [1, 'Logon'], delete: [2, 'Logoff'] });
    return { classUid: 3002, className: 'Authentication', activityId, activityName };
  }
  if (action.startsWith('user:') || action.startsWith('api-key:') || action.startsWith('password:')) {
    const [activityId, activityName] = activity(verb, {
      create: [1, 'Create'], enable: [2, 'Enable'], change: [3, 'Password Change'], reset: [4, 'Password Reset'],
      disable: [5, 'Disable'], delete: [6, 'Delete'], revoke: [6, 'Delete'], lock: [9, 'Lock'],
    });
    return { classUid: 3001, className: 'Account Change', activityId, activityName };
  }
  if (action.startsWith('role-binding:') || action.startsWith('member:') || action.startsWith('role:') || action.startsWith('group:')) {
    const [activityId, activityName] = action.startsWith('role-binding:')
      ? activity(verb, { create: [1, 'Assign Privileges'], delete: [2, 'Revoke Privileges'] })
      : action === 'member:remove' ? [2, 'Revoke Privileges'] as [number, string] : [99, 'Other'] as [number, string];
    return { classUid: 3005, className: 'User Access Management', activityId, activityName };
  }
  const [activityId, activityName] = activity(verb, {
    create: [1, 'Create'], read: [2, 'Read'], list: [2, 'Read'], get: [2, 'Read'], update: [3, 'Update'], delete: [4, 'Delete'],
  });
  return { classUid: 6003, className: 'API Activity', activityId, activityName };
}

const OCSF_SEVERITY: Record<Severity, [number, string]> = {
  info: [1, 'Informational'], low: [2, 'Low'], medium: [3, 'Medium'], high: [4, 'High'], critical: [5, 'Critical'],
};

const CATEGORY_NAMES: Record<number, string> = { 3: 'Identity & Access Management', 6: 'Application Activity' };

const compact = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;

/** One OCSF event object (one NDJSON line of an ocsf-file stream). */
export function ocsfEvent({ seq, event }: SiemEvent): Record<string, unknown> {
  const cls = ocsfClassOf(event.action);
  const categoryUid = Math.floor(cls.classUid / 1000);
  const [severityId, severityName] = OCSF_SEVERITY[eventSeverity(event)];
  const actorUser = compact({ uid: event.actor.id, name: event.actor.name, type: event.actor.kind });
  const targetUser = event.target.type === 'user' || event.target.type === 'apiKey' ? compact({ uid: event.target.id, name: event.target.name, type: event.target.type }) : undefined;
  const success = event.outcome === 'success';
  return compact({
    class_uid: cls.classUid,
    class_name: cls.className,
    category_uid: categoryUid,
    category_name: CATEGORY_NAMES[categoryUid],
    activity_id: cls.activityId,
    activity_name: cls.activityName,
    type_uid: cls.classUid * 100 + cls.activityId,
    time: Date.parse(event.occurredAt),
    severity_id: severityId,
    severity: severityName,
    status_id: success ? 1 : 2,
    status: success ? 'Success' : 'Failure',
    status_detail: event.reason ?? (success ? undefined : event.outcome),
    message: `${event.action} ${event.outcome}`,
    metadata: compact({
      version: OCSF_VERSION,
      uid: event.id,
      sequence: seq,
      tenant_uid: event.orgId,
      correlation_uid: event.requestId,
      log_name: 'audit',
      product: { name: 'Hexaplane', vendor_name: 'Hexaplane' },
    }),
    actor: compact({ user: actorUser, session: event.actor.sessionId ? { uid: event.actor.sessionId } : undefined }),
    src_endpoint: event.actor.ip ? { ip: event.actor.ip } : undefined,
    http_request: event.actor.userAgent ? { user_agent: event.actor.userAgent } : undefined,
    api: compact({ operation: event.action, service: { name: 'Hexaplane' }, request: event.requestId ? { uid: event.requestId } : undefined }),
    // Authentication and account classes name the user acted on (the actor for a sign-in).
    user: cls.classUid === 6003 ? undefined : (targetUser ?? (cls.classUid === 3002 ? actorUser : undefined)),
    resources: event.target.id || event.target.name ? [compact({ uid: event.target.id, name: event.target.name, type: event.target.type })] : undefined,
    unmapped: compact({ workspace_id: event.workspaceId, outcome: event.outcome, before: event.before, after: event.after }),
  });
}

// ---- HTTP bodies ----

export interface HecOptions {
  host: string;
  source: string;
  sourcetype: string;
  index?: string | undefined;
}

/** Splunk HEC /services/collector/event: event objects concatenated, `time` in epoch seconds. */
export function hecBody(items: SiemEvent[], options: HecOptions): string {
  return items
    .map((item) =>
      JSON.stringify({
        time: Date.parse(item.event.occurredAt) / 1000,
        host: options.host,
        source: options.source,
        sourcetype: options.sourcetype,
        ...(options.index ? { index: options.index } : {}),
        event: siemRecord(item),
      }),
    )
    .join('');
}

export interface DatadogOptions {
  hostname: string;
  service: string;
  tags: string[];
}

/** Datadog Logs intake v2: one entry per event, the record as a JSON `message`. */
export function datadogEntries(items: SiemEvent[], options: DatadogOptions): Record<string, string>[] {
  return items.map((item) => ({
    ddsource: 'hexaplane',
    ddtags: [`org_id:${item.event.orgId}`, `severity:${eventSeverity(item.event)}`, ...options.tags].join(','),
    hostname: options.hostname,
    service: options.service,
    message: JSON.stringify(siemRecord(item)),
  }));
}

/** Datadog's documented limits per request. */
export const DATADOG_MAX_ENTRIES = 1000;
export const DATADOG_MAX_BYTES = 5 * 1024 * 1024;

/** Splits entries into requests within Datadog's limits (an entry over the limit goes alone). */
export function datadogChunks(entries: Record<string, string>[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    const size = Buffer.byteLength(json) + 1;
    if (current.length && (current.length >= DATADOG_MAX_ENTRIES || bytes + size > DATADOG_MAX_BYTES)) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/** Generic HTTPS: one JSON record per line. */
export function ndjsonBody(items: SiemEvent[]): string {
  return items.map((item) => `${JSON.stringify(siemRecord(item))}\n`).join('');
}

/** OCSF file contents: one OCSF object per line. */
export function ocsfNdjson(items: SiemEvent[]): string {
  return items.map((item) => `${JSON.stringify(ocsfEvent(item))}\n`).join('');
}

export const SIGNATURE_HEADER = 'x-hexaplane-signature';
export const TIMESTAMP_HEADER = 'x-hexaplane-timestamp';

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the timestamp lets receivers refuse replays. */
export function ndjsonSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
