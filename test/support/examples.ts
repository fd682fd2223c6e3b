import { sql } from 'kysely';
import { sealPending } from '../../src/modules/audit/index.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './app.ts';
import { expectJson, signIn } from './http.ts';
import { ssoExamples } from './examples-sso.ts';
import { PASSWORD, type World } from './world.ts';

/**
 * One valid request per operation of the API, keyed by operationId, aimed at org A's real
 * resources and meant to succeed when sent by A's admin (`world.admin`). The suites in
 * test/api/ derive their variants from these: other tenants and role-less members must be
 * refused the same request (isolation), it must be audited (audit completeness), and broken
 * copies of it must be refused cleanly (bad input).
 *
 * A builder creates the fixtures its request needs (as A's admin) before returning, fresh
 * ones whenever the request consumes them (a delete, a revoke, a rotation), so every call of
 * a builder gives a request that succeeds once.
 */
export interface Example {
  /** Path parameters by name (`orgId` included). */
  params: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** The status A's admin gets. */
  successStatus: number;
  /** The `noun:verb` the route authorizes and audits (every mutating route under /orgs/{orgId}). */
  action?: string;
  /**
   * A POST that changes nothing (a query that needs a body: policy validation, authz checks,
   * what-if): it authorizes and audits a denial, but a success writes no audit event.
   */
  readOnly?: boolean;
}

export type ExampleBuilder = (world: World) => Promise<Example>;

/** A valid organization security policy that changes nothing for the suites' callers. */
const securityPolicyExample = {
  mfa: { required: 'off', stepUpMinutes: 15 },
  password: { minLength: 14 },
  sessions: { idleMinutes: 30, absoluteHours: 12, maxConcurrent: 1000 },
  ipAllowList: { console: [], api: [], breakGlassUserIds: [] },
  lockout: { threshold: 5, baseSeconds: 30 },
};

let counter = 0;
/** Unique names within a test database (each test file has its own). */
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

function orgPath(w: World, path = ''): string {
  return `/api/v1/orgs/${w.orgA.id}${path}`;
}

// Fixture responses are read loosely; the suites check the API's shapes elsewhere.
async function createInA<T = any>(w: World, path: string, body: unknown, status = 201): Promise<T> {
  return expectJson<T>(w.t.app, w.admin, 'POST', orgPath(w, path), status, { body });
}

