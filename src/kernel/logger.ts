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

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactedLogPaths, censor: '[redacted]' } });
}
