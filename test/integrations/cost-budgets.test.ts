/**
 * Issue 5's budget done-criterion against real peers on loopback: crossing 80 % of the
 * Finance-BU budget sends one e-mail to an SMTP server (smtp-server) and fires the outbound
 * webhook `budget.threshold_reached` once — not once per evaluation, and not once per replica.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { sealPending } from '../../src/modules/audit/index.ts';
import { createBudgetWorkerFor } from '../../src/modules/cost/index.ts';
import { createWebhookWorker, type WebhookWorker } from '../../src/modules/integrations/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, expectJson, signIn, type Credentials } from '../support/http.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

const HOUR = 3_600_000;

describe('budgets', () => {
  let t: TestApp;
  let admin: Credentials;
  let smtp: TestSmtpServer;
  let receiver: Receiver;
  let webhooks: WebhookWorker;
  let orgId = '';
  let financeId = '';
  let budgetId = '';
  let hookSecret = '';
  const api = <T = any>(method: string, path: string, status: number, body?: unknown) =>
    expectJson<T>(t.app, admin, method, `/api/v1/orgs/${orgId}${path}`, status, body === undefined ? {} : { body });
  // The current hour: always inside the budget's period, whatever the day of the month.
  const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString();

  const pushCores = (pod: string, cores: number) =>
    api('POST', '/cost/usage', 200, {
      provider: 'aws',
      region: 'eu-west-1',
      samples: [{ cluster: 'prod', namespace: 'hx-finance-bu', pod, hour, cpuRequestMcores: cores * 1000, cpuUsageMcores: cores * 500 }],
    });

  /** Evaluates as a user would and as the worker does, twice each; then delivers what is owed. */
  async function evaluateEverywhere() {
    await api('POST', `/budgets/${budgetId}/evaluate`, 200);
    await api('POST', `/budgets/${budgetId}/evaluate`, 200);
    const worker = createBudgetWorkerFor(t.deps);
    await Promise.all([worker.runOnce(), worker.runOnce()]);
    await t.deps.outbox.drain();
    await sealPending(t.deps);
    await webhooks.runOnce();
  }

  const hooksReceived = () =>
    receiver.received.map((r) => new Webhook(hookSecret).verify(r.body, r.headers) as { type: string; data: { event: { after: { percent: number; basis: string } } } });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    receiver = await startReceiver('127.0.0.2');
    t = await createTestApp({ smtpUrl: smtp.url });
    webhooks = createWebhookWorker(t.deps, { policy: { baseMs: 0, capMs: 0, maxAttempts: 3, disableAfter: 5 } });
    admin = await signIn(t.app);
    orgId = (await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme', slug: 'acme', currency: 'USD', timeZone: 'UTC' } })).id;
    financeId = (await api('POST', '/workspaces', 201, { name: 'Finance-BU', slug: 'finance-bu' })).id;
    // One vCPU-hour costs 1 USD: 10 cores requested for an hour cost 10 USD.
    await api('POST', '/cost/prices', 201, {
      provider: 'aws', region: 'eu-west-1', effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD',
      rates: { cpuCoreHour: 1_000_000, memoryGibHour: 0, storageGibMonth: 0, gpuHour: 0, egressGib: 0 },
    });
    const channel = await api('POST', '/notification-channels', 201, { name: 'FinOps', kind: 'email', recipients: ['finops@acme.test'] });
    const hook = await api('POST', '/webhooks', 201, { name: 'finance alerts', url: `${receiver.url}/budget`, eventTypes: ['budget.threshold_reached'] });
    hookSecret = hook.secret;
    const budget = await api('POST', '/budgets', 201, {
      name: 'Finance-BU monthly', workspaceId: financeId, period: 'monthly', amount: '12.50',
      thresholds: [{ percent: 80, basis: 'actual' }], channelIds: [channel.id], onExceeded: 'block',
    });
    budgetId = budget.id;
  });

  afterAll(async () => {
    await webhooks?.stop();
    await t?.close();
    await receiver?.close();
    await smtp?.close();
  });

  it('stays quiet below the threshold', async () => {
    await pushCores('api-1', 5);
    await evaluateEverywhere();
    const status = await api('GET', `/budgets/${budgetId}/status`, 200);
    expect(status).toMatchObject({ currency: 'USD', amount: '12.500000', actual: '5.000000', actualPercent: 40, decision: 'allow' });
    expect(status.thresholds).toEqual([{ percent: 80, basis: 'actual', crossed: false, alertedAt: null }]);
    expect(smtp.received).toHaveLength(0);
    expect(receiver.received).toHaveLength(0);
  });

  it('crossing 80 % sends one e-mail and fires the webhook once, however often it is evaluated', async () => {
    await pushCores('api-2', 5);
    await evaluateEverywhere();
    await evaluateEverywhere();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['finops@acme.test']);
    expect(smtp.received[0]!.raw).toMatch(/Subject: Budget Finance-BU monthly: spend reached 80 %/);
    const hooks = hooksReceived();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ type: 'budget.threshold_reached', data: { event: { after: { percent: 80, basis: 'actual' } } } });
    const status = await api('GET', `/budgets/${budgetId}/status`, 200);
    expect(status).toMatchObject({ actual: '10.000000', actualPercent: 80, remaining: '2.500000', decision: 'allow' });
    expect(status.thresholds[0]).toMatchObject({ crossed: true, alertedAt: expect.any(String) });
    expect(status.burndown.length).toBeGreaterThanOrEqual(28);
  });

  it('blocks new workloads once the budget is spent, when the budget says so', async () => {
    await pushCores('api-3', 3);
    const decision = await api('GET', `/budgets/decision?workspaceId=${financeId}`, 200);
    expect(decision).toMatchObject({ decision: 'block', budgets: [{ budgetId, decision: 'block', actualPercent: 104 }] });
    const other = await api('POST', '/workspaces', 201, { name: 'Retail-Apps', slug: 'retail-apps' });
    expect(await api('GET', `/budgets/decision?workspaceId=${other.id}`, 200)).toEqual({ decision: 'allow', budgets: [] });
  });

  it('says what quota the rest of the budget buys', async () => {
    await api('PATCH', `/budgets/${budgetId}`, 200, { amount: '1000' });
    const estimate = await api('GET', `/budgets/${budgetId}/quota-estimate`, 200);
    expect(estimate).toMatchObject({ remaining: '987.000000', prices: { cpuHour: '1.000000' } });
    expect(estimate.cpuCores).toBeCloseTo(987 / estimate.hoursLeft, 2);
  });

  it('refuses bad input with a problem naming the field, and writes nothing', async () => {
    const bad = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/budgets`, { body: { name: 'x', workspaceId: financeId, period: 'weekly', amount: '-1' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const unknown = await call(t.app, admin, 'POST', `/api/v1/orgs/${orgId}/budgets`, { body: { name: 'y', workspaceId: 'ws_01aaaaaaaaaaaaaaaaaaaaaaaa', period: 'monthly', amount: '10' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ field: 'workspaceId' });
    const list = await api('GET', '/budgets', 200);
    expect(list.items).toHaveLength(1);
  });
});