/** Fixtures in org A, created by A's admin; their ids and names join `world.secretsOfA()`. */
export const fixtures = {
  async workspace(w: World): Promise<{ id: string; name: string; slug: string }> {
    const slug = unique('acme-ws');
    const ws = await createInA(w, '/workspaces', { name: `Acme ${slug}`, slug });
    w.rememberSecretsOfA(ws.id, ws.name);
    return ws;
  },

  async project(w: World): Promise<{ id: string; name: string }> {
    const slug = unique('acme-prj');
    const project = await createInA(w, '/projects', { workspaceId: w.workspaceA.id, name: `Acme ${slug}`, slug });
    w.rememberSecretsOfA(project.id, project.name);
    return project;
  },

  async invitation(w: World): Promise<{ id: string; email: string; acceptUrl: string }> {
    const email = `${unique('invitee')}@acme.test`;
    const invitation = await createInA(w, '/invitations', { email, roleId: 'org-member' });
    w.rememberSecretsOfA(invitation.id, email);
    return invitation;
  },

  /** A new user who accepted an invitation into A (no session). */
  async member(w: World): Promise<{ userId: string; email: string }> {
    const invitation = await fixtures.invitation(w);
    const token = new URL(invitation.acceptUrl).searchParams.get('token')!;
    const accepted = await expectJson(w.t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', 200, {
      body: { token, displayName: invitation.email.split('@')[0], password: PASSWORD },
    });
    w.rememberSecretsOfA(accepted.userId);
    return { userId: accepted.userId, email: invitation.email };
  },

  /** A new member of A with a console session of their own. */
  async memberSession(w: World) {
    const member = await fixtures.member(w);
    return { ...member, session: await signIn(w.t.app, member.email, PASSWORD) };
  },

  async apiKey(w: World): Promise<{ id: string; name: string }> {
    const created = await createInA(w, '/api-keys', { name: unique('acme-key'), roleId: 'org-member' });
    w.rememberSecretsOfA(created.apiKey.id, created.apiKey.name);
    return created.apiKey;
  },

  async group(w: World): Promise<{ id: string; name: string }> {
    const group = await createInA(w, '/groups', { name: unique('acme-group'), description: 'fixture' });
    w.rememberSecretsOfA(group.id, group.name);
    return group;
  },

  async groupWithMember(w: World): Promise<{ id: string; name: string; userId: string }> {
    const group = await fixtures.group(w);
    const member = await fixtures.member(w);
    await expectJson(w.t.app, w.admin, 'PUT', orgPath(w, `/groups/${group.id}/members/${member.userId}`), 204);
    return { ...group, userId: member.userId };
  },

  async role(w: World): Promise<{ id: string; name: string }> {
    const role = await createInA(w, '/roles', {
      name: unique('acme-role'),
      description: 'fixture',
      scope: 'workspace',
      actions: ['workspace:read'],
    });
    w.rememberSecretsOfA(role.id, role.name);
    return role;
  },

  /** A binding on a fresh group (not on lowA, who must keep no role at all). */
  async binding(w: World): Promise<{ id: string }> {
    const group = await fixtures.group(w);
    const binding = await createInA(w, '/role-bindings', {
      roleId: 'workspace-viewer',
      subject: { type: 'group', id: group.id },
      scope: { type: 'workspace', id: w.workspaceA.id },
    });
    w.rememberSecretsOfA(binding.id);
    return binding;
  },

  async policy(w: World): Promise<{ id: string; name: string }> {
    const policy = await createInA(w, '/policies', {
      name: unique('acme-policy'),
      description: 'fixture',
      text: NEVER_APPLIES_POLICY,
      enabled: false,
    });
    w.rememberSecretsOfA(policy.id, policy.name);
    return policy;
  },

  // ---- compliance: PII rules ----
  async piiRule(w: World): Promise<{ id: string; name: string }> {
    const rule = await createInA(w, '/pii-rules', { name: unique('acme-pii-rule'), detector: 'iban', mode: 'read', style: 'redact' });
    w.rememberSecretsOfA(rule.id, rule.name);
    return rule;
  },

  async cluster(w: World): Promise<{ id: string; name: string }> {
    const cluster = await createInA(w, '/clusters', {
      name: unique('acme-cluster'),
      apiUrl: 'https://k8s.acme.invalid:6443',
      token: 'fixture-token-not-used',
    });
    w.rememberSecretsOfA(cluster.id, cluster.name);
    return cluster;
  },

  async placedWorkspace(w: World): Promise<{ id: string; clusterId: string }> {
    const ws = await fixtures.workspace(w);
    const cluster = await fixtures.cluster(w);
    await expectJson(w.t.app, w.admin, 'PUT', orgPath(w, `/workspaces/${ws.id}/placement`), 200, { body: { clusterId: cluster.id } });
    return { id: ws.id, clusterId: cluster.id };
  },

  /** A SIEM stream of A (signed NDJSON to a host that does not exist; the worker is not running). */
  async auditStream(w: World, destination: unknown = { kind: 'https', url: 'https://127.0.0.1:9/ingest', hmacSecret: 'acme-hmac-secret-1' }): Promise<{ id: string; name: string }> {
    const stream = await createInA(w, '/audit-streams', { name: unique('acme-siem'), destination });
    w.rememberSecretsOfA(stream.id, stream.name);
    return stream;
  },

  async auditEventId(w: World): Promise<string> {
    const row = await w.t.db
      .selectFrom('audit_events')
      .select('id')
      .where('org_id', '=', w.orgA.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    w.rememberSecretsOfA(row.id);
    return row.id;
  },

  /** Seals A's audit log (as the sealer worker would): its newest sealed event and checkpoint sizes. */
  async sealedAudit(w: World): Promise<{ eventId: string; oldestSize: number; latestSize: number }> {
    while ((await sealPending(w.t.deps)) > 0);
    const sizes = await sql<{ oldest: string; latest: string }>`
      SELECT min(tree_size) AS oldest, max(tree_size) AS latest FROM audit_checkpoints WHERE org_id = ${w.orgA.id}`.execute(w.t.db);
    const { oldest, latest } = sizes.rows[0]!;
    const event = await sql<{ id: string }>`
      SELECT event_id AS id FROM audit_leaves WHERE org_id = ${w.orgA.id} AND seq = ${latest}`.execute(w.t.db);
    const eventId = event.rows[0]!.id;
    w.rememberSecretsOfA(eventId);
    return { eventId, oldestSize: Number(oldest), latestSize: Number(latest) };
  },

  /** A saved audit search of A's admin. */
  async auditSearch(w: World): Promise<string> {
    const body = { name: unique('search'), filters: { action: 'workspace:' }, shared: false };
    const created = await expectJson(w.t.app, w.admin, 'POST', orgPath(w, '/audit-searches'), 201, { body });
    w.rememberSecretsOfA(created.id);
    return created.id;
  },

  /** An export of A's sealed audit log. */
  async auditExport(w: World): Promise<string> {
    await fixtures.sealedAudit(w);
    const created = await expectJson(w.t.app, w.admin, 'POST', orgPath(w, '/audit-exports'), 201, { body: { filters: { action: 'workspace:' } } });
    w.rememberSecretsOfA(created.id);
    return created.id;
  },

  // ---- webhooks: the test config allow-lists 127.0.0.0/8; nothing listens on port 9 ----
  /** A price version of A (a unique effective time per call). */
  async costPrice(w: World): Promise<{ id: string }> {
    const n = Number(unique('p').slice(2));
    const price = await createInA(w, '/cost/prices', costPriceBody(n));
    w.rememberSecretsOfA(price.id);
    return price;
  },

  /** A FOCUS tag rule of A mapping to A's workspace. */
  async costFocusRule(w: World): Promise<{ id: string }> {
    const rule = await createInA(w, '/cost/focus-rules', { tagKey: 'team', value: unique('acme-team'), workspaceId: w.workspaceA.id });
    w.rememberSecretsOfA(rule.id);
    return rule;
  },

  /** An imported FOCUS bill of A (a unique file per call: the same file imports once). */
  async costFocusImport(w: World): Promise<{ id: string }> {
    const imported = await createInA(w, '/cost/focus-imports', { csv: focusBill(unique('acme-res'), w.workspaceA.slug) });
    w.rememberSecretsOfA(imported.id);
    return imported;
  },

  async costSource(w: World): Promise<{ id: string; name: string }> {
    const name = unique('acme-prom');
    const source = await createInA(w, '/cost/sources', { name, cluster: name, url: 'http://127.0.0.1:9', provider: 'aws', region: 'eu-west-1', bearerToken: 'acme-prom-token' });
    w.rememberSecretsOfA(source.id, name);
    return source;
  },

  async webhook(w: World): Promise<{ id: string; name: string }> {
    const { webhook } = await createInA(w, '/webhooks', { name: unique('acme-hook'), url: 'http://127.0.0.1:9/hook', eventTypes: ['workspace.created'] });
    w.rememberSecretsOfA(webhook.id, webhook.name);
    return webhook;
  },

  // ---- notification channels (ADR 0016): a Slack-compatible one at a closed loopback port ----
  /** A budget of A's workspace. */
  async budget(w: World): Promise<{ id: string; name: string }> {
    const budget = await createInA(w, '/budgets', { name: unique('acme-budget'), workspaceId: w.workspaceA.id, period: 'monthly', amount: '1000' });
    w.rememberSecretsOfA(budget.id, budget.name);
    return budget;
  },

  /** A cost report schedule of A (to the business units' managers). */
  async reportSchedule(w: World): Promise<{ id: string; name: string }> {
    const schedule = await createInA(w, '/cost/report-schedules', { name: unique('acme-report'), format: 'pdf', recipients: 'managers', dayOfMonth: 3 });
    w.rememberSecretsOfA(schedule.id, schedule.name);
    return schedule;
  },

  /** A fixed-price contract of A. */
  async contract(w: World): Promise<{ id: string; name: string }> {
    const contract = await createInA(w, '/contracts', { name: unique('acme-contract'), period: 'monthly', commitment: '50000', startsOn: '2026-01-01' });
    w.rememberSecretsOfA(contract.id, contract.name);
    return contract;
  },

  async notificationChannel(w: World): Promise<{ id: string; name: string }> {
    const channel = await createInA(w, '/notification-channels', { name: unique('acme-alerts'), kind: 'slack', webhookUrl: 'http://127.0.0.1:9/services/T0/B0/x' });
    w.rememberSecretsOfA(channel.id, channel.name);
    return channel;
  },

  /** A webhook with one (failed, pending) ping delivery. */
  async webhookDelivery(w: World): Promise<{ webhookId: string; deliveryId: string }> {
    const webhook = await fixtures.webhook(w);
    const delivery = await createInA(w, `/webhooks/${webhook.id}/ping`, undefined);
    w.rememberSecretsOfA(delivery.id, delivery.eventId);
    return { webhookId: webhook.id, deliveryId: delivery.id };
  },
};

