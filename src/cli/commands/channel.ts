import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const channelColumns = [
  { header: 'ID', value: (c: Any) => c.id },
  { header: 'NAME', value: (c: Any) => c.name },
  { header: 'KIND', value: (c: Any) => c.kind },
  { header: 'TO', value: (c: Any) => (c.kind === 'email' ? (c.recipients as string[]).join(',') : c.webhookHost) },
  { header: 'ENABLED', value: (c: Any) => (c.enabled ? 'yes' : 'no') },
  { header: 'LAST SENT', value: (c: Any) => c.lastSentAt ?? '' },
  { header: 'LAST ERROR', value: (c: Any) => c.lastError ?? '' },
];

/** Notification channels (ADR 0016): where budget and other alerts are sent. */
export function channelCommands(program: Command): void {
  const channel = program.command('channel').description('Notification channels: e-mail recipients or a Slack-compatible incoming webhook');

  channel.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/notification-channels', { params: { path: { orgId }, query: { limit: 100 } } })).items, channelColumns);
  });

  channel.command('create <name>')
    .description('An e-mail channel (--email, repeatable) or a Slack-compatible one (--slack-webhook <url>)')
    .option('--email <address>', 'a recipient (repeatable)', collect)
    .option('--slack-webhook <url>', 'the incoming-webhook URL (a secret: stored sealed, never shown again)')
    .option('--disabled', 'create it switched off')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      if (Boolean(o.email) === Boolean(o.slackWebhook)) throw new Error('give --email (repeatable) or --slack-webhook, one of the two');
      const body = o.email
        ? { name, kind: 'email' as const, recipients: o.email as string[] }
        : { name, kind: 'slack' as const, webhookUrl: o.slackWebhook as string };
      const created = unwrap(await client.POST('/api/v1/orgs/{orgId}/notification-channels', { params: { path: { orgId } }, body: { ...body, ...(o.disabled ? { enabled: false } : {}) } as never }));
      print(output, created, channelColumns);
    });

  channel.command('test <channelId>').description('Send a test message now and say whether it arrived').action(async (channelId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const result = unwrap(await client.POST('/api/v1/orgs/{orgId}/notification-channels/{channelId}/test', { params: { path: { orgId, channelId } } }));
    printMessage(output, result.delivered ? `delivered (${result.durationMs} ms)` : `not delivered: ${result.error}`, result);
    if (!result.delivered) process.exitCode = 1;
  });

  channel.command('delete <channelId>').action(async (channelId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/notification-channels/{channelId}', { params: { path: { orgId, channelId } } }));
    printMessage(output, `deleted ${channelId}`, { id: channelId, deleted: true });
  });
}
