import { mkdir, open, rename } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import {
  datadogChunks,
  datadogEntries,
  hecBody,
  ndjsonBody,
  ndjsonSignature,
  ocsfNdjson,
  octetCountedFrame,
  SIGNATURE_HEADER,
  syslogMessage,
  TIMESTAMP_HEADER,
  type SiemEvent,
} from './siem-formats.ts';
import type { DestinationConfig, StreamSecrets } from './stream-schemas.ts';

/**
 * The sinks of SIEM streams, one per kind. Every outbound connection goes through
 * `httpRequest` or `connectTls` below, which take the egress policy (a DNS `lookup` that may
 * refuse addresses): that is the one place an SSRF guard plugs in.
 */

export interface Egress {
  /** Resolves (and may refuse) the destination's addresses; the system resolver when absent. */
  lookup?: LookupFunction;
}

let defaultEgress: Egress = {};

/** Sets the egress policy every sink uses unless a caller passes its own (the server sets it once at start). */
export function setSinkEgress(egress: Egress): void {
  defaultEgress = egress;
}

export interface HttpResult {
  status: number;
  body: string;
}

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  caPem?: string | undefined;
  timeoutMs: number;
  egress?: Egress | undefined;
}

/** The one HTTP client of the sinks: a POST with a deadline, answering status and (a bounded) body. */
export function httpRequest(request: HttpRequest): Promise<HttpResult> {
  const url = new URL(request.url);
  const lookup = (request.egress ?? defaultEgress).lookup;
  const options: https.RequestOptions = {
    method: 'POST',
    headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    timeout: request.timeoutMs,
    ...(lookup ? { lookup } : {}),
    ...(url.protocol === 'https:' && request.caPem ? { ca: request.caPem } : {}),
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 64 * 1024) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${request.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

export interface TlsTarget {
  host: string;
  port: number;
  caPem?: string | undefined;
  certPem?: string | undefined;
  keyPem?: string | undefined;
  timeoutMs: number;
  egress?: Egress | undefined;
}

/** The one TLS client of the sinks: connects and verifies the server (servername = host). */
export function connectTls(target: TlsTarget): Promise<tls.TLSSocket> {
  const lookup = (target.egress ?? defaultEgress).lookup;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      // SNI carries names only; an IP address is still checked against the certificate's IP SANs.
      ...(isIP(target.host) ? {} : { servername: target.host }),
      ...(target.caPem ? { ca: target.caPem } : {}),
      ...(target.certPem ? { cert: target.certPem } : {}),
      ...(target.keyPem ? { key: target.keyPem } : {}),
      ...(lookup ? { lookup } : {}),
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => socket.destroy(new Error(`TLS connection not established within ${target.timeoutMs} ms`)), target.timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Writes the frames and closes our side, then waits for the server to close its side. A reset,
 * a timeout or an early close fails the whole batch, which is then sent again. A clean close is
 * not proof on its own: a server shutting down closes cleanly after reading a batch it then
 * drops, hence the settle window (ADR 0007: syslog has no application acknowledgement).
 */
function writeAndConfirm(socket: tls.TLSSocket, payload: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let peerEnded = false;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`syslog server did not confirm the batch within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', () => undefined);
    socket.on('end', () => {
      peerEnded = true;
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', (hadError) => finish(hadError || !peerEnded ? new Error('syslog connection closed before the batch was confirmed') : undefined));
    socket.end(payload);
  });
}

export interface Sink {
  deliver(items: SiemEvent[]): Promise<void>;
  /**
   * How long a confirmed batch stays in doubt (ms): a failure within this window sends it again.
   * 0 for sinks whose receivers acknowledge what they stored (HTTP 2xx, a synced file).
   */
  settleMs: number;
}

/** Syslog's settle window: rsyslog drops what it read in the last moments before it stops. */
export const SYSLOG_SETTLE_MS = 5000;

export interface SinkContext {
  streamId: string;
  /** The name this installation goes by in syslog HOSTNAME, HEC `host` and Datadog `hostname`. */
  hostname: string;
  /** The operator's root for ocsf-file streams. */
  fileRoot: string;
  timeoutMs: number;
  egress?: Egress | undefined;
}

function expect2xx(what: string, result: HttpResult): void {
  if (result.status < 200 || result.status > 299) {
    throw new Error(`${what} answered HTTP ${result.status}: ${result.body.slice(0, 300).replace(/\s+/g, ' ')}`);
  }
}

const join = (base: string, suffix: string) => `${base.replace(/\/+$/, '')}${suffix}`;

/** A directory below the operator's root; tenants name only relative paths of plain names. */
export function sinkDirectory(root: string, directory: string): string {
  const resolvedRoot = path.resolve(root);
  const target = path.resolve(resolvedRoot, directory);
  if (!target.startsWith(resolvedRoot + path.sep)) throw new Error(`directory ${directory} is outside the SIEM file root`);
  return target;
}

async function writeFileAtomically(dir: string, name: string, contents: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${name}.tmp`);
  const handle = await open(temp, 'w', 0o640);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path.join(dir, name));
}

/** The sink of a stream's destination (secrets already opened). */
export function createSink(destination: DestinationConfig, secrets: StreamSecrets, ctx: SinkContext): Sink {
  const post = (url: string, headers: Record<string, string>, body: string, caPem?: string) =>
    httpRequest({ url, headers, body, caPem, timeoutMs: ctx.timeoutMs, egress: ctx.egress });
  switch (destination.kind) {
    case 'splunk-hec':
      return {
        settleMs: 0,
        async deliver(items) {
          const body = hecBody(items, {
            host: ctx.hostname,
            source: destination.source ?? 'hexaplane',
            sourcetype: destination.sourcetype ?? 'hexaplane:audit',
            index: destination.index,
          });
          const result = await post(join(destination.url, '/services/collector/event'), {
            authorization: `Splunk ${secrets.token ?? ''}`,
            'content-type': 'application/json',
            'x-splunk-request-channel': ctx.streamId,
          }, body, destination.caPem);
          expect2xx('Splunk HEC', result);
        },
      };
    case 'datadog':
      return {
        settleMs: 0,
        async deliver(items) {
          const entries = datadogEntries(items, { hostname: ctx.hostname, service: destination.service ?? 'hexaplane', tags: destination.tags ?? [] });
          for (const chunk of datadogChunks(entries)) {
            const result = await post(join(destination.url, '/api/v2/logs'), {
              'dd-api-key': secrets.apiKey ?? '',
              'content-type': 'application/json',
            }, chunk, destination.caPem);
            expect2xx('Datadog', result);
          }
        },
      };
    case 'https':
      return {
        settleMs: 0,
        async deliver(items) {
          const body = ndjsonBody(items);
          const timestamp = Math.floor(Date.now() / 1000);
          const result = await post(destination.url, {
            'content-type': 'application/x-ndjson',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: ndjsonSignature(secrets.hmacSecret ?? '', timestamp, body),
            'x-hexaplane-stream': ctx.streamId,
          }, body, destination.caPem);
          expect2xx('HTTPS receiver', result);
        },
      };
    case 'syslog':
      return {
        settleMs: SYSLOG_SETTLE_MS,
        async deliver(items) {
          const options = { hostname: ctx.hostname, appName: destination.appName ?? 'hexaplane', format: destination.format };
          const payload = Buffer.concat(items.map((item) => octetCountedFrame(syslogMessage(item, options))));
          const socket = await connectTls({
            host: destination.host,
            port: destination.port,
            caPem: destination.caPem,
            certPem: destination.clientCertPem,
            keyPem: secrets.clientKeyPem,
            timeoutMs: ctx.timeoutMs,
            egress: ctx.egress,
          });
          await writeAndConfirm(socket, payload, ctx.timeoutMs);
        },
      };
    case 'ocsf-file':
      return {
        settleMs: 0,
        async deliver(items) {
          const first = items[0]!.seq;
          const last = items[items.length - 1]!.seq;
          // Named by seq range: a batch sent again replaces its earlier file instead of adding one.
          const name = `${ctx.streamId}-${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}.ndjson`;
          await writeFileAtomically(sinkDirectory(ctx.fileRoot, destination.directory), name, ocsfNdjson(items));
        },
      };
  }
}
