import { sql } from 'kysely';
import { newPrincipal, type Principal } from '../../kernel/authz.ts';
import type { Config } from '../../kernel/config.ts';
import { createLogger, type Logger } from '../../kernel/logger.ts';
import type { ModuleDeps } from '../deps.ts';

/** Demo people sign in with this password; the demo is for evaluation, never production. */
export const DEMO_PASSWORD = 'acme-demo-password-2026';

interface BusinessUnit {
  name: string;
  slug: string;
  description: string;
  labels: Record<string, string>;
  quota: Record<string, string | number>;
  projects: { name: string; slug: string; quota: Record<string, string> }[];
}

const businessUnits: BusinessUnit[] = [
  {
    name: 'Finance-BU',
    slug: 'finance-bu',
    description: 'Trading, ledger and regulatory reporting',
    labels: { 'cost-center': 'cc-100', compliance: 'pci-dss' },
    quota: { cpu: '64', memory: '256Gi', storage: '4Ti', pods: 500 },
    projects: [
      { name: 'Ledger', slug: 'ledger', quota: { cpu: '16', memory: '64Gi' } },
      { name: 'Payments Gateway', slug: 'payments-gateway', quota: { cpu: '24', memory: '96Gi' } },
    ],
  },
  {
    name: 'Healthcare-Analytics',
    slug: 'healthcare-analytics',
    description: 'Claims analytics and patient-data pipelines',
    labels: { 'cost-center': 'cc-200', compliance: 'hipaa' },
    quota: { cpu: '48', memory: '384Gi', storage: '10Ti', pods: 300 },
    projects: [
      { name: 'Claims Pipeline', slug: 'claims-pipeline', quota: { cpu: '16' } },
      { name: 'Risk Models', slug: 'risk-models', quota: { cpu: '24' } },
    ],
  },
  {
    name: 'Retail-Apps',
    slug: 'retail-apps',
    description: 'Customer-facing web and mobile back ends',
    labels: { 'cost-center': 'cc-300' },
    quota: { cpu: '32', memory: '128Gi', storage: '2Ti', pods: 800 },
    projects: [
      { name: 'Storefront', slug: 'storefront', quota: {} },
      { name: 'Mobile API', slug: 'mobile-api', quota: {} },
    ],
  },
];

const people = [
  { email: 'maria.chen@acme.example', name: 'Maria Chen', role: 'org-admin', workspace: null },
  { email: 'kenji.watanabe@acme.example', name: 'Kenji Watanabe', role: 'workspace-admin', workspace: 'finance-bu' },
  { email: 'priya.nair@acme.example', name: 'Priya Nair', role: 'workspace-developer', workspace: 'healthcare-analytics' },
  { email: 'tom.becker@acme.example', name: 'Tom Becker', role: 'org-security-auditor', workspace: null },
];

function businessHoursPolicy(financeWorkspaceId: string): string {
  return [
    '// No deletions in Finance-BU outside Tokyo business hours (the organization time zone is Asia/Tokyo).',
    'forbid (',
    '  principal,',
    '  action in Hexaplane::Action::"delete",',
    `  resource in Hexaplane::Workspace::"${financeWorkspaceId}"`,
    ')',
    'unless { context.time.hour >= 9 && context.time.hour < 18 };',
    '',
  ].join('\n');
}

/**
 * Seeds the enterprise scenario through the same services the API uses, so every step is
 * authorized and audited as the bootstrap administrator. Does nothing if it ran before.
 */
