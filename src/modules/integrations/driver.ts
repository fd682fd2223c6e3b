import type { Manifest } from './manifests.ts';

/** How Hexaplane reaches one cluster's API server. */
export interface ClusterConnection {
  apiUrl: string;
  /** PEM CA bundle that must have signed the API server's certificate; null trusts the system store. */
  caData: string | null;
  /** A bearer token (a service account token with rights to manage namespaces and RBAC). */
  token: string;
}

/**
 * The port the reconciler drives a cluster through. The Kubernetes adapter implements it
 * (kubernetes.ts); tests may substitute their own.
 */
export interface ClusterDriver {
  /**
   * Server-side applies the objects in order. The namespace (the first object) must not
   * exist yet or already belong to the workspace named in its labels: an existing namespace
   * that belongs to someone else is never taken over.
   */
  apply(manifests: Manifest[]): Promise<void>;
  /** Deletes the namespace, and with it everything in it, if it belongs to this workspace. Gone already is fine. */
  delete(namespace: string, owner: { workspaceId: string }): Promise<void>;
  /** Proves the API server answers and the token is accepted; returns its version. */
  ping(): Promise<{ version: string }>;
}

export type ConnectCluster = (connection: ClusterConnection) => ClusterDriver;

/** A cluster refused or failed a request; the message is safe to store and show. */
export class ClusterError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}