// ---- access log and retention (ADR 0009) ----

/** A fresh, active legal hold on A's finance workspace. */
async function legalHoldInA(w: World): Promise<{ id: string; name: string }> {
  const hold = await createInA(w, '/legal-holds', { name: unique('acme-hold'), reason: 'fixture', scope: { type: 'workspace', id: w.workspaceA.id } });
  w.rememberSecretsOfA(hold.id, hold.name);
  return hold;
}

const accessLogAndRetentionExamples: Record<string, ExampleBuilder> = {
  listAccessLog: async (w) => ({ params: inA(w), query: { status: '2xx', method: 'GET', route: '/api/v1/orgs/', limit: '5' }, successStatus: 200 }),
  getAccessLogSummary: async (w) => ({ params: inA(w), query: { bucket: 'hour' }, successStatus: 200 }),
  getRetention: async (w) => ({ params: inA(w), successStatus: 200 }),
  setRetention: async (w) => ({
    params: inA(w),
    body: { auditDays: 400, accessLogDays: 60, workspaces: [{ workspaceId: w.workspaceA.id, auditDays: 730 }] },
    successStatus: 200,
    action: 'retention:update',
  }),
  listRetentionRuns: async (w) => ({ params: inA(w), query: { limit: '5' }, successStatus: 200 }),
  createLegalHold: async (w) => {
    const name = unique('acme-new-hold');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, reason: 'litigation', scope: { type: 'workspace', id: w.workspaceA.id } }, successStatus: 201, action: 'legal-hold:create' };
  },
  listLegalHolds: async (w) => ({ params: inA(w), query: { status: 'active', limit: '5' }, successStatus: 200 }),
  getLegalHold: async (w) => ({ params: inA(w, { holdId: (await legalHoldInA(w)).id }), successStatus: 200 }),
  releaseLegalHold: async (w) => ({ params: inA(w, { holdId: (await legalHoldInA(w)).id }), body: { reason: 'matter closed' }, successStatus: 200, action: 'legal-hold:release' }),
};

/** A valid Cedar policy that can never apply: fixtures must not change who may do what. */
export const NEVER_APPLIES_POLICY = 'forbid (principal, action, resource) when { false };';

/** A valid list price; `n` makes its effective time unique. */
/** A one-line FOCUS 1.x bill in USD (org A's currency in the suites' world). */
function focusBill(resourceId: string, team: string): string {
  const header = 'BilledCost,EffectiveCost,ListCost,ContractedCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ServiceName,ServiceCategory,ProviderName,ResourceId,Tags';
  return `${header}\n1.5,1.25,1.5,1.5,USD,2026-01-01T00:00:00Z,2026-02-01T00:00:00Z,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,Usage,Amazon EC2,Compute,AWS,${resourceId},"{""team"":""${team}""}"\n`;
}

function costPriceBody(n: number) {
  return {
    provider: 'aws', region: 'eu-west-1', effectiveFrom: new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString(), currency: 'USD',
    rates: { cpuCoreHour: 31_611, memoryGibHour: 4_237, storageGibMonth: 100_000, gpuHour: 0, egressGib: 90_000 }, discountBp: 500,
  };
}

const inA = (w: World, more: Record<string, string> = {}) => ({ orgId: w.orgA.id, ...more });

/** A SCIM token of org A (a fresh one per call: rotation and revocation consume it). */
async function scimTokenInA(w: World): Promise<{ id: string; name: string }> {
  const created = await createInA(w, '/scim-tokens', { name: unique('acme-scim') });
  w.rememberSecretsOfA(created.scimToken.id, created.scimToken.name);
  return created.scimToken;
}