export async function seedDemo(deps: ModuleDeps, adminUserId: string, log: Logger): Promise<{ orgId: string; apiKey: string } | null> {
  const { tenancy, identity, access } = deps.services;
  const existing = await sql<{ id: string }>`SELECT id FROM organizations WHERE slug = 'acme-financial'`.execute(deps.db);
  if (existing.rows.length > 0) {
    log.info({ orgId: existing.rows[0]!.id }, 'demo already seeded');
    return null;
  }
  const [admin] = await identity.findUsers([adminUserId]);
  const actor = newPrincipal({ kind: 'user', id: adminUserId, displayName: admin?.displayName ?? 'Administrator', platformAdmin: true, userAgent: 'hexaplane demo' });
  const org = await tenancy.createOrganization(actor, { name: 'Acme Financial Group', slug: 'acme-financial', timeZone: 'Asia/Tokyo', currency: 'USD' });
  const p: Principal = { ...actor, orgId: org.id };

  const workspaces = new Map<string, string>();
  for (const unit of businessUnits) {
    const ws = await tenancy.createWorkspace(p, org.id, { name: unit.name, slug: unit.slug, description: unit.description, labels: unit.labels, quota: unit.quota });
    workspaces.set(unit.slug, ws.id);
    for (const project of unit.projects) {
      await tenancy.createProject(p, org.id, { workspaceId: ws.id, name: project.name, slug: project.slug, description: '', labels: {}, quota: project.quota });
    }
  }

  const userIds = new Map<string, string>();
  for (const person of people) {
    const workspaceId = person.workspace ? workspaces.get(person.workspace) : undefined;
    const invitation = await tenancy.createInvitation(p, org.id, { email: person.email, roleId: person.role, expiresInHours: 72, ...(workspaceId ? { workspaceId } : {}) });
    const token = new URL(invitation.acceptUrl).searchParams.get('token')!;
    const accepted = await tenancy.acceptInvitation(null, { token, displayName: person.name, password: DEMO_PASSWORD }, { ip: null, userAgent: 'hexaplane demo', requestId: 'demo' });
    userIds.set(person.email, accepted.userId);
  }

  const financeAuditor = await access.createRole(p, org.id, {
    name: 'Finance Auditor',
    description: 'Reads everything in the organization, including the audit log; changes nothing',
    scope: 'organization',
    actions: ['*:read', 'audit:read'],
  });
  const buPlatformLead = await access.createRole(p, org.id, {
    name: 'BU Platform Lead',
    description: 'Runs a business unit: projects, quotas and bindings in the workspace, but no deletions',
    scope: 'workspace',
    actions: ['workspace:read', 'workspace:update', 'project:create', 'project:read', 'project:update', 'quota:update', 'role-binding:read'],
  });
  const auditors = await identity.createGroup(p, org.id, { name: 'Internal Audit', description: 'Group-wide internal audit team' });
  await identity.addGroupMember(p, org.id, auditors.id, userIds.get('tom.becker@acme.example')!);
  await access.createBinding(p, org.id, { roleId: financeAuditor.id, subject: { type: 'group', id: auditors.id }, scope: { type: 'organization', id: org.id } });
  await access.createBinding(p, org.id, {
    roleId: buPlatformLead.id,
    subject: { type: 'user', id: userIds.get('priya.nair@acme.example')! },
    scope: { type: 'workspace', id: workspaces.get('healthcare-analytics')! },
  });

  await access.createPolicy(p, org.id, {
    name: 'Finance-BU business hours',
    description: 'Deletions in Finance-BU only between 09:00 and 18:00 Asia/Tokyo',
    text: businessHoursPolicy(workspaces.get('finance-bu')!),
    enabled: true,
  });

  const key = await identity.createApiKey(p, org.id, { name: 'ci-finance-deployer', workspaceId: workspaces.get('finance-bu')!, roleId: 'workspace-developer', expiresInDays: 90 } as never);
  log.info({ orgId: org.id }, 'demo seeded: Acme Financial Group');
  process.stdout.write(
    [
      '',
      '  Demo seeded: Acme Financial Group (Finance-BU, Healthcare-Analytics, Retail-Apps).',
      `  People (password "${DEMO_PASSWORD}"): ${people.map((x) => x.email).join(', ')}`,
      `  API key for Finance-BU (shown once): ${key.secret}`,
      '',
    ].join('\n') + '\n',
  );
  return { orgId: org.id, apiKey: key.secret };
}

/** `hexaplane demo`: seeds the configured database and exits. */
export async function runDemoSeed(config: Config): Promise<void> {
  const { openDatabase } = await import('../../main.ts');
  const { migrate } = await import('../../kernel/db/migrate.ts');
  const { buildApp } = await import('../../app.ts');
  const { bootstrapAdministrator } = await import('../identity/index.ts');
  const log = createLogger(config.logLevel);
  const database = await openDatabase(config, log);
  try {
    await migrate(database.db);
    const { app, deps } = await buildApp({ config, db: database.db, log });
    const admin = await bootstrapAdministrator(deps);
    if (admin.generatedPassword) process.stdout.write(`  Bootstrap administrator ${admin.email}, password: ${admin.generatedPassword} (shown once)\n`);
    await seedDemo(deps, admin.userId, log);
    await deps.outbox.drain();
    await app.close();
  } finally {
    await database.close();
  }
}
