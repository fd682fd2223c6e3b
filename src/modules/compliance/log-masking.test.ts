import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setLogTextMasker } from '../../kernel/logger.ts';
import { maskLogText } from './index.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream), lines: () => lines.map((l) => JSON.parse(l) as Record<string, any>), raw: () => lines.join('') };
}

describe('log masking', () => {
  beforeAll(() => setLogTextMasker(maskLogText));
  afterAll(() => setLogTextMasker(maskLogText));

  it('masks e-mail addresses, card numbers and phone numbers in messages and objects', () => {
    const { log, lines, raw } = capture();
    log.info({ req: { url: '/api/v1/x?q=alice@example.com' }, user: { email: 'bob@example.com', phone: '+1 213 373 4253' }, tags: ['4111-1111-1111-1111'] }, 'paid by carol@example.com with 4111 1111 1111 1111');
    log.error(new Error('lookup of dave@example.com failed'), 'oops');
    const [first, second] = lines();
    expect(first!.msg).toBe('paid by [email] with [card]');
    expect(first!.req.url).toBe('/api/v1/x?q=[email]');
    expect(first!.user).toEqual({ email: '[email]', phone: '[phone]' });
    expect(first!.tags).toEqual(['[card]']);
    expect(second!.err.message).toBe('lookup of [email] failed');
    expect(raw()).not.toMatch(/alice@|bob@|carol@|dave@|4111|213 373/);
  });

  it('leaves numbers (timestamps) and PII-free lines alone, and keeps secrets redacted', () => {
    const { log, lines } = capture();
    log.info({ at: 4111111111111111, body: { password: 'hunter2 a@b.co' }, workspace: 'prod' }, 'workspace created');
    const [line] = lines();
    expect(line).toMatchObject({ at: 4111111111111111, body: { password: '[redacted]' }, workspace: 'prod', msg: 'workspace created' });
    expect(typeof line!.time).toBe('number');
  });

  it('writes PII as is when no masker is installed (the port, not the kernel, knows the detectors)', () => {
    setLogTextMasker(null);
    const { log, lines } = capture();
    log.info('to erin@example.com');
    expect(lines()[0]!.msg).toBe('to erin@example.com');
  });
});
