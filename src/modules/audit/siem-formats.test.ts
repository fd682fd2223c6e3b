import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEventView } from './schemas.ts';
import {
  cefMessage,
  cefValue,
  datadogChunks,
  DATADOG_MAX_ENTRIES,
  eventSeverity,
  hecBody,
  ocsfClassOf,
  ocsfEvent,
  octetCountedFrame,
  passesFilters,
  sdParamValue,
  syslogMessage,
} from './siem-formats.ts';

function event(overrides: Partial<AuditEventView> = {}): AuditEventView {
  return {
    id: 'evt_01jabcdefghjkmnpqrstvwxyz0',
    orgId: 'org_01jabcdefghjkmnpqrstvwxyz0',
    workspaceId: 'ws_01jabcdefghjkmnpqrstvwxyz0',
    occurredAt: '2026-11-23T16:00:00.123Z',
    actor: { kind: 'user', id: 'usr_1', name: 'Ada', ip: '10.0.0.7', userAgent: 'curl/8', sessionId: 'ses_1', apiKeyId: null },
    action: 'workspace:create',
    target: { type: 'workspace', id: 'ws_1', name: 'Payments' },
    outcome: 'success',
    reason: null,
    requestId: 'req_1',
    before: null,
    after: { name: 'Payments' },
    ...overrides,
  };
}

/** Parses a CEF extension the way the format defines it (unescaped '=' starts a value). */
function parseCefExtension(ext: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(\w+)=((?:\\.|[^\\])*?)(?= \w+=|$)/g;
  // One pass, so an escaped backslash before an n stays a backslash and an n.
  for (const m of ext.matchAll(re)) out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  return out;
}

describe('severity', () => {
  it('ranks refusals, failures and security actions above routine changes', () => {
    expect(eventSeverity(event({ action: 'workspace:read' }))).toBe('info');
    expect(eventSeverity(event())).toBe('low');
    expect(eventSeverity(event({ action: 'role:update' }))).toBe('medium');
    expect(eventSeverity(event({ action: 'api-key:revoke' }))).toBe('high');
    expect(eventSeverity(event({ outcome: 'failed', action: 'session:create' }))).toBe('high');
    expect(eventSeverity(event({ outcome: 'failed', action: 'cluster:check' }))).toBe('medium');
    expect(eventSeverity(event({ outcome: 'denied' }))).toBe('high');
    expect(eventSeverity(event({ action: 'organization:delete' }))).toBe('critical');
  });

  it('filters by minimum severity, action prefix and workspace', () => {
    const base = { minSeverity: 'info' as const, actionPrefixes: [], workspaceIds: [] };
    expect(passesFilters(event(), base)).toBe(true);
    expect(passesFilters(event(), { ...base, minSeverity: 'medium' })).toBe(false);
    expect(passesFilters(event({ outcome: 'denied' }), { ...base, minSeverity: 'medium' })).toBe(true);
    expect(passesFilters(event(), { ...base, actionPrefixes: ['role:'] })).toBe(false);
    expect(passesFilters(event(), { ...base, actionPrefixes: ['role:', 'workspace:'] })).toBe(true);
    expect(passesFilters(event(), { ...base, workspaceIds: ['ws_01jabcdefghjkmnpqrstvwxyz0'] })).toBe(true);
    expect(passesFilters(event({ workspaceId: null }), { ...base, workspaceIds: ['ws_01jabcdefghjkmnpqrstvwxyz0'] })).toBe(false);
  });
});

describe('syslog framing (RFC 5424, RFC 6587 octet counting)', () => {
  it('counts bytes, not characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (msg) => {
        const frame = octetCountedFrame(msg);
        const space = frame.indexOf(0x20);
        const length = Number(frame.subarray(0, space).toString('ascii'));
        expect(length).toBe(frame.length - space - 1);
        expect(frame.subarray(space + 1).toString('utf8')).toBe(msg);
      }),
    );
  });

  it('writes an RFC 5424 header with the event id in structured data', () => {
    const msg = syslogMessage({ seq: 42, event: event({ action: 'role-binding:create' }) }, { hostname: 'hx.example.com', appName: 'hexaplane', format: 'json' });
    expect(msg).toMatch(/^<108>1 2026-11-23T16:00:00\.123Z hx\.example\.com hexaplane - role-binding:create \[hexaplane@32473 eventId="evt_01jabcdefghjkmnpqrstvwxyz0" seq="42" orgId="org_01jabcdefghjkmnpqrstvwxyz0"\] \{/);
    const json = JSON.parse(msg.slice(msg.indexOf('] ') + 2));
    expect(json).toMatchObject({ id: 'evt_01jabcdefghjkmnpqrstvwxyz0', seq: 42, severity: 'medium' });
  });

  it('escapes SD-PARAM values', () => {
    expect(sdParamValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
  });
});

