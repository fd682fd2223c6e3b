import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const webhookColumns = [
  { header: 'ID', value: (w: Any) => w.id },
  { header: 'NAME', value: (w: Any) => w.name },
  { header: 'URL', value: (w: Any) => w.url },
  { header: 'EVENTS', value: (w: Any) => (w.eventTypes as string[]).join(',') },
  { header: 'ENABLED', value: (w: Any) => (w.enabled ? 'yes' : `no${w.disabledReason ? ` (${w.disabledReason})` : ''}`) },
  { header: 'FAILURES', value: (w: Any) => w.consecutiveFailures },
];

const deliveryColumns = [
  { header: 'ID', value: (d: Any) => d.id },
  { header: 'EVENT', value: (d: Any) => d.eventType },
  { header: 'EVENT ID', value: (d: Any) => d.eventId },
  { header: 'STATUS', value: (d: Any) => d.status },
  { header: 'ATTEMPTS', value: (d: Any) => d.attempts },
  { header: 'LAST', value: (d: Any) => d.lastStatusCode ?? d.lastError ?? '' },
  { header: 'LATENCY MS', value: (d: Any) => d.latencyMs },
  { header: 'NEXT ATTEMPT', value: (d: Any) => d.nextAttemptAt },
];

const attemptColumns = [
  { header: 'AT', value: (a: Any) => a.attemptedAt },
  { header: 'STATUS', value: (a: Any) => a.statusCode },
  { header: 'ERROR', value: (a: Any) => a.error },
  { header: 'MS', value: (a: Any) => a.durationMs },
];

function showSecret(output: 'table' | 'json', created: Any): void {
  printMessage(output, `${created.webhook.id}\nsigning secret (shown once, store it now):\n${created.secret}`, created);
}

/** `--enabled` / `--disabled` as the API's boolean, or undefined when neither was given. */
function enabledOf(o: Any): boolean | undefined {
  if (o.enabled && o.disabled) throw new Error('give --enabled or --disabled, not both');
  return o.enabled ? true : o.disabled ? false : undefined;
}

export function webhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('Outbound webhooks: endpoints, secrets and deliveries');

  webhook.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/webhooks', { params: { path: { orgId }, query: {} } })).items, webhookColumns);
  });

  webhook.command('event-types').description('The event types an endpoint can subscribe to').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const types = unwrap(await client.GET('/api/v1/orgs/{orgId}/webhook-event-types', { params: { path: { orgId }, query: { limit: 200 } } })).items;
    print(output, types, [
      { header: 'TYPE', value: (e: Any) => e.type },
      { header: 'DESCRIPTION', value: (e: Any) => e.description },
    ]);
  });

  webhook.command('get <webhookId>').action(async (webhookId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/webhooks/{webhookId}', { params: { path: { orgId, webhookId } } })), webhookColumns);
  });

  webhook.command('create <name> <url>')
    .requiredOption('-e, --event <type>', 'an event type to receive, or * for all (repeatable)', collect)
    .option('--description <text>', 'what the endpoint is for')
    .option('--disabled', 'create it switched off')
    .action(async (name: string, url: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { name, url, eventTypes: o.event as string[], ...(o.description ? { description: o.description } : {}), ...(o.disabled ? { enabled: false } : {}) };
      showSecret(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/webhooks', { params: { path: { orgId } }, body: body as never })));
    });

  webhook.command('update <webhookId>')
    .option('--name <name>')
    // Not --url: that global option names the Hexaplane server.
    .option('--endpoint <url>', 'the new URL deliveries go to')
    .option('-e, --event <type>', 'replace the event types (repeatable)', collect)
    .option('--description <text>')
    .option('--enabled', 'switch it on (again)')
    .option('--disabled', 'switch it off')
    .action(async (webhookId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const enabled = enabledOf(o);
      const body = {
        ...(o.name ? { name: o.name } : {}),
        ...(o.endpoint ? { url: o.endpoint } : {}),
        ...(o.event ? { eventTypes: o.event } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(enabled !== undefined ? { enabled } : {}),
      };
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/webhooks/{webhookId}', { params: { path: { orgId, webhookId } }, body: body as never })), webhookColumns);
    });

  webhook.command('delete <webhookId>').action(async (webhookId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/webhooks/{webhookId}', { params: { path: { orgId, webhookId } } }));
    printMessage(output, `deleted ${webhookId}`, { id: webhookId, deleted: true });
  });

  webhook.command('rotate-secret <webhookId>')
    .option('--overlap-minutes <n>', 'how long deliveries stay signed with the old secret too', '60')
    .action(async (webhookId: string, o: { overlapMinutes: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { overlapMinutes: Number(o.overlapMinutes) };
      showSecret(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/webhooks/{webhookId}/rotate-secret', { params: { path: { orgId, webhookId } }, body })));
    });

  webhook.command('ping <webhookId>').description('Send a webhook.ping test delivery now').action(async (webhookId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/webhooks/{webhookId}/ping', { params: { path: { orgId, webhookId } } })), deliveryColumns);
  });

  webhook.command('deliveries <webhookId> [deliveryId]')
    .description('The delivery log, or one delivery with its attempts')
    .option('--status <status>', 'pending, succeeded or failed')
    .action(async (webhookId: string, deliveryId: string | undefined, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      if (deliveryId) {
        const delivery = unwrap(await client.GET('/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}', { params: { path: { orgId, webhookId, deliveryId } } }));
        if (output === 'json') return printMessage(output, '', delivery);
        print(output, delivery, deliveryColumns);
        print(output, delivery.attemptLog, attemptColumns);
        return;
      }
      const query = o.status ? { status: o.status } : {};
      print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries', { params: { path: { orgId, webhookId }, query: query as never } })).items, deliveryColumns);
    });

  webhook.command('redeliver <webhookId> <deliveryId>').action(async (webhookId: string, deliveryId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', { params: { path: { orgId, webhookId, deliveryId } } })), deliveryColumns);
  });
}
