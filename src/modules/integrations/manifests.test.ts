import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { LimitRange, Namespace, ResourceQuota } from 'kubernetes-models/v1';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import fc from 'fast-check';
import {
  isLabelKey,
  manifestsToYaml,
  namespaceFor,
  roleGroup,
  workspaceLabels,
  workspaceManifests,
  type Manifest,
  type WorkspaceForManifests,
} from './manifests.ts';

const workspace: WorkspaceForManifests = {
  id: 'ws_01jabcdefghjkmnpqrstvwxyz0',
  orgId: 'org_01jabcdefghjkmnpqrstvwxyz0',
  name: 'Payments',
  slug: 'payments',
  labels: { team: 'payments', 'example.com/cost-center': 'cc-42' },
  quota: { cpu: '8', memory: '32Gi', storage: '1Ti', pods: 200 },
  version: 3,
};

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

describe('workspaceManifests', () => {
  it('makes a namespace first, then quota, limits and three role bindings in it', () => {
    const manifests = workspaceManifests(workspace);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Namespace/hx-payments',
      'ResourceQuota/hexaplane-quota',
      'LimitRange/hexaplane-defaults',
      'RoleBinding/hexaplane-workspace-admin',
      'RoleBinding/hexaplane-workspace-developer',
      'RoleBinding/hexaplane-workspace-viewer',
    ]);
    for (const m of manifests.slice(1)) expect(m.metadata.namespace).toBe('hx-payments');
  });

  it('labels the namespace with its owners and the workspace labels, and annotates the generation', () => {
    const [ns] = workspaceManifests(workspace);
    expect(ns!.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'hexaplane',
      'hexaplane.dev/org': workspace.orgId,
      'hexaplane.dev/workspace': workspace.id,
      'pod-security.kubernetes.io/enforce': 'baseline',
      team: 'payments',
      'example.com/cost-center': 'cc-42',
    });
    expect(ns!.metadata.annotations).toEqual({ 'hexaplane.dev/workspace-name': 'Payments', 'hexaplane.dev/generation': '3' });
  });

  it('turns the quota into requests.* and pods', () => {
    const [quota] = byKind(workspaceManifests(workspace), 'ResourceQuota');
    expect(quota!.spec).toEqual({ hard: { 'requests.cpu': '8', 'requests.memory': '32Gi', 'requests.storage': '1Ti', pods: '200' } });
  });

  it('leaves out unlimited resources, and keeps an empty quota so lifted limits are removed', () => {
    const partial = workspaceManifests({ ...workspace, quota: { cpu: '500m', memory: null, storage: null, pods: null } });
    expect(byKind(partial, 'ResourceQuota')[0]!.spec).toEqual({ hard: { 'requests.cpu': '500m' } });
    const none = workspaceManifests({ ...workspace, quota: { cpu: null, memory: null, storage: null, pods: null } });
    expect(byKind(none, 'ResourceQuota')[0]!.spec).toEqual({ hard: {} });
  });

  it('gives containers default requests and a memory limit', () => {
    const [limits] = byKind(workspaceManifests(workspace), 'LimitRange');
    expect(limits!.spec).toEqual({
      limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { memory: '512Mi' } }],
    });
  });

  it('binds admin, edit and view to the workspace role groups; org owners and admins get admin', () => {
    const bindings = byKind(workspaceManifests(workspace), 'RoleBinding');
    const summary = bindings.map((b) => ({
      role: (b.roleRef as { name: string }).name,
      groups: (b.subjects as { kind: string; name: string }[]).map((s) => `${s.kind}:${s.name}`),
    }));
    expect(summary).toEqual([
      {
        role: 'admin',
        groups: [
          `Group:hexaplane:${workspace.id}:workspace-admin`,
          `Group:hexaplane:${workspace.orgId}:org-owner`,
          `Group:hexaplane:${workspace.orgId}:org-admin`,
        ],
      },
      { role: 'edit', groups: [`Group:hexaplane:${workspace.id}:workspace-developer`] },
      { role: 'view', groups: [`Group:hexaplane:${workspace.id}:workspace-viewer`] },
    ]);
    expect(roleGroup('ws_1', 'workspace-viewer')).toBe('hexaplane:ws_1:workspace-viewer');
  });

  it('uses the placement namespace when given one', () => {
    const manifests = workspaceManifests(workspace, 'hx-payments-2');
    expect(manifests.every((m) => (m.kind === 'Namespace' ? m.metadata.name : m.metadata.namespace) === 'hx-payments-2')).toBe(true);
  });

  it('is deterministic', () => {
    expect(manifestsToYaml(workspaceManifests(workspace))).toBe(manifestsToYaml(workspaceManifests({ ...workspace, labels: { ...workspace.labels } })));
  });
});

