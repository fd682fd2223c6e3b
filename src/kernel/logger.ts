import pino from 'pino';

export type Logger = pino.Logger;

/** Paths that must never reach a log line, whatever module logs them. */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
];

/**
 * Masks PII (e-mail addresses, card numbers, phone numbers) in log text. The compliance module
 * installs its detectors here (ADR 0010); the kernel imports no module. Process-wide, not per org:
 * logs leave the tenant boundary, so they get the strictest default.
 */
export type LogTextMasker = (text: string) => string;
let logMasker: LogTextMasker | null = null;

export function setLogTextMasker(masker: LogTextMasker | null): void {
  logMasker = masker;
}

function maskStrings(value: unknown, mask: LogTextMasker): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, mask));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskStrings(v, mask);
    return out;
  }
  return value;
}

/**
 * Masks the finished log line: after serializers (request URLs, errors) and redaction, so
 * nothing escapes it. Only string values are masked, never numbers (a 13-digit timestamp
 * is not a card number).
 */
export function maskLogLine(line: string): string {
  const mask = logMasker;
  if (!mask) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return mask(line);
  }
  return JSON.stringify(maskStrings(parsed, mask)) + (line.endsWith('\n') ? '\n' : '');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = { level, redact: { paths: redactedLogPaths, censor: '[redacted]' }, hooks: { streamWrite: maskLogLine } };
  return destination ? pino(options, destination) : pino(options);
}
