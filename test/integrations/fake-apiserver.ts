/**
 * A fake Kubernetes API server on loopback: there is no real one on these machines. It
 * records every request and answers the few endpoints the adapter uses the way the API
 * server does: discovery, /version, server-side apply (PATCH application/apply-patch+yaml
 * with a fieldManager), GET, and DELETE of namespaces (which takes what is in them along).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | null;
  authorization: string | null;
  body: unknown;
}

type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

interface Injected {
  status: number;
  remaining: number;
  method: string | undefined;
}

export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests other than discovery and /version: what the adapter did to the cluster. */
  calls(): RecordedRequest[];
  objects: Map<string, KubeObject>;
  /** The next `count` requests (of this method, if given) get this status. */
  failNext(status: number, count?: number, method?: string): void;
  close(): Promise<void>;
}

const resources = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'resourcequotas', kind: 'ResourceQuota', namespaced: true },
    { name: 'limitranges', kind: 'LimitRange', namespaced: true },
  ],
  'rbac.authorization.k8s.io/v1': [{ name: 'rolebindings', kind: 'RoleBinding', namespaced: true }],
} as const;

const APPLY = 'application/apply-patch+yaml';

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export async function startFakeApiServer(options: { token?: string; tls?: { key: string; cert: string } } = {}): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const objects = new Map<string, KubeObject>();
  const injected: Injected[] = [];
  let resourceVersion = 1;

  function handle(req: http.IncomingMessage, raw: string): { code: number; body: unknown } {
    const url = new URL(req.url ?? '/', 'http://fake');
    const contentType = req.headers['content-type'] ?? null;
    let body: unknown = undefined;
    if (raw) body = contentType?.startsWith('application/json') || contentType === APPLY ? parseYaml(raw) : raw;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      authorization: req.headers.authorization ?? null,
      body,
    };
    requests.push(record);

    if (options.token && record.authorization !== `Bearer ${options.token}`) return { code: 401, body: status(401, 'Unauthorized', 'Unauthorized') };
    const failure = injected.find((f) => f.remaining > 0 && (!f.method || f.method === record.method));
    if (failure) {
      failure.remaining -= 1;
      return { code: failure.status, body: status(failure.status, 'InternalError', 'fake failure injected by the test') };
    }

    if (record.method === 'GET' && record.path === '/version') {
      return {
        code: 200,
        body: { major: '1', minor: '31', gitVersion: 'v1.31.0', gitCommit: 'fake', gitTreeState: 'clean', buildDate: '2024-08-13T00:00:00Z', goVersion: 'go1.22.5', compiler: 'gc', platform: 'linux/amd64' },
      };
    }
    for (const [groupVersion, list] of Object.entries(resources)) {
      const prefix = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
      if (record.method === 'GET' && record.path === prefix) {
        return {
          code: 200,
          body: {
            kind: 'APIResourceList',
            apiVersion: 'v1',
            groupVersion,
            resources: list.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
          },
        };
      }
      if (!record.path.startsWith(`${prefix}/`)) continue;
      const parts = record.path.slice(prefix.length + 1).split('/');
      const [namespace, resourceName, name] = parts[0] === 'namespaces' && parts.length === 4 ? [parts[1]!, parts[2]!, parts[3]!] : [undefined, parts[0]!, parts[1]!];
      const resource = list.find((r) => r.name === resourceName);
      if (!resource || !name || resource.namespaced !== (namespace !== undefined)) return { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
      return object(record, groupVersion, resource, namespace, name);
    }
    return { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
  }

  function object(record: RecordedRequest, groupVersion: string, resource: { name: string; kind: string }, namespace: string | undefined, name: string) {
    const key = `${resource.name}/${namespace ?? ''}/${name}`;
    const live = objects.get(key);
    const notFound = { code: 404, body: status(404, 'NotFound', `${resource.name} "${name}" not found`) };
    switch (record.method) {
      case 'GET':
        return live ? { code: 200, body: live } : notFound;
      case 'PATCH': {
        if (record.contentType !== APPLY) return { code: 415, body: status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${APPLY}`) };
        if (!record.query.fieldManager) return { code: 400, body: status(400, 'BadRequest', 'PATCH requests that apply need a fieldManager') };
        const sent = record.body as KubeObject;
        if (sent?.kind !== resource.kind || sent.apiVersion !== groupVersion) return { code: 400, body: status(400, 'BadRequest', 'kind or apiVersion does not match the URL') };
        if (sent.metadata?.name !== name) return { code: 400, body: status(400, 'BadRequest', `the name of the object (${sent.metadata?.name}) does not match the name on the URL (${name})`) };
        if (namespace && sent.metadata.namespace !== namespace) return { code: 400, body: status(400, 'BadRequest', 'the namespace of the object does not match the namespace on the URL') };
        if (namespace && !objects.has(`namespaces//${namespace}`)) return { code: 404, body: status(404, 'NotFound', `namespaces "${namespace}" not found`) };
        const stored: KubeObject = {
          ...sent,
          metadata: {
            ...sent.metadata,
            uid: (live?.metadata.uid as string | undefined) ?? `uid-${resourceVersion}`,
            resourceVersion: String(++resourceVersion),
            creationTimestamp: (live?.metadata.creationTimestamp as string | undefined) ?? new Date().toISOString(),
          },
        };
        objects.set(key, stored);
        return { code: live ? 200 : 201, body: stored };
      }
      case 'DELETE': {
        if (!live) return notFound;
        if (resource.kind === 'Namespace') {
          for (const k of [...objects.keys()]) if (k.split('/')[1] === name) objects.delete(k);
        }
        objects.delete(key);
        return { code: 200, body: { ...live, status: { phase: 'Terminating' } } };
      }
      default:
        return { code: 405, body: status(405, 'MethodNotAllowed', 'method not allowed') };
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handle(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answer.code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    calls: () => requests.filter((r) => r.path !== '/version' && r.path !== '/api/v1' && !/^\/apis\/[^/]+\/[^/]+$/.test(r.path)),
    objects,
    failNext(code, count = 1, method) {
      injected.push({ status: code, remaining: count, method });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
