/**
 * The Kubernetes adapter of the ClusterDriver port, on @kubernetes/client-node: server-side
 * apply (PATCH application/apply-patch+yaml, fieldManager=hexaplane, force=true) through
 * the generic object API, so any kind the cluster serves can be applied the same way.
 */
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  loadYaml,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { ClusterError, type ClusterConnection, type ClusterDriver } from './driver.ts';
import { MANAGER, WORKSPACE_LABEL, type Manifest } from './manifests.ts';

export interface KubernetesDriverOptions {
  /** Per request, so a hung API server cannot hold a reconciliation (and its row lock) for long. */
  timeoutMs?: number;
}

export function kubernetesDriver(connection: ClusterConnection, options: KubernetesDriverOptions = {}): ClusterDriver {
  const { objects, versions } = clientsFor(connection, options.timeoutMs ?? 15_000);

  async function namespaceOwner(name: string): Promise<{ exists: boolean; workspaceId: string | null }> {
    try {
      const live = await objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return { exists: true, workspaceId: live.metadata?.labels?.[WORKSPACE_LABEL] ?? null };
    } catch (error) {
      if (statusOf(error) === 404) return { exists: false, workspaceId: null };
      throw clusterError(`reading namespace ${name}`, error);
    }
  }

  async function refuseForeign(name: string, workspaceId: string | undefined): Promise<boolean> {
    const owner = await namespaceOwner(name);
    if (owner.exists && owner.workspaceId !== (workspaceId ?? null)) {
      throw new ClusterError(
        `namespace ${name} exists and does not belong to workspace ${workspaceId} (its ${WORKSPACE_LABEL} label is ${owner.workspaceId ?? 'missing'}); Hexaplane does not take it over`,
      );
    }
    return owner.exists;
  }

  return {
    async apply(manifests: Manifest[]) {
      const namespace = manifests.find((m) => m.kind === 'Namespace');
      if (namespace) await refuseForeign(namespace.metadata.name, namespace.metadata.labels?.[WORKSPACE_LABEL]);
      for (const manifest of manifests) {
        // Through the client's own YAML loader into its typed models: given a plain object, its
        // serializer drops fields the models rename (LimitRange `default` is `_default` there).
        const body = loadYaml<KubernetesObject>(JSON.stringify(manifest));
        try {
          await objects.patch(body, undefined, undefined, MANAGER, true, PatchStrategy.ServerSideApply);
        } catch (error) {
          throw clusterError(`applying ${describe(manifest)}`, error);
        }
      }
    },

    async delete(name: string, owner: { workspaceId: string }) {
      const exists = await refuseForeign(name, owner.workspaceId);
      if (!exists) return;
      try {
        await objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined, undefined, undefined, undefined, 'Background');
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw clusterError(`deleting namespace ${name}`, error);
      }
    },

    async ping() {
      try {
        const info = await versions.getCode();
        return { version: info.gitVersion };
      } catch (error) {
        throw clusterError('reading the API server version', error);
      }
    },
  };
}

function clientsFor(connection: ClusterConnection, timeoutMs: number) {
  const server = connection.apiUrl.replace(/\/+$/, '');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    {
      name: 'hexaplane',
      server,
      // The client refuses http:// unless this is set; it has no effect on plain HTTP, which
      // the API accepts only for loopback addresses. For https:// the certificate is verified.
      skipTLSVerify: server.startsWith('http:'),
      // kubeconfig carries the CA as base64 of the PEM text.
      ...(connection.caData ? { caData: Buffer.from(connection.caData, 'utf8').toString('base64') } : {}),
    },
    { name: 'hexaplane', token: connection.token },
  );
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return context;
        },
        post: async (context: ResponseContext) => context,
      },
    ],
  });
  return { objects: new KubernetesObjectApi(configuration), versions: new VersionApi(configuration) };
}

function describe(manifest: Manifest): string {
  const where = manifest.metadata.namespace ? ` in ${manifest.metadata.namespace}` : '';
  return `${manifest.kind} ${manifest.metadata.name}${where}`;
}

function statusOf(error: unknown): number | null {
  return error instanceof ApiException ? error.code : null;
}

/** A message fit for the status API: the API server's own reason, never request headers. */
function clusterError(what: string, error: unknown): ClusterError {
  if (error instanceof ClusterError) return error;
  if (error instanceof ApiException) {
    const reason = statusMessage(error.body);
    return new ClusterError(`${what}: the API server answered ${error.code}${reason ? `: ${reason.slice(0, 500)}` : ''}`, error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ClusterError(`${what}: ${message.slice(0, 500)}`);
}

/** The `message` of the API server's Status object, which the client may hand over unparsed. */
function statusMessage(body: unknown): string {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return value as string;
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}
