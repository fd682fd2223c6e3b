/**
 * The webhook event types, and how audit events become them. Pure.
 *
 * An audit action `noun:verb` is the event type `noun.verbed` (dashes become underscores):
 * `workspace:create` → `workspace.created`, `member:remove` → `member.removed`. Only
 * successful audit events are business events; denials and failures are not sent.
 */

export interface WebhookEventType {
  type: string;
  description: string;
}

/** Sent by `POST .../webhooks/:id/ping`; never comes from the audit log. */
export const PING_EVENT_TYPE = 'webhook.ping';

/**
 * The audit actions that are published, with what their event means. The cost module
 * records `budget:threshold-reach` when a budget crosses one of its alert thresholds.
 */
const publishedActions: Record<string, string> = {
  'organization:update': 'The organization name, settings or labels changed',
  'workspace:create': 'A workspace was created',
  'workspace:update': 'A workspace changed (name, labels, quota)',
  'workspace:delete': 'A workspace was deleted',
  'project:create': 'A project was created',
  'project:update': 'A project changed',
  'project:delete': 'A project was deleted',
  'quota:update': 'A workspace or project quota changed',
  'member:remove': 'A member was removed from the organization',
  'invitation:create': 'Someone was invited to the organization',
  'invitation:accept': 'An invitation was accepted: a new member joined',
  'invitation:revoke': 'An invitation was revoked',
  'api-key:create': 'An API key was created',
  'api-key:rotate': 'An API key secret was rotated',
  'api-key:revoke': 'An API key was revoked',
  'group:create': 'A group was created',
  'group:update': 'A group or its membership changed',
  'group:delete': 'A group was deleted',
  'role:create': 'A custom role was created',
  'role:update': 'A role changed',
  'role:delete': 'A custom role was deleted',
  'role-binding:create': 'A role was granted',
  'role-binding:delete': 'A role grant was removed',
  'policy:create': 'A Cedar policy was created',
  'policy:update': 'A Cedar policy changed',
  'policy:delete': 'A Cedar policy was deleted',
  'cluster:create': 'A Kubernetes cluster was registered',
  'cluster:update': 'A cluster registration changed',
  'cluster:delete': 'A cluster was removed',
  'cluster:assign': 'A workspace was placed on a cluster or taken off one',
  'budget:threshold-reach': 'A budget crossed one of its alert thresholds (sent by the cost module)',
  'webhook:create': 'A webhook endpoint was created',
  'webhook:update': 'A webhook endpoint changed (or was disabled after repeated failures)',
  'webhook:delete': 'A webhook endpoint was deleted',
};

const irregular: Record<string, string> = { 'threshold-reach': 'threshold_reached' };

function pastTense(verb: string): string {
  if (irregular[verb]) return irregular[verb];
  const word = verb.replace(/-/g, '_');
  if (word.endsWith('e')) return `${word}d`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ied`;
  return `${word}ed`;
}

/** `workspace:create` → `workspace.created`; `role-binding:delete` → `role_binding.deleted`. */
export function eventTypeOfAction(action: string): string {
  const [noun = '', verb = ''] = action.split(':');
  return `${noun.replace(/-/g, '_')}.${pastTense(verb)}`;
}

const typeByAction = new Map(Object.keys(publishedActions).map((action) => [action, eventTypeOfAction(action)]));

export const webhookEventTypes: WebhookEventType[] = [
  ...Object.entries(publishedActions).map(([action, description]) => ({ type: typeByAction.get(action)!, description })),
  { type: PING_EVENT_TYPE, description: 'A test delivery asked for with the ping endpoint (always sent, whatever the subscription)' },
].sort((a, b) => a.type.localeCompare(b.type));

const knownTypes = new Set(webhookEventTypes.map((e) => e.type));

export function isKnownEventType(type: string): boolean {
  return knownTypes.has(type);
}

/** The event type an audit event is published as, or null when it is not a business event. */
export function eventTypeOf(event: { action: string; outcome: string }): string | null {
  if (event.outcome !== 'success') return null;
  return typeByAction.get(event.action) ?? null;
}

/** Whether an endpoint subscribed to `['*']` or to this type. */
export function subscribes(eventTypes: readonly string[], type: string): boolean {
  return eventTypes.includes('*') || eventTypes.includes(type);
}

/**
 * Retry schedule: exponential from `baseMs`, capped at `capMs`, with ±25% jitter so that a
 * receiver coming back is not hit by every retry at once. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, policy: { baseMs: number; capMs: number }, random: number): number {
  const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.75 + random / 2));
}