export const examples: Record<string, ExampleBuilder> = {
  // ---- tenancy: organizations ----
  createOrganization: async () => {
    const slug = unique('org');
    return { params: {}, body: { name: `Org ${slug}`, slug }, successStatus: 201, action: 'organization:create' };
  },
  listOrganizations: async () => ({ params: {}, query: { limit: '10' }, successStatus: 200 }),
  getOrganization: async (w) => ({ params: inA(w), successStatus: 200 }),
  // Leaves the name alone: it is one of the secrets the isolation suite looks for.
  updateOrganization: async (w) => ({ params: inA(w), body: { timeZone: 'Asia/Tokyo' }, successStatus: 200, action: 'organization:update' }),

  // ---- workspaces ----
  createWorkspace: async (w) => {
    const slug = unique('acme-new-ws');
    w.rememberSecretsOfA(`Acme ${slug}`);
    return { params: inA(w), body: { name: `Acme ${slug}`, slug, description: 'new' }, successStatus: 201, action: 'workspace:create' };
  },
  listWorkspaces: async (w) => ({ params: inA(w), query: { limit: '5', q: 'Finance' }, successStatus: 200 }),
  getWorkspace: async (w) => ({ params: inA(w, { workspaceId: w.workspaceA.id }), successStatus: 200 }),
  updateWorkspace: async (w) => ({
    params: inA(w, { workspaceId: w.workspaceA.id }),
    body: { description: 'finance business unit' },
    successStatus: 200,
    action: 'workspace:update',
  }),
  deleteWorkspace: async (w) => ({ params: inA(w, { workspaceId: (await fixtures.workspace(w)).id }), successStatus: 204, action: 'workspace:delete' }),
  setWorkspaceQuota: async (w) => ({
    params: inA(w, { workspaceId: w.workspaceA.id }),
    body: { cpu: '64', memory: '256Gi', storage: null, pods: 500 },
    successStatus: 200,
    action: 'quota:update',
  }),

  // ---- projects ----
  createProject: async (w) => {
    const slug = unique('acme-new-prj');
    w.rememberSecretsOfA(`Acme ${slug}`);
    return { params: inA(w), body: { workspaceId: w.workspaceA.id, name: `Acme ${slug}`, slug }, successStatus: 201, action: 'project:create' };
  },
  listProjects: async (w) => ({ params: inA(w), query: { workspaceId: w.workspaceA.id, limit: '5' }, successStatus: 200 }),
  getProject: async (w) => ({ params: inA(w, { projectId: w.projectA.id }), successStatus: 200 }),
  updateProject: async (w) => ({ params: inA(w, { projectId: w.projectA.id }), body: { description: 'the ledger' }, successStatus: 200, action: 'project:update' }),
  deleteProject: async (w) => ({ params: inA(w, { projectId: (await fixtures.project(w)).id }), successStatus: 204, action: 'project:delete' }),
  setProjectQuota: async (w) => ({ params: inA(w, { projectId: w.projectA.id }), body: { cpu: '8' }, successStatus: 200, action: 'quota:update' }),

  // ---- members and invitations ----
  listMembers: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  removeMember: async (w) => ({ params: inA(w, { userId: (await fixtures.member(w)).userId }), successStatus: 204, action: 'member:remove' }),
  createInvitation: async (w) => {
    const email = `${unique('new-invitee')}@acme.test`;
    w.rememberSecretsOfA(email);
    return { params: inA(w), body: { email, roleId: 'org-member', expiresInHours: 24 }, successStatus: 201, action: 'invitation:create' };
  },
  listInvitations: async (w) => ({ params: inA(w), query: { status: 'pending' }, successStatus: 200 }),
  revokeInvitation: async (w) => ({ params: inA(w, { invitationId: (await fixtures.invitation(w)).id }), successStatus: 200, action: 'invitation:revoke' }),
  acceptInvitation: async (w) => {
    const invitation = await fixtures.invitation(w);
    const token = new URL(invitation.acceptUrl).searchParams.get('token')!;
    return { params: {}, body: { token, displayName: 'New Person', password: PASSWORD }, successStatus: 200, action: 'invitation:accept' };
  },

  // ---- audit ----
  listAuditEvents: async (w) => ({ params: inA(w), query: { action: 'workspace:', outcome: 'success', limit: '5' }, successStatus: 200 }),
  getAuditEvent: async (w) => ({ params: inA(w, { eventId: await fixtures.auditEventId(w) }), successStatus: 200 }),
  listAuditCheckpoints: async (w) => {
    await fixtures.sealedAudit(w);
    return { params: inA(w), query: { limit: '5' }, successStatus: 200 };
  },
  getLatestAuditCheckpoint: async (w) => {
    await fixtures.sealedAudit(w);
    return { params: inA(w), successStatus: 200 };
  },
  getAuditEventProof: async (w) => {
    const sealed = await fixtures.sealedAudit(w);
    return { params: inA(w, { eventId: sealed.eventId }), query: { treeSize: String(sealed.latestSize) }, successStatus: 200 };
  },
  getAuditConsistencyProof: async (w) => {
    const sealed = await fixtures.sealedAudit(w);
    return { params: inA(w), query: { from: String(sealed.oldestSize), to: String(sealed.latestSize) }, successStatus: 200 };
  },
  listAuditPublicKeys: async (w) => {
    await fixtures.sealedAudit(w);
    return { params: {}, query: { limit: '10' }, successStatus: 200 };
  },
  getAuditTimeline: async (w) => ({ params: inA(w), query: { bucket: 'hour', action: 'workspace:' }, successStatus: 200 }),
  createAuditSearch: async (w) => ({
    params: inA(w), body: { name: unique('denied-keys'), filters: { outcome: 'denied', action: 'api-key:' }, shared: true },
    successStatus: 201, action: 'audit-search:create',
  }),
  listAuditSearches: async (w) => {
    await fixtures.auditSearch(w);
    return { params: inA(w), query: { limit: '5' }, successStatus: 200 };
  },
  updateAuditSearch: async (w) => ({
    params: inA(w, { searchId: await fixtures.auditSearch(w) }), body: { name: unique('renamed'), shared: false },
    successStatus: 200, action: 'audit-search:update',
  }),
  deleteAuditSearch: async (w) => ({ params: inA(w, { searchId: await fixtures.auditSearch(w) }), successStatus: 204, action: 'audit-search:delete' }),
  createAuditExport: async (w) => {
    await fixtures.sealedAudit(w);
    return { params: inA(w), body: { format: 'csv', filters: { action: 'workspace:', outcome: 'success' } }, successStatus: 201, action: 'audit:export' };
  },
  listAuditExports: async (w) => {
    await fixtures.auditExport(w);
    return { params: inA(w), query: { limit: '5' }, successStatus: 200 };
  },
  getAuditExport: async (w) => ({ params: inA(w, { exportId: await fixtures.auditExport(w) }), successStatus: 200 }),
  downloadAuditExport: async (w) => ({ params: inA(w, { exportId: await fixtures.auditExport(w) }), successStatus: 200 }),
  getAuditExportProof: async (w) => ({ params: inA(w, { exportId: await fixtures.auditExport(w) }), successStatus: 200 }),

  // ---- identity: sessions and the caller ----
  signIn: async () => ({ params: {}, body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, successStatus: 200, action: 'session:create' }),
  signOut: async () => ({ params: {}, successStatus: 204, action: 'session:delete' }),
  getMe: async () => ({ params: {}, successStatus: 200 }),
  listMySessions: async () => ({ params: {}, query: { limit: '10' }, successStatus: 200 }),
  revokeMySession: async (w) => {
    const other = await signIn(w.t.app);
    const me = await expectJson(w.t.app, other, 'GET', '/api/v1/me', 200);
    return { params: { sessionId: me.sessionId }, successStatus: 204, action: 'session:revoke' };
  },
  changeMyPassword: async () => ({
    params: {},
    body: { currentPassword: ADMIN_PASSWORD, newPassword: 'another long test password 77' },
    successStatus: 204,
    action: 'password:update',
  }),

  // ---- API keys ----
  createApiKey: async (w) => {
    const name = unique('acme-new-key');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, roleId: 'workspace-viewer', workspaceId: w.workspaceA.id, expiresInDays: 30 }, successStatus: 201, action: 'api-key:create' };
  },
  listApiKeys: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  getApiKey: async (w) => ({ params: inA(w, { keyId: (await fixtures.apiKey(w)).id }), successStatus: 200 }),
  rotateApiKey: async (w) => ({ params: inA(w, { keyId: (await fixtures.apiKey(w)).id }), body: { overlapMinutes: 5 }, successStatus: 201, action: 'api-key:rotate' }),
  revokeApiKey: async (w) => ({ params: inA(w, { keyId: (await fixtures.apiKey(w)).id }), successStatus: 200, action: 'api-key:revoke' }),

  // ---- SCIM tokens (identity, SCIM provisioning) ----
  createScimToken: async (w) => {
    const name = unique('acme-new-scim');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name }, successStatus: 201, action: 'scim-token:create' };
  },
  listScimTokens: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  rotateScimToken: async (w) => ({ params: inA(w, { tokenId: (await scimTokenInA(w)).id }), body: { overlapMinutes: 5 }, successStatus: 201, action: 'scim-token:rotate' }),
  revokeScimToken: async (w) => ({ params: inA(w, { tokenId: (await scimTokenInA(w)).id }), successStatus: 200, action: 'scim-token:revoke' }),

  // ---- groups ----
  createGroup: async (w) => {
    const name = unique('acme-new-group');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, description: 'people' }, successStatus: 201, action: 'group:create' };
  },
  listGroups: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  getGroup: async (w) => ({ params: inA(w, { groupId: (await fixtures.group(w)).id }), successStatus: 200 }),
  updateGroup: async (w) => ({ params: inA(w, { groupId: (await fixtures.group(w)).id }), body: { description: 'changed' }, successStatus: 200, action: 'group:update' }),
  deleteGroup: async (w) => ({ params: inA(w, { groupId: (await fixtures.group(w)).id }), successStatus: 204, action: 'group:delete' }),
  listGroupMembers: async (w) => ({ params: inA(w, { groupId: (await fixtures.groupWithMember(w)).id }), successStatus: 200 }),
  addGroupMember: async (w) => {
    const group = await fixtures.group(w);
    const member = await fixtures.member(w);
    return { params: inA(w, { groupId: group.id, userId: member.userId }), successStatus: 204, action: 'group:update' };
  },
  removeGroupMember: async (w) => {
    const group = await fixtures.groupWithMember(w);
    return { params: inA(w, { groupId: group.id, userId: group.userId }), successStatus: 204, action: 'group:update' };
  },

  // ---- access: roles, bindings, policies, decisions ----
  listActions: async (w) => ({ params: inA(w), successStatus: 200 }),
  listRoles: async (w) => ({ params: inA(w), successStatus: 200 }),
  createRole: async (w) => {
    const name = unique('acme-new-role');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, description: 'readers', scope: 'workspace', actions: ['workspace:read', 'project:read'] }, successStatus: 201, action: 'role:create' };
  },
  getRole: async (w) => ({ params: inA(w, { roleId: (await fixtures.role(w)).id }), successStatus: 200 }),
  updateRole: async (w) => ({ params: inA(w, { roleId: (await fixtures.role(w)).id }), body: { description: 'changed' }, successStatus: 200, action: 'role:update' }),
  deleteRole: async (w) => ({ params: inA(w, { roleId: (await fixtures.role(w)).id }), successStatus: 204, action: 'role:delete' }),
  listRoleBindings: async (w) => ({ params: inA(w), query: { scopeId: w.workspaceA.id }, successStatus: 200 }),
  createRoleBinding: async (w) => {
    const group = await fixtures.group(w);
    return {
      params: inA(w),
      body: { roleId: 'workspace-viewer', subject: { type: 'group', id: group.id }, scope: { type: 'workspace', id: w.workspaceA.id } },
      successStatus: 201,
      action: 'role-binding:create',
    };
  },
  deleteRoleBinding: async (w) => ({ params: inA(w, { bindingId: (await fixtures.binding(w)).id }), successStatus: 204, action: 'role-binding:delete' }),
  listPolicies: async (w) => ({ params: inA(w), successStatus: 200 }),
  createPolicy: async (w) => {
    const name = unique('acme-new-policy');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, description: 'never', text: NEVER_APPLIES_POLICY, enabled: false }, successStatus: 201, action: 'policy:create' };
  },
  getPolicy: async (w) => ({ params: inA(w, { policyId: (await fixtures.policy(w)).id }), successStatus: 200 }),
  updatePolicy: async (w) => ({ params: inA(w, { policyId: (await fixtures.policy(w)).id }), body: { description: 'changed' }, successStatus: 200, action: 'policy:update' }),
  deletePolicy: async (w) => ({ params: inA(w, { policyId: (await fixtures.policy(w)).id }), successStatus: 204, action: 'policy:delete' }),
  validatePolicy: async (w) => ({ params: inA(w), body: { text: NEVER_APPLIES_POLICY }, successStatus: 200, action: 'policy:read', readOnly: true }),
  getPolicySchema: async (w) => ({ params: inA(w), successStatus: 200 }),
  // About a third member: asking about anyone but yourself needs access:simulate (asking about
  // yourself is open to every member by design, so it would not exercise the authorization).
  checkAccess: async (w) => ({
    params: inA(w),
    body: { action: 'workspace:read', resource: { type: 'workspace', id: w.workspaceA.id }, principal: { type: 'user', id: (await fixtures.member(w)).userId } },
    successStatus: 200,
    action: 'access:simulate',
    readOnly: true,
  }),
  whoCan: async (w) => ({
    params: inA(w),
    body: { action: 'workspace:read', resource: { type: 'workspace', id: w.workspaceA.id } },
    successStatus: 200,
    action: 'access:simulate',
    readOnly: true,
  }),
  whatIf: async (w) => {
    const group = await fixtures.group(w);
    return {
      params: inA(w),
      body: {
        change: { kind: 'addBinding', roleId: 'workspace-viewer', subject: { type: 'group', id: group.id }, scope: { type: 'workspace', id: w.workspaceA.id } },
      },
      successStatus: 200,
      action: 'access:simulate',
      readOnly: true,
    };
  },

  // ---- compliance: PII masking ----
  listPiiRules: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  createPiiRule: async (w) => {
    const name = unique('acme-new-pii-rule');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, detector: 'ip-address', mode: 'read', style: 'partial', appliesTo: { payload: false, actorIp: true } }, successStatus: 201, action: 'pii-rule:create' };
  },
  getPiiRule: async (w) => ({ params: inA(w, { ruleId: (await fixtures.piiRule(w)).id }), successStatus: 200 }),
  updatePiiRule: async (w) => ({ params: inA(w, { ruleId: (await fixtures.piiRule(w)).id }), body: { enabled: false }, successStatus: 200, action: 'pii-rule:update' }),
  deletePiiRule: async (w) => ({ params: inA(w, { ruleId: (await fixtures.piiRule(w)).id }), successStatus: 204, action: 'pii-rule:delete' }),
  previewPiiMasking: async (w) => ({ params: inA(w), body: { text: 'card 4111 1111 1111 1111' }, successStatus: 200, action: 'pii-rule:read', readOnly: true }),

  // ---- integrations: clusters and placement ----
  createCluster: async (w) => {
    const name = unique('acme-new-cluster');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, apiUrl: 'https://k8s.acme.invalid:6443', token: 'a-service-account-token' }, successStatus: 201, action: 'cluster:create' };
  },
  listClusters: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  getCluster: async (w) => ({ params: inA(w, { clusterId: (await fixtures.cluster(w)).id }), successStatus: 200 }),
  updateCluster: async (w) => ({ params: inA(w, { clusterId: (await fixtures.cluster(w)).id }), body: { labels: { tier: 'gold' } }, successStatus: 200, action: 'cluster:update' }),
  deleteCluster: async (w) => ({ params: inA(w, { clusterId: (await fixtures.cluster(w)).id }), successStatus: 204, action: 'cluster:delete' }),
  placeWorkspace: async (w) => {
    const ws = await fixtures.workspace(w);
    const cluster = await fixtures.cluster(w);
    return { params: inA(w, { workspaceId: ws.id }), body: { clusterId: cluster.id }, successStatus: 200, action: 'cluster:assign' };
  },
  unplaceWorkspace: async (w) => ({ params: inA(w, { workspaceId: (await fixtures.placedWorkspace(w)).id }), successStatus: 200, action: 'cluster:assign' }),
  getWorkspaceReconciliation: async (w) => ({ params: inA(w, { workspaceId: (await fixtures.placedWorkspace(w)).id }), successStatus: 200 }),
  getWorkspaceManifests: async (w) => ({ params: inA(w, { workspaceId: w.workspaceA.id }), successStatus: 200 }),

  // ---- integrations: outbound webhooks ----
  listWebhookEventTypes: async (w) => ({ params: inA(w), successStatus: 200 }),
  createWebhook: async (w) => {
    const name = unique('acme-new-hook');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, url: 'http://127.0.0.1:9/new', eventTypes: ['workspace.created', 'member.removed'] }, successStatus: 201, action: 'webhook:create' };
  },
  listWebhooks: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  getWebhook: async (w) => ({ params: inA(w, { webhookId: (await fixtures.webhook(w)).id }), successStatus: 200 }),
  updateWebhook: async (w) => ({ params: inA(w, { webhookId: (await fixtures.webhook(w)).id }), body: { eventTypes: ['*'] }, successStatus: 200, action: 'webhook:update' }),
  deleteWebhook: async (w) => ({ params: inA(w, { webhookId: (await fixtures.webhook(w)).id }), successStatus: 204, action: 'webhook:delete' }),
  rotateWebhookSecret: async (w) => ({ params: inA(w, { webhookId: (await fixtures.webhook(w)).id }), body: { overlapMinutes: 10 }, successStatus: 201, action: 'webhook:rotate' }),
  pingWebhook: async (w) => ({ params: inA(w, { webhookId: (await fixtures.webhook(w)).id }), successStatus: 201, action: 'webhook:redeliver' }),
  listWebhookDeliveries: async (w) => ({ params: inA(w, { webhookId: (await fixtures.webhookDelivery(w)).webhookId }), query: { status: 'pending' }, successStatus: 200 }),
  getWebhookDelivery: async (w) => {
    const { webhookId, deliveryId } = await fixtures.webhookDelivery(w);
    return { params: inA(w, { webhookId, deliveryId }), successStatus: 200 };
  },
  redeliverWebhookDelivery: async (w) => {
    const { webhookId, deliveryId } = await fixtures.webhookDelivery(w);
    return { params: inA(w, { webhookId, deliveryId }), successStatus: 202, action: 'webhook:redeliver' };
  },
  // ---- integrations: notification channels ----
  createNotificationChannel: async (w) => {
    const name = unique('acme-new-alerts');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, kind: 'email', recipients: ['finance@acme.example'] }, successStatus: 201, action: 'notification-channel:create' };
  },
  listNotificationChannels: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  getNotificationChannel: async (w) => ({ params: inA(w, { channelId: (await fixtures.notificationChannel(w)).id }), successStatus: 200 }),
  updateNotificationChannel: async (w) => ({ params: inA(w, { channelId: (await fixtures.notificationChannel(w)).id }), body: { enabled: false }, successStatus: 200, action: 'notification-channel:update' }),
  deleteNotificationChannel: async (w) => ({ params: inA(w, { channelId: (await fixtures.notificationChannel(w)).id }), successStatus: 204, action: 'notification-channel:delete' }),
  testNotificationChannel: async (w) => ({ params: inA(w, { channelId: (await fixtures.notificationChannel(w)).id }), successStatus: 200, action: 'notification-channel:test' }),
  ...accessLogAndRetentionExamples,
  // ---- identity: MFA and organization security policy (ADR 0013) ----
  completeMfaSignIn: async () => ({ params: {}, body: { mfaToken: 'm'.repeat(43), totp: '123456' }, successStatus: 200, action: 'session:create' }),
  stepUp: async () => ({ params: {}, body: { totp: '123456' }, successStatus: 200, action: 'session:step-up' }),
  getMyMfa: async () => ({ params: {}, successStatus: 200 }),
  startTotpEnrolment: async () => ({ params: {}, successStatus: 201 }),
  confirmTotpEnrolment: async () => ({ params: {}, body: { code: '123456' }, successStatus: 200, action: 'mfa:enroll' }),
  removeTotp: async () => ({ params: {}, successStatus: 204, action: 'mfa:remove' }),
  getWebauthnRegistrationOptions: async () => ({ params: {}, successStatus: 200 }),
  registerWebauthnCredential: async () => ({
    params: {},
    body: { name: 'laptop', response: { id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' }, clientExtensionResults: {} } },
    successStatus: 201,
    action: 'mfa:enroll',
  }),
  getWebauthnAuthenticationOptions: async () => ({ params: {}, successStatus: 200 }),
  removeWebauthnCredential: async () => ({ params: { credentialId: 'AAAAAAAAAAAAAAAAAAAAAA' }, successStatus: 204, action: 'mfa:remove' }),
  regenerateRecoveryCodes: async () => ({ params: {}, successStatus: 201, action: 'mfa:regenerate-codes' }),
  getSecurityPolicy: async (w) => ({ params: inA(w), successStatus: 200 }),
  putSecurityPolicy: async (w) => ({ params: inA(w), body: securityPolicyExample, successStatus: 200, action: 'security-policy:update' }),
  // ---- audit: SIEM streams (ADR 0007) ----
  createAuditStream: async (w) => {
    const name = unique('acme-new-siem');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, destination: { kind: 'splunk-hec', url: 'https://127.0.0.1:9', token: 'acme-hec-token-1' }, filters: { minSeverity: 'medium' } }, successStatus: 201, action: 'audit-stream:create' };
  },
  listAuditStreams: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  getAuditStream: async (w) => ({ params: inA(w, { streamId: (await fixtures.auditStream(w)).id }), successStatus: 200 }),
  updateAuditStream: async (w) => ({ params: inA(w, { streamId: (await fixtures.auditStream(w)).id }), body: { status: 'paused', batch: { maxEvents: 100, maxWaitMs: 1000 } }, successStatus: 200, action: 'audit-stream:update' }),
  deleteAuditStream: async (w) => ({ params: inA(w, { streamId: (await fixtures.auditStream(w)).id }), successStatus: 204, action: 'audit-stream:delete' }),
  replayAuditStream: async (w) => ({ params: inA(w, { streamId: (await fixtures.auditStream(w)).id }), body: { fromSeq: 1 }, successStatus: 200, action: 'audit-stream:replay' }),
  resumeAuditStream: async (w) => ({ params: inA(w, { streamId: (await fixtures.auditStream(w)).id }), successStatus: 200, action: 'audit-stream:update' }),
  testAuditStream: async (w) => ({
    params: inA(w, { streamId: (await fixtures.auditStream(w, { kind: 'ocsf-file', directory: 'acme' })).id }),
    successStatus: 200,
    action: 'audit-stream:update',
    readOnly: true,
  }),
  // ---- cost (ADR 0015) ----
  listCostPrices: async (w) => ({ params: inA(w), query: { provider: 'aws' }, successStatus: 200 }),
  createCostPrice: async (w) => ({ params: inA(w), body: costPriceBody(Number(unique('p').slice(2))), successStatus: 201, action: 'cost:configure' }),
  exportCostPrices: async (w) => ({ params: inA(w), successStatus: 200 }),
  importCostPrices: async (w) => ({
    params: inA(w),
    body: { csv: `provider,region,effective_from,currency,kind,cpu_core_hour,memory_gib_hour,storage_gib_month,gpu_hour,egress_gib,discount_percent,note\nonprem,dc-${unique('dc')},2026-01-01T00:00:00Z,USD,on-prem,0.02,0.003,0.05,0,0,0,rack\n` },
    successStatus: 200,
    action: 'cost:configure',
  }),
  getCostPrice: async (w) => ({ params: inA(w, { priceId: (await fixtures.costPrice(w)).id }), successStatus: 200 }),
  updateCostPrice: async (w) => ({ params: inA(w, { priceId: (await fixtures.costPrice(w)).id }), body: { discountBp: 1000, rates: { cpuCoreHour: 30_000 } }, successStatus: 200, action: 'cost:configure' }),
  deleteCostPrice: async (w) => ({ params: inA(w, { priceId: (await fixtures.costPrice(w)).id }), successStatus: 204, action: 'cost:configure' }),
  getCostSettings: async (w) => ({ params: inA(w), successStatus: 200 }),
  putCostSettings: async (w) => ({
    params: inA(w),
    body: { costModel: 'max', idle: { mode: 'owner', workspaceId: w.workspaceA.id }, shared: [{ namespace: 'monitoring', split: 'fixed', shares: { [w.workspaceA.id]: 5000 } }], namespaces: { legacy: w.workspaceA.id } },
    successStatus: 200,
    action: 'cost:configure',
  }),
  listCostSources: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  createCostSource: async (w) => {
    const name = unique('acme-new-prom');
    w.rememberSecretsOfA(name);
    return { params: inA(w), body: { name, cluster: name, url: 'http://127.0.0.1:9', provider: 'aws', region: 'eu-west-1' }, successStatus: 201, action: 'cost:configure' };
  },
  getCostSource: async (w) => ({ params: inA(w, { sourceId: (await fixtures.costSource(w)).id }), successStatus: 200 }),
  updateCostSource: async (w) => ({ params: inA(w, { sourceId: (await fixtures.costSource(w)).id }), body: { region: 'eu-west-2' }, successStatus: 200, action: 'cost:configure' }),
  deleteCostSource: async (w) => ({ params: inA(w, { sourceId: (await fixtures.costSource(w)).id }), successStatus: 204, action: 'cost:configure' }),
  // Nothing listens on 127.0.0.1:9: the run is recorded as failed and answered with 200.
  collectCostUsage: async (w) => ({ params: inA(w, { sourceId: (await fixtures.costSource(w)).id }), body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T02:00:00Z' }, successStatus: 200, action: 'cost:collect' }),
  pushCostUsage: async (w) => ({
    params: inA(w),
    body: { provider: 'aws', region: 'eu-west-1', samples: [{ cluster: 'acme-push', namespace: `hx-${w.workspaceA.slug}`, pod: 'web-0', hour: '2026-01-01T00:00:00Z', cpuRequestMcores: 500, cpuUsageMcores: 700, memoryRequestMib: 1024, memoryUsageMib: 800, labels: { team: 'web' } }] },
    successStatus: 200,
    action: 'cost:ingest',
  }),
  getCostAllocation: async (w) => ({ params: inA(w), query: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', groupBy: 'workspace' }, successStatus: 200 }),
  // ---- fixed-price contracts ----
  listContracts: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  createContract: async (w) => ({
    params: inA(w),
    body: { name: unique('acme-new-contract'), period: 'quarterly', commitment: '150000.50', overageRateBp: 11_000, startsOn: '2026-04-01', endsOn: '2027-04-01' },
    successStatus: 201,
    action: 'contract:create',
  }),
  getContract: async (w) => ({ params: inA(w, { contractId: (await fixtures.contract(w)).id }), successStatus: 200 }),
  updateContract: async (w) => ({ params: inA(w, { contractId: (await fixtures.contract(w)).id }), body: { commitment: '60000', endsOn: '2027-01-01' }, successStatus: 200, action: 'contract:update' }),
  deleteContract: async (w) => ({ params: inA(w, { contractId: (await fixtures.contract(w)).id }), successStatus: 204, action: 'contract:delete' }),
  getContractStatement: async (w) => ({ params: inA(w, { contractId: (await fixtures.contract(w)).id }), query: { period: '2026-01-15' }, successStatus: 200 }),
  exportContractStatement: async (w) => ({ params: inA(w, { contractId: (await fixtures.contract(w)).id }), query: { period: '2026-01-15' }, successStatus: 200 }),
  // ---- cost reports ----
  getCostReport: async (w) => ({ params: inA(w), query: { period: '2026-01', label: 'team' }, successStatus: 200 }),
  exportCostReportCsv: async (w) => ({ params: inA(w), query: { period: '2026-01', label: 'team' }, successStatus: 200 }),
  exportCostReportPdf: async (w) => ({ params: inA(w), query: { from: '2026-01-01', to: '2026-01-15' }, successStatus: 200 }),
  listReportSchedules: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  createReportSchedule: async (w) => ({
    params: inA(w),
    body: { name: unique('acme-new-report'), format: 'csv', label: 'team', recipients: 'emails', emails: ['finance@acme.example'], dayOfMonth: 5 },
    successStatus: 201,
    action: 'report:create',
  }),
  getReportSchedule: async (w) => ({ params: inA(w, { scheduleId: (await fixtures.reportSchedule(w)).id }), successStatus: 200 }),
  updateReportSchedule: async (w) => ({ params: inA(w, { scheduleId: (await fixtures.reportSchedule(w)).id }), body: { dayOfMonth: 10, format: 'csv' }, successStatus: 200, action: 'report:update' }),
  deleteReportSchedule: async (w) => ({ params: inA(w, { scheduleId: (await fixtures.reportSchedule(w)).id }), successStatus: 204, action: 'report:delete' }),
  // A month without spend: no business unit to write to, so no SMTP server is needed; the send is still audited.
  sendReportSchedule: async (w) => ({ params: inA(w, { scheduleId: (await fixtures.reportSchedule(w)).id }), body: { period: '2020-01' }, successStatus: 200, action: 'report:send' }),
  // ---- FOCUS bills (docs/cost.md "FOCUS") ----
  listCostFocusRules: async (w) => ({ params: inA(w), successStatus: 200 }),
  createCostFocusRule: async (w) => ({ params: inA(w), body: { tagKey: 'team', pattern: 'acme-(web|shop)', workspaceId: w.workspaceA.id }, successStatus: 201, action: 'cost:configure' }),
  getCostFocusRule: async (w) => ({ params: inA(w, { ruleId: (await fixtures.costFocusRule(w)).id }), successStatus: 200 }),
  updateCostFocusRule: async (w) => ({ params: inA(w, { ruleId: (await fixtures.costFocusRule(w)).id }), body: { value: 'acme-web', position: 5 }, successStatus: 200, action: 'cost:configure' }),
  deleteCostFocusRule: async (w) => ({ params: inA(w, { ruleId: (await fixtures.costFocusRule(w)).id }), successStatus: 204, action: 'cost:configure' }),
  listCostFocusImports: async (w) => ({ params: inA(w), query: { limit: '10' }, successStatus: 200 }),
  importCostFocusBill: async (w) => ({ params: inA(w), body: { csv: focusBill(unique('acme-res'), w.workspaceA.slug), costColumn: 'BilledCost' }, successStatus: 201, action: 'cost:configure' }),
  getCostFocusImport: async (w) => ({ params: inA(w, { importId: (await fixtures.costFocusImport(w)).id }), successStatus: 200 }),
  reallocateCostFocusImport: async (w) => ({ params: inA(w, { importId: (await fixtures.costFocusImport(w)).id }), successStatus: 200, action: 'cost:configure' }),
  exportCostFocus: async (w) => ({ params: inA(w), query: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, successStatus: 200 }),
  // ---- budgets ----
  listBudgets: async (w) => ({ params: inA(w), query: { workspaceId: w.workspaceA.id }, successStatus: 200 }),
  createBudget: async (w) => ({
    params: inA(w),
    body: { name: unique('acme-new-budget'), workspaceId: w.workspaceA.id, period: 'quarterly', amount: '2500.50', thresholds: [{ percent: 90, basis: 'forecast' }], onExceeded: 'require-approval' },
    successStatus: 201,
    action: 'budget:create',
  }),
  getBudgetDecision: async (w) => ({ params: inA(w), query: { workspaceId: w.workspaceA.id, labels: 'team=web' }, successStatus: 200 }),
  getBudget: async (w) => ({ params: inA(w, { budgetId: (await fixtures.budget(w)).id }), successStatus: 200 }),
  updateBudget: async (w) => ({ params: inA(w, { budgetId: (await fixtures.budget(w)).id }), body: { amount: '1200', onExceeded: 'block' }, successStatus: 200, action: 'budget:update' }),
  deleteBudget: async (w) => ({ params: inA(w, { budgetId: (await fixtures.budget(w)).id }), successStatus: 204, action: 'budget:delete' }),
  getBudgetStatus: async (w) => ({ params: inA(w, { budgetId: (await fixtures.budget(w)).id }), successStatus: 200 }),
  evaluateBudget: async (w) => ({ params: inA(w, { budgetId: (await fixtures.budget(w)).id }), successStatus: 200, action: 'budget:evaluate' }),
  estimateBudgetQuota: async (w) => {
    await fixtures.costPrice(w);
    return { params: inA(w, { budgetId: (await fixtures.budget(w)).id }), query: { memoryGibPerCore: '8' }, successStatus: 200 };
  },
  // ---- single sign-on (ADR 0014): test/support/examples-sso.ts ----
  ...ssoExamples,
};
