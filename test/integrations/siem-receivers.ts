import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * Loopback receivers that check the documented request formats of Splunk HEC, Datadog Logs
 * intake v2 and the signed NDJSON stream, refuse anything else (and count the refusal), and
 * record what they accepted.
 */

export const HEC_TOKEN = 'hec-token-0123456789abcdef';
export const DD_API_KEY = 'dd-api-key-0123456789abcdef';
export const HMAC_SECRET = 'hmac-secret-0123456789abcdef';

const record = z.object({ id: z.string().regex(/^evt_[0-9a-z]{26}$/), seq: z.number().int().min(0), orgId: z.string(), action: z.string(), severity: z.string() }).loose();

/** https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector */
const hecEvent = z
  .object({
    time: z.number().positive().lt(1e11, 'epoch seconds, not milliseconds'),
    host: z.string().min(1),
    source: z.string().min(1),
    sourcetype: z.string().min(1),
    index: z.string().min(1).optional(),
    event: record,
  })
  .strict();

/** https://docs.datadoghq.com/api/latest/logs/#send-logs */
const datadogEntry = z.object({ ddsource: z.string(), ddtags: z.string(), hostname: z.string(), service: z.string(), message: z.string() }).strict();
const datadogBody = z.array(datadogEntry).min(1).max(1000);

export interface Received {
  seq: number;
  id: string;
  orgId: string;
  action: string;
  severity: string;
}

export interface Receivers {
  url: string;
  /** Accepted records by channel: `hec`, `datadog`, or the NDJSON path name (`/ndjson/<name>`). */
  received: Map<string, Received[]>;
  refused: string[];
  /** Answer 503 to the next n requests of a channel. */
  failNext(channel: string, n: number): void;
  /** Answer 503 to every request of a channel until set back. */
  failAlways(channel: string, on: boolean): void;
  requests(channel: string): number;
  close(): Promise<void>;
}

/** Splits HEC's concatenated JSON objects (string-aware brace matching). */
export function splitConcatenatedJson(body: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(body.slice(start, i + 1)));
  }
  if (depth !== 0 || inString) throw new Error('truncated JSON');
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function verifySignature(req: http.IncomingMessage, body: string): string | null {
  const timestamp = Number(req.headers['x-hexaplane-timestamp']);
  const signature = String(req.headers['x-hexaplane-signature'] ?? '');
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return 'timestamp missing or stale';
  const expected = Buffer.from(`v1=${createHmac('sha256', HMAC_SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'bad signature';
}

export async function startReceivers(): Promise<Receivers> {
  const received = new Map<string, Received[]>();
  const refused: string[] = [];
  const failCounts = new Map<string, number>();
  const failing = new Set<string>();
  const counts = new Map<string, number>();
  const accept = (channel: string, items: Received[]) => received.set(channel, [...(received.get(channel) ?? []), ...items]);
  const pick = (r: z.infer<typeof record>): Received => ({ seq: r.seq, id: r.id, orgId: r.orgId, action: r.action, severity: r.severity });

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = req.url ?? '';
      const channel = url === '/services/collector/event' ? 'hec' : url === '/api/v2/logs' ? 'datadog' : url;
      counts.set(channel, (counts.get(channel) ?? 0) + 1);
      const refuse = (why: string, status = 400) => {
        refused.push(`${channel}: ${why}`);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ text: why, code: 6 }));
      };
      if (req.method !== 'POST') return refuse(`method ${req.method}`, 405);
      const remaining = failCounts.get(channel) ?? 0;
      if (failing.has(channel) || remaining > 0) {
        failCounts.set(channel, Math.max(0, remaining - 1));
        return res.writeHead(503).end('busy');
      }
      try {
        if (channel === 'hec') {
          if (req.headers.authorization !== `Splunk ${HEC_TOKEN}`) return refuse('bad Authorization', 401);
          if (!String(req.headers['content-type']).startsWith('application/json')) return refuse('content-type');
          const events = splitConcatenatedJson(body).map((e) => hecEvent.parse(e));
          accept(channel, events.map((e) => pick(e.event)));
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: 'Success', code: 0 }));
        }
        if (channel === 'datadog') {
          if (req.headers['dd-api-key'] !== DD_API_KEY) return refuse('bad DD-API-KEY', 403);
          if (req.headers['content-type'] !== 'application/json') return refuse('content-type');
          if (Buffer.byteLength(body) > 5 * 1024 * 1024) return refuse('payload over 5 MB', 413);
          const entries = datadogBody.parse(JSON.parse(body));
          accept(channel, entries.map((e) => pick(record.parse(JSON.parse(e.message)))));
          return res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
        }
        if (channel.startsWith('/ndjson/')) {
          if (req.headers['content-type'] !== 'application/x-ndjson') return refuse('content-type');
          const bad = verifySignature(req, body);
          if (bad) return refuse(bad, 401);
          if (!body.endsWith('\n')) return refuse('NDJSON must end with a newline');
          accept(channel, body.slice(0, -1).split('\n').map((line) => pick(record.parse(JSON.parse(line)))));
          return res.writeHead(204).end();
        }
        return refuse(`unknown path ${url}`, 404);
      } catch (error) {
        return refuse(error instanceof Error ? error.message.slice(0, 300) : String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    refused,
    failNext: (channel, n) => failCounts.set(channel, n),
    failAlways: (channel, on) => (on ? failing.add(channel) : failing.delete(channel)),
    requests: (channel) => counts.get(channel) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
