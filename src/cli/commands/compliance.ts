import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const where = (a: Any) =>
  [a.payload ? (a.fields.length ? `fields:${a.fields.join('|')}` : 'payload') : null, a.targetName && 'target', a.actorName && 'actor', a.actorIp && 'actor-ip', a.reason && 'reason']
    .filter(Boolean)
    .join(',');

const ruleColumns = [
  { header: 'ID', value: (r: Any) => r.id },
  { header: 'NAME', value: (r: Any) => r.name },
  { header: 'DETECTOR', value: (r: Any) => r.detector },
  { header: 'MODE', value: (r: Any) => r.mode },
  { header: 'STYLE', value: (r: Any) => r.style },
  { header: 'APPLIES TO', value: (r: Any) => where(r.appliesTo) },
  { header: 'ENABLED', value: (r: Any) => (r.enabled ? 'yes' : 'no') },
];

const previewColumns = [
  { header: 'STORED', value: (p: Any) => (typeof p.stored === 'string' ? p.stored : JSON.stringify(p.stored)) },
  { header: 'SHOWN (MASKED)', value: (p: Any) => (typeof p.masked === 'string' ? p.masked : JSON.stringify(p.masked)) },
  { header: 'MATCHES', value: (p: Any) => p.matches.filter((m: Any) => m.count > 0).map((m: Any) => `${m.ruleName}: ${m.count}`) },
];

/** --applies-to payload,target,actor,actor-ip,reason and --field email (repeatable) → appliesTo. */
function appliesTo(o: Any): Any | undefined {
  if (!o.appliesTo && !o.field) return undefined;
  const parts = new Set(String(o.appliesTo ?? 'payload').split(',').map((s) => s.trim()));
  for (const p of parts) if (!['payload', 'target', 'actor', 'actor-ip', 'reason'].includes(p)) throw new Error(`--applies-to: unknown part "${p}"`);
  return {
    payload: parts.has('payload') || Boolean(o.field),
    fields: o.field ?? [],
    targetName: parts.has('target'),
    actorName: parts.has('actor'),
    actorIp: parts.has('actor-ip'),
    reason: parts.has('reason'),
  };
}

function ruleBody(o: Any): Any {
  const applies = appliesTo(o);
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.detector ? { detector: o.detector } : {}),
    ...(o.mode ? { mode: o.mode } : {}),
    ...(o.style ? { style: o.style } : {}),
    ...(o.country ? { defaultCountry: o.country } : {}),
    ...(o.enabled !== undefined ? { enabled: o.enabled === 'true' || o.enabled === true } : {}),
    ...(applies ? { appliesTo: applies } : {}),
  };
}

const ruleOptions = (c: Command) =>
  c
    .option('--detector <detector>', 'email | phone | payment-card | my-number | iban | ip-address')
    .option('--mode <mode>', 'write (masked before storing, for good) | read (masked when read or exported)')
    .option('--style <style>', 'redact | partial | hash')
    .option('--applies-to <parts>', 'comma list of payload,target,actor,actor-ip,reason', undefined)
    .option('--field <name>', 'only this JSON field of before/after (repeatable)', collect)
    .option('--country <cc>', 'default country of phone numbers, e.g. JP');

export function complianceCommands(program: Command): void {
  const rule = program.command('pii-rule').description('PII masking rules of audit payloads, logs and exports');
  rule.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/pii-rules', { params: { path: { orgId }, query: { limit: 200 } } })).items, ruleColumns);
  });
  rule.command('get <ruleId>').action(async (ruleId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/pii-rules/{ruleId}', { params: { path: { orgId, ruleId } } })), ruleColumns);
  });
  ruleOptions(rule.command('create <name>'))
    .option('--disabled', 'create it switched off')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { ...ruleBody({ ...o, name }), ...(o.disabled ? { enabled: false } : {}) };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/pii-rules', { params: { path: { orgId } }, body: body as never })), ruleColumns);
    });
  ruleOptions(rule.command('update <ruleId>'))
    .option('--name <name>')
    .option('--enabled <bool>', 'true | false')
    .option('--if-match <etag>', 'only if the rule is still at this version, e.g. "v3"')
    .action(async (ruleId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const headers = o.ifMatch ? { 'if-match': o.ifMatch } : {};
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/pii-rules/{ruleId}', { params: { path: { orgId, ruleId } }, body: ruleBody(o) as never, headers })), ruleColumns);
    });
  rule.command('delete <ruleId>').action(async (ruleId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/pii-rules/{ruleId}', { params: { path: { orgId, ruleId } } }));
    printMessage(output, `deleted ${ruleId}`, { deleted: ruleId });
  });
  rule.command('preview <text>')
    .description('What the current rules would store and show for a text (changes nothing)')
    .action(async (text: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/pii-rules/preview', { params: { path: { orgId } }, body: { text } })), previewColumns);
    });
}
