/**
 * What a workspace becomes on a Kubernetes cluster: a namespace, its quota, default
 * container resources, and role bindings that map Hexaplane roles to cluster groups.
 * Pure: the same workspace always gives the same objects, in apply order.
 */
import { stringify } from 'yaml';
import type { WorkspaceView } from '../tenancy/index.ts';

/** A Kubernetes object as sent to the API server (server-side apply body). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export type WorkspaceForManifests = Pick<WorkspaceView, 'id' | 'orgId' | 'name' | 'slug' | 'labels' | 'quota' | 'version'>;

export const ORG_LABEL = 'hexaplane.dev/org';
export const WORKSPACE_LABEL = 'hexaplane.dev/workspace';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGER = 'hexaplane';
export const QUOTA_NAME = 'hexaplane-quota';
export const LIMIT_RANGE_NAME = 'hexaplane-defaults';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/**
 * Hexaplane roles and the built-in ClusterRole each maps to. Workspace roles bind their
 * own workspace's group; the organization's owners and admins administer every namespace
 * of the organization, as they administer every workspace in Hexaplane.
 */
export const roleBindings = [
  { name: 'hexaplane-workspace-admin', clusterRole: 'admin', workspaceRole: 'workspace-admin', orgRoles: ['org-owner', 'org-admin'] },
  { name: 'hexaplane-workspace-developer', clusterRole: 'edit', workspaceRole: 'workspace-developer', orgRoles: [] },
  { name: 'hexaplane-workspace-viewer', clusterRole: 'view', workspaceRole: 'workspace-viewer', orgRoles: [] },
] as const;

/** The group a cluster's OIDC authenticator must report for holders of a role in a scope. */
export function roleGroup(scopeId: string, roleId: string): string {
  return `hexaplane:${scopeId}:${roleId}`;
}

/** Namespace names are DNS labels (63 characters); slugs are unique per organization. */
export function namespaceFor(slug: string): string {
  return `hx-${slug}`.slice(0, 63).replace(/-+$/, '');
}

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of up to 63 characters.
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && LABEL_PREFIX.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

/** Keys a workspace may not set: ownership labels would let a workspace claim another's namespace. */
function isReserved(key: string): boolean {
  const prefix = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
  return prefix === 'hexaplane.dev' || prefix.endsWith('.hexaplane.dev') || key === 'kubernetes.io/metadata.name' || key === MANAGED_BY_LABEL;
}

/** The workspace labels that are valid, unreserved Kubernetes labels; the others are left out. */
export function workspaceLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) {
    const value = labels[key]!;
    if (isLabelKey(key) && LABEL_VALUE.test(value) && !isReserved(key)) out[key] = value;
  }
  return out;
}

function ownerLabels(ws: WorkspaceForManifests): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGER, [ORG_LABEL]: ws.orgId, [WORKSPACE_LABEL]: ws.id };
}

export function namespaceManifest(ws: WorkspaceForManifests, namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      // Baseline pod security unless the workspace asks for another level with its own label.
      labels: { [POD_SECURITY_ENFORCE]: 'baseline', ...workspaceLabels(ws.labels), ...ownerLabels(ws) },
      annotations: { 'hexaplane.dev/workspace-name': ws.name, 'hexaplane.dev/generation': String(ws.version) },
    },
  };
}

/**
 * Always present, even with no limits: server-side apply removes the entries this field
 * manager stops sending, so lifting a limit removes it from the cluster too.
 */
export function resourceQuotaManifest(ws: WorkspaceForManifests, namespace: string): Manifest {
  const hard: Record<string, string> = {};
  if (ws.quota.cpu !== null) hard['requests.cpu'] = ws.quota.cpu;
  if (ws.quota.memory !== null) hard['requests.memory'] = ws.quota.memory;
  if (ws.quota.storage !== null) hard['requests.storage'] = ws.quota.storage;
  if (ws.quota.pods !== null) hard.pods = String(ws.quota.pods);
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: QUOTA_NAME, namespace, labels: ownerLabels(ws) },
    spec: { hard },
  };
}

/**
 * A quota on requests makes the API server refuse pods that state none; these defaults let
 * such pods in with modest requests, and cap memory so one container cannot take the node.
 */
export const containerDefaults = {
  defaultRequest: { cpu: '100m', memory: '128Mi' },
  default: { memory: '512Mi' },
} as const;

export function limitRangeManifest(ws: WorkspaceForManifests, namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: LIMIT_RANGE_NAME, namespace, labels: ownerLabels(ws) },
    spec: {
      limits: [{ type: 'Container', defaultRequest: { ...containerDefaults.defaultRequest }, default: { ...containerDefaults.default } }],
    },
  };
}

export function roleBindingManifests(ws: WorkspaceForManifests, namespace: string): Manifest[] {
  return roleBindings.map((binding) => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name: binding.name, namespace, labels: ownerLabels(ws) },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: binding.clusterRole },
    subjects: [
      { apiGroup: RBAC_GROUP, kind: 'Group', name: roleGroup(ws.id, binding.workspaceRole) },
      ...binding.orgRoles.map((role) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: roleGroup(ws.orgId, role) })),
    ],
  }));
}

/** Everything a workspace becomes, namespace first (the others live in it). */
export function workspaceManifests(ws: WorkspaceForManifests, namespace = namespaceFor(ws.slug)): Manifest[] {
  return [
    namespaceManifest(ws, namespace),
    resourceQuotaManifest(ws, namespace),
    limitRangeManifest(ws, namespace),
    ...roleBindingManifests(ws, namespace),
  ];
}

/** Multi-document YAML, as `kubectl apply -f -` reads it. */
export function manifestsToYaml(manifests: Manifest[]): string {
  return manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}