describe('workspace labels on the namespace', () => {
  it('cannot claim ownership labels or the managed-by label', () => {
    const [ns] = workspaceManifests({
      ...workspace,
      labels: { 'hexaplane.dev/workspace': 'ws_other', 'x.hexaplane.dev/a': 'b', 'app.kubernetes.io/managed-by': 'me', 'kubernetes.io/metadata.name': 'x' },
    });
    expect(ns!.metadata.labels!['hexaplane.dev/workspace']).toBe(workspace.id);
    expect(ns!.metadata.labels!['app.kubernetes.io/managed-by']).toBe('hexaplane');
    expect(ns!.metadata.labels).not.toHaveProperty('x.hexaplane.dev/a');
    expect(ns!.metadata.labels).not.toHaveProperty('kubernetes.io/metadata.name');
  });

  it('may choose a stricter pod security level', () => {
    const [ns] = workspaceManifests({ ...workspace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    expect(ns!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('leaves out labels Kubernetes would refuse', () => {
    expect(workspaceLabels({ 'a/b/c': 'x', 'Upper.Case/x': 'y', ok: 'fine', 'bad-value': 'has space', '-x': 'y' })).toEqual({ ok: 'fine' });
    expect(isLabelKey('example.com/team')).toBe(true);
    expect(isLabelKey('team')).toBe(true);
    expect(isLabelKey(`${'a'.repeat(64)}`)).toBe(false);
    expect(isLabelKey('/x')).toBe(false);
  });
});

describe('namespaceFor', () => {
  it('prefixes the slug and stays a DNS label', () => {
    expect(namespaceFor('payments')).toBe('hx-payments');
    const long = namespaceFor(`a${'-b'.repeat(40)}`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('gives a DNS label for every valid slug', () => {
    const slug = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])$/);
    fc.assert(
      fc.property(slug, (s) => {
        const ns = namespaceFor(s);
        return ns.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns);
      }),
    );
  });
});

describe('manifestsToYaml', () => {
  it('writes one YAML document per object that parses back to the same objects', () => {
    const manifests = workspaceManifests(workspace);
    const docs = parseAllDocuments(manifestsToYaml(manifests));
    expect(Array.isArray(docs) && docs.map((d) => d.toJS())).toEqual(manifests);
  });
});

/**
 * The Kubernetes OpenAPI schemas, per kind, as the kubernetes-models package ships them
 * (validated with ajv, quantity formats included). There is no API server here to ask.
 */
const models: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ResourceQuota,
  LimitRange,
  RoleBinding,
};

function validateAgainstSchema(manifest: Manifest): void {
  const Model = models[manifest.kind];
  if (!Model) throw new Error(`no schema for ${manifest.kind}`);
  new Model(structuredClone(manifest) as never).validate();
}

describe('generated manifests against the Kubernetes OpenAPI schemas', () => {
  const quotas: WorkspaceForManifests['quota'][] = [
    { cpu: '8', memory: '32Gi', storage: '1Ti', pods: 200 },
    { cpu: '500m', memory: '512Mi', storage: null, pods: 0 },
    { cpu: null, memory: null, storage: null, pods: null },
  ];

  it.each(quotas)('validates every object for quota %o', (quota) => {
    for (const manifest of workspaceManifests({ ...workspace, quota })) validateAgainstSchema(manifest);
  });

  it('would catch a malformed object', () => {
    const [quota] = byKind(workspaceManifests(workspace), 'ResourceQuota');
    expect(() => validateAgainstSchema({ ...quota!, spec: { hard: { 'requests.cpu': 'eight' } } })).toThrow(/quantity/);
    const [binding] = byKind(workspaceManifests(workspace), 'RoleBinding');
    expect(() => validateAgainstSchema({ ...binding!, roleRef: { kind: 'ClusterRole', name: 'admin' } })).toThrow(/apiGroup/);
  });

  it('validates manifests for arbitrary workspaces', () => {
    const label = fc.tuple(fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/), fc.stringMatching(/^([a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?)?$/));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])$/),
        fc.array(label, { maxLength: 5 }),
        fc.option(fc.integer({ min: 1, max: 64_000 }).map((m) => `${m}m`)),
        fc.option(fc.integer({ min: 0, max: 100_000 })),
        (slug, labels, cpu, pods) => {
          const ws = { ...workspace, slug, labels: Object.fromEntries(labels), quota: { cpu, memory: '1Gi', storage: null, pods } };
          for (const manifest of workspaceManifests(ws)) validateAgainstSchema(manifest);
        },
      ),
      { numRuns: 50 },
    );
  });
});
