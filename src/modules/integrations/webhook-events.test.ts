import { describe, expect, it } from 'vitest';
import { eventTypeOf, eventTypeOfAction, isKnownEventType, retryDelayMs, subscribes, webhookEventTypes } from './webhook-events.ts';

describe('webhook event types', () => {
  it('names an audit action noun:verb as noun.verbed', () => {
    expect(eventTypeOfAction('workspace:create')).toBe('workspace.created');
    expect(eventTypeOfAction('member:remove')).toBe('member.removed');
    expect(eventTypeOfAction('role-binding:delete')).toBe('role_binding.deleted');
    expect(eventTypeOfAction('api-key:rotate')).toBe('api_key.rotated');
    expect(eventTypeOfAction('cluster:assign')).toBe('cluster.assigned');
    expect(eventTypeOfAction('budget:threshold-reach')).toBe('budget.threshold_reached');
  });

  it('publishes successful business events only', () => {
    expect(eventTypeOf({ action: 'workspace:create', outcome: 'success' })).toBe('workspace.created');
    expect(eventTypeOf({ action: 'workspace:create', outcome: 'denied' })).toBeNull();
    expect(eventTypeOf({ action: 'workspace:create', outcome: 'failed' })).toBeNull();
    expect(eventTypeOf({ action: 'workspace:read', outcome: 'success' })).toBeNull();
    expect(eventTypeOf({ action: 'session:create', outcome: 'success' })).toBeNull();
  });

  it('has a sorted catalog without duplicates, ping included', () => {
    const types = webhookEventTypes.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual([...types].sort((a, b) => a.localeCompare(b)));
    for (const t of ['workspace.created', 'member.removed', 'budget.threshold_reached', 'webhook.ping']) expect(isKnownEventType(t)).toBe(true);
    expect(isKnownEventType('workspace.exploded')).toBe(false);
  });

  it('matches subscriptions, * for everything', () => {
    expect(subscribes(['*'], 'project.deleted')).toBe(true);
    expect(subscribes(['workspace.created'], 'workspace.created')).toBe(true);
    expect(subscribes(['workspace.created'], 'workspace.deleted')).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { baseMs: 1000, capMs: 60_000 };
    expect(retryDelayMs(1, policy, 0.5)).toBe(1000);
    expect(retryDelayMs(3, policy, 0.5)).toBe(4000);
    expect(retryDelayMs(30, policy, 0.5)).toBe(60_000);
    expect(retryDelayMs(2, policy, 0)).toBe(1500);
    expect(retryDelayMs(2, policy, 0.999)).toBeLessThanOrEqual(2500);
  });
});
