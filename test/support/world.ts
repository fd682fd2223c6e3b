import { createTestApp, type TestApp } from './app.ts';
import { call, expectJson, signIn, type Credentials } from './http.ts';

export interface Org {
  id: string;
  name: string;
}

/**
 * Two organizations and the people in them, for isolation and authorization tests:
 * - `admin`: the platform administrator, owner of org A (Acme);
 * - `ownerB`: owner of org B (Globex), who must never see anything of A;
 * - `keyB`: an org-admin API key of B;
 * - `lowA`: a member of A with no role at all.
 */
export interface World {
  t: TestApp;
  admin: Credentials & { kind: 'session' };
  ownerB: Credentials & { kind: 'session' };
  keyB: Credentials & { kind: 'apiKey' };
  lowA: Credentials & { kind: 'session' };
  orgA: Org;
  orgB: Org;
  workspaceA: { id: string; name: string; slug: string };
  projectA: { id: string; name: string };
  /** Every id and name of org A that a response to another tenant must not contain. */
  secretsOfA: () => string[];
  /** Adds ids and names of fixtures created in A to `secretsOfA()`. */
  rememberSecretsOfA: (...values: (string | null | undefined)[]) => void;
}

export const PASSWORD = 'a long enough test password 9';

export async function acceptInvitation(t: TestApp, acceptUrl: string, displayName: string): Promise<void> {
  const token = new URL(acceptUrl).searchParams.get('token')!;
  await expectJson(t.app, { kind: 'anonymous' }, 'POST', '/api/v1/invitations/accept', 200, {
    body: { token, displayName, password: PASSWORD },
  });
}

export async function inviteAndSignIn(t: TestApp, inviter: Credentials, orgId: string, email: string, roleId: string, workspaceId?: string) {
  const invitation = await expectJson(t.app, inviter, 'POST', `/api/v1/orgs/${orgId}/invitations`, 201, {
    body: { email, roleId, ...(workspaceId ? { workspaceId } : {}) },
  });
  await acceptInvitation(t, invitation.acceptUrl, email.split('@')[0]!);
  return signIn(t.app, email, PASSWORD);
}

export async function createWorld(): Promise<World> {
  const t = await createTestApp();
  const admin = await signIn(t.app);
  const orgA = await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Acme Financial', slug: 'acme', timeZone: 'Asia/Tokyo' } });
  const orgB = await expectJson(t.app, admin, 'POST', '/api/v1/orgs', 201, { body: { name: 'Globex', slug: 'globex' } });
  const workspaceA = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA.id}/workspaces`, 201, {
    body: { name: 'Finance-BU', slug: 'finance-bu', labels: { 'cost-center': 'cc-100' }, quota: { cpu: '64', memory: '256Gi', pods: 500 } },
  });
  const projectA = await expectJson(t.app, admin, 'POST', `/api/v1/orgs/${orgA.id}/projects`, 201, {
    body: { workspaceId: workspaceA.id, name: 'Ledger', slug: 'ledger', quota: { cpu: '8' } },
  });

  const ownerB = await inviteAndSignIn(t, admin, orgB.id, 'owner@globex.test', 'org-owner');
  const keyCreated = await expectJson(t.app, ownerB, 'POST', `/api/v1/orgs/${orgB.id}/api-keys`, 201, {
    body: { name: 'globex-automation', roleId: 'org-admin' },
  });
  const keyB: Credentials & { kind: 'apiKey' } = { kind: 'apiKey', token: keyCreated.secret, keyId: keyCreated.apiKey.id };

  // The platform admin leaves B, so B is a tenant A's admin cannot see into either.
  await expectJson(t.app, ownerB, 'DELETE', `/api/v1/orgs/${orgB.id}/members/${admin.userId}`, 204);
  // Leaving one organization must not end the admin's console session.
  await expectJson(t.app, admin, 'GET', '/api/v1/me', 200);

  const lowA = await inviteAndSignIn(t, admin, orgA.id, 'low@acme.test', 'org-member');
  const bindings = await expectJson(t.app, admin, 'GET', `/api/v1/orgs/${orgA.id}/role-bindings`, 200, { query: { subjectId: lowA.userId } });
  for (const b of bindings.items) {
    const res = await call(t.app, admin, 'DELETE', `/api/v1/orgs/${orgA.id}/role-bindings/${b.id}`);
    if (res.statusCode >= 300) throw new Error(`could not strip lowA's roles: ${res.body}`);
  }

  const remembered = new Set<string>();
  return {
    t,
    admin,
    ownerB,
    keyB,
    lowA,
    orgA,
    orgB,
    workspaceA,
    projectA,
    secretsOfA: () => [
      orgA.name,
      workspaceA.name,
      workspaceA.id,
      projectA.id,
      projectA.name,
      'cc-100',
      lowA.userId,
      'low@acme.test',
      ...remembered,
    ],
    rememberSecretsOfA: (...values) => {
      for (const v of values) if (v) remembered.add(v);
    },
  };
}
