import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import type { WorkspaceView } from '../tenancy/index.ts';
import { integrationsActions } from './actions.ts';
import { CHANNEL_TOPIC, channelDelivery } from './channel-delivery.ts';
import { registerChannelRoutes } from './channel-routes.ts';
import { createChannelService } from './channel-service.ts';
import type { ConnectCluster } from './driver.ts';
import { emailDelivery } from './email.ts';
import { kubernetesDriver } from './kubernetes.ts';
import { manifestsToYaml, namespaceFor, workspaceManifests } from './manifests.ts';
import { registerIntegrationsRoutes } from './routes.ts';
import { createIntegrationsService, type IntegrationsService } from './service.ts';
import { registerWebhookRoutes } from './webhook-routes.ts';
import { createWebhookService } from './webhook-service.ts';
import { createWebhookWorker, type WebhookWorker } from './webhook-worker.ts';

export type { IntegrationsService } from './service.ts';
export type { ClusterConnection, ClusterDriver, ConnectCluster } from './driver.ts';
export type { Manifest } from './manifests.ts';
export { roleGroup, workspaceManifests } from './manifests.ts';
export { kubernetesDriver } from './kubernetes.ts';
export type { WebhookService } from './webhook-service.ts';
/** Direct e-mail with attachments (scheduled cost reports). */
export { sendEmail, type DirectEmail } from './email.ts';
/** Notification channels (ADR 0016): other modules queue alerts with notify() in their own transaction. */
export { missingChannels, notify, type NotifyInput, type NotifyResult } from './channel-service.ts';
export type { NotificationField } from './channel-schemas.ts';
export { createWebhookWorker, type DeliveryPolicy, type WebhookWorker, type WebhookWorkerOptions } from './webhook-worker.ts';

export interface IntegrationsOptions {
  /** How to reach a cluster; the Kubernetes adapter unless a test substitutes its own. */
  connect?: ConnectCluster;
}

export function register(app: App, deps: ModuleDeps, options: IntegrationsOptions = {}): IntegrationsService {
  deps.authz.registerActions(integrationsActions);
  const service = createIntegrationsService(deps, options.connect ?? ((connection) => kubernetesDriver(connection)));
  registerIntegrationsRoutes(app, service);
  registerWebhookRoutes(app, createWebhookService(deps));
  registerChannelRoutes(app, createChannelService(deps));
  deps.outbox.on('workspace.reconcile', (message) => service.reconcileWorkspace(message.payload));
  deps.outbox.on('cluster.check', (message) => service.checkCluster(message.payload));
  deps.outbox.on('notification.email', emailDelivery(deps.config, deps.log.child({ component: 'email' })));
  deps.outbox.on(CHANNEL_TOPIC, channelDelivery(deps));
  return service;
}

/** Starts webhook delivery (main.ts calls it with the workers; every replica may run one). */
export function startWebhookWorker(deps: ModuleDeps): WebhookWorker {
  const worker = createWebhookWorker(deps);
  worker.start();
  return worker;
}

/**
 * The YAML a workspace becomes on a cluster, for `hexaplane workspace manifests <ws>`:
 * the same documents the reconciler applies. Pure; pass the namespace of its placement
 * when it has one (the reconciliation API reports it), else `hx-<slug>` is used.
 */
export function renderWorkspaceManifests(workspace: WorkspaceView, options: { namespace?: string } = {}): string {
  return manifestsToYaml(workspaceManifests(workspace, options.namespace ?? namespaceFor(workspace.slug)));
}