describe('CEF', () => {
  it('escapes header pipes and extension equals signs, backslashes and newlines, reversibly', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (name, reason) => {
        const line = cefMessage({ seq: 7, event: event({ actor: { ...event().actor, name }, reason: reason === '' ? null : reason }) });
        expect(line).not.toMatch(/[\r\n]/);
        // Seven header fields end with unescaped pipes; the extension may hold pipes as they are.
        const header = /^(?:(?:\\.|[^\\|])*\|){7}/.exec(line);
        expect(header).not.toBeNull();
        const ext = parseCefExtension(line.slice(header![0].length));
        expect(ext.externalId).toBe('evt_01jabcdefghjkmnpqrstvwxyz0');
        if (name !== '') expect(ext.suser).toBe(name);
      }),
    );
    expect(cefValue('a=b\\c\nd')).toBe('a\\=b\\\\c\\nd');
  });

  it('puts severity 0-10 in the header', () => {
    expect(cefMessage({ seq: 1, event: event({ outcome: 'denied', action: 'role|x:update' }) })).toMatch(/^CEF:0\|Hexaplane\|Hexaplane\|1\|role\\\|x:update\|role\\\|x:update denied\|8\|/);
  });
});

describe('OCSF', () => {
  it('maps actions to the four classes', () => {
    expect(ocsfClassOf('session:create')).toMatchObject({ classUid: 3002, activityId: 1 });
    expect(ocsfClassOf('session:delete')).toMatchObject({ classUid: 3002, activityId: 2 });
    expect(ocsfClassOf('api-key:create')).toMatchObject({ classUid: 3001, activityId: 1 });
    expect(ocsfClassOf('user:delete')).toMatchObject({ classUid: 3001, activityId: 6 });
    expect(ocsfClassOf('role-binding:create')).toMatchObject({ classUid: 3005, activityId: 1 });
    expect(ocsfClassOf('role-binding:delete')).toMatchObject({ classUid: 3005, activityId: 2 });
    expect(ocsfClassOf('workspace:update')).toMatchObject({ classUid: 6003, activityId: 3 });
    expect(ocsfClassOf('cluster:assign')).toMatchObject({ classUid: 6003, activityId: 99 });
  });

  it('fills the base event attributes', () => {
    const o = ocsfEvent({ seq: 3, event: event() });
    expect(o).toMatchObject({
      class_uid: 6003, category_uid: 6, activity_id: 1, type_uid: 600301, time: Date.parse('2026-11-23T16:00:00.123Z'),
      severity_id: 2, status_id: 1,
      metadata: { version: '1.3.0', uid: 'evt_01jabcdefghjkmnpqrstvwxyz0', sequence: 3, product: { name: 'Hexaplane' } },
      actor: { user: { uid: 'usr_1', name: 'Ada' } }, src_endpoint: { ip: '10.0.0.7' }, api: { operation: 'workspace:create' },
    });
  });
});

describe('HTTP bodies', () => {
  it('HEC events carry epoch seconds and the record', () => {
    const body = hecBody([{ seq: 1, event: event() }, { seq: 2, event: event() }], { host: 'h', source: 's', sourcetype: 't', index: 'audit' });
    const objects = body.split(/(?<=\})(?=\{"time")/).map((s) => JSON.parse(s));
    expect(objects).toHaveLength(2);
    expect(objects[0]).toMatchObject({ time: 1795449600.123, host: 'h', source: 's', sourcetype: 't', index: 'audit', event: { seq: 1 } });
  });

  it('Datadog requests stay within 1000 entries', () => {
    const entries = Array.from({ length: 2500 }, (_, i) => ({ message: String(i) }));
    const chunks = datadogChunks(entries).map((c) => JSON.parse(c) as unknown[]);
    expect(chunks.map((c) => c.length)).toEqual([DATADOG_MAX_ENTRIES, DATADOG_MAX_ENTRIES, 500]);
  });
});
