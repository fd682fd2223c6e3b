import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detect,
  detectors,
  findPii,
  hashToken,
  luhnValid,
  maskEvent,
  maskJson,
  maskStyles,
  maskText,
  myNumberCheckDigit,
  myNumberValid,
  orderRules,
  type Detector,
  type EventRule,
  type MaskStyle,
  type TextRule,
} from './pii.ts';

const key = randomBytes(32);
const every = (style: MaskStyle): TextRule[] => orderRules(detectors.map((detector) => ({ detector, style, defaultCountry: 'US' as const })));

describe('check digits', () => {
  it('Luhn accepts test card numbers and rejects a changed digit', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4242424242424242']) expect(luhnValid(n)).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });

  it('My Number check digits, computed by hand from the ordinance formula', () => {
    // 1..9,0,1: Σ P·Q = 212, 212 mod 11 = 3, check = 11 - 3 = 8.
    expect(myNumberCheckDigit('12345678901')).toBe(8);
    // All ones: Σ Q = 47, 47 mod 11 = 3, check = 8.
    expect(myNumberCheckDigit('11111111111')).toBe(8);
    // All zeros: r = 0 ≤ 1, check = 0.
    expect(myNumberCheckDigit('00000000000')).toBe(0);
    // 0..0,6 at P1 (Q=2): 12 mod 11 = 1 ≤ 1 → 0; with 5 at P1: 10 → check 1.
    expect(myNumberCheckDigit('00000000006')).toBe(0);
    expect(myNumberCheckDigit('00000000005')).toBe(1);
    expect(myNumberValid('123456789018')).toBe(true);
    expect(myNumberValid('111111111118')).toBe(true);
    expect(myNumberValid('123456789019')).toBe(false);
    expect(myNumberValid('12345678901')).toBe(false);
  });
});

describe('detectors', () => {
  const cases: Array<[Detector, string, string[]]> = [
    ['email', 'mail alice.smith+ops@example.co.jp or BOB@Example.COM, not @handle or a@b', ['alice.smith+ops@example.co.jp', 'BOB@Example.COM']],
    ['payment-card', 'paid with 4111 1111 1111 1111 and 5555-5555-5555-4444; 378282246310005 too', ['4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005']],
    ['payment-card', 'not a card: 4111111111111112, 4111 1111-1111 1111, order 1234567890123', []],
    ['my-number', 'My Number 1234 5678 9018, also 111111111118; not 123456789019', ['1234 5678 9018', '111111111118']],
    ['iban', 'pay DE89 3704 0044 0532 0130 00 ON MONDAY or GB82WEST12345698765432; not DE89370400440532013001', ['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432']],
    ['ip-address', 'from 192.168.1.10 and 2001:db8::1 and ::ffff:10.0.0.1; not 999.1.1.1, 1.2.3, 12:30:45 or v1.2.3.4.5', ['192.168.1.10', '2001:db8::1', '::ffff:10.0.0.1']],
    ['phone', 'call +1 213 373 4253 or (213) 373-4253 at 10:30, ticket 42', ['+1 213 373 4253', '(213) 373-4253']],
  ];
  it.each(cases)('%s finds exactly what it should in %j', (detector, text, expected) => {
    expect(detect(text, detector, 'US').map((m) => m.value)).toEqual(expected);
  });

  it('uses the default country for national phone numbers', () => {
    expect(detect('電話 03-1234-5678 まで', 'phone', 'JP').map((m) => m.value)).toEqual(['03-1234-5678']);
    expect(detect('電話 03-1234-5678 まで', 'phone', 'US')).toEqual([]);
  });

  it('lets a card number win over a phone number on the same digits', () => {
    const found = findPii('card 4111111111111111', orderRules([{ detector: 'phone', style: 'redact' }, { detector: 'payment-card', style: 'redact' }]));
    expect(found.map((m) => m.detector)).toEqual(['payment-card']);
  });
});

describe('masking styles', () => {
  const text = 'alice@example.com paid 4111 1111 1111 1111 from 10.1.2.3, IBAN DE89370400440532013000, My Number 123456789018';
  it('redact', () => {
    expect(maskText(text, every('redact'))).toBe('[email] paid [card] from [ip], IBAN [iban], My Number [my-number]');
  });
  it('partial keeps what identifies the kind, not the person', () => {
    expect(maskText(text, every('partial'))).toBe(
      '***@example.com paid [card ****1111] from [ip 10.1.x.x], IBAN [iban DE**…3000], My Number [my-number ********9018]',
    );
    expect(maskText('2001:db8:85a3::8a2e:370:7334', [{ detector: 'ip-address', style: 'partial' }])).toBe('[ip 2001-db8-85a3-x]');
    expect(maskText('+1 213 373 4253', [{ detector: 'phone', style: 'partial' }])).toBe('[phone ***53]');
  });
  it('hash: the same value, however written, gives the same token; another key another', () => {
    const a = maskText('4111 1111 1111 1111', every('hash'), { hmacKey: key });
    expect(a).toMatch(/^\[card#[a-p]{16}\]$/);
    expect(maskText('4111-1111-1111-1111', every('hash'), { hmacKey: key })).toBe(a);
    expect(maskText('ALICE@example.com', every('hash'), { hmacKey: key })).toBe(maskText('alice@EXAMPLE.com', every('hash'), { hmacKey: key }));
    expect(maskText('4111111111111111', every('hash'), { hmacKey: randomBytes(32) })).not.toBe(a);
    expect(hashToken(key, 'email', 'a@b.co')).not.toBe(hashToken(key, 'phone', 'a@b.co'));
  });
  it('hash without a key redacts rather than leak', () => {
    expect(maskText('4111111111111111', every('hash'))).toBe('[card]');
  });
});

describe('events and JSON', () => {
  const rule = (detector: Detector, appliesTo: Partial<EventRule['appliesTo']>): EventRule => ({
    detector,
    style: 'redact',
    appliesTo: { payload: false, fields: [], targetName: false, actorName: false, actorIp: false, reason: false, ...appliesTo },
  });
  const event = {
    actorName: 'Alice <alice@example.com>',
    actorIp: '203.0.113.9',
    targetName: 'bob@example.com',
    reason: null,
    before: null,
    after: { email: 'bob@example.com', note: 'cc carol@example.com', nested: [{ email: 'dave@example.com' }], count: 3 },
  };

  it('masks every string of the payload, or only named fields', () => {
    expect(maskEvent(event, [rule('email', { payload: true })]).after).toEqual({
      email: '[email]', note: 'cc [email]', nested: [{ email: '[email]' }], count: 3,
    });
    expect(maskEvent(event, [rule('email', { payload: true, fields: ['email'] })]).after).toEqual({
      email: '[email]', note: 'cc carol@example.com', nested: [{ email: '[email]' }], count: 3,
    });
  });

  it('masks the target name, actor name and actor ip only when asked', () => {
    const masked = maskEvent(event, [rule('email', { targetName: true, actorName: true }), rule('ip-address', { actorIp: true })]);
    expect(masked).toMatchObject({ actorName: 'Alice <[email]>', targetName: '[email]', actorIp: '[ip]' });
    expect(masked.after).toBe(event.after);
  });

  it('returns the very same object when nothing matched', () => {
    const clean = { ...event, actorName: 'Alice', targetName: 'prod', after: { name: 'x' } };
    expect(maskEvent(clean, [rule('email', { payload: true, targetName: true, actorName: true })])).toBe(clean);
    const json = { a: ['b', { c: 'd' }] };
    expect(maskJson(json, every('redact'))).toBe(json);
  });
});

// ---- properties ----

const digit = fc.integer({ min: 0, max: 9 }).map(String);
const luhnComplete = (body: string) => {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
};
const card = fc
  .tuple(fc.constantFrom('4', '51', '37', '6011'), fc.integer({ min: 13, max: 19 }), fc.array(digit, { minLength: 19, maxLength: 19 }), fc.constantFrom('', ' ', '-'))
  .map(([prefix, length, rest, sep]) => {
    const digits = luhnComplete((prefix + rest.join('')).slice(0, length - 1));
    return sep ? digits.replace(/(\d{4})(?=\d)/g, `$1${sep}`) : digits;
  });
const myNumber = fc.array(digit, { minLength: 11, maxLength: 11 }).map((d) => d.join('') + myNumberCheckDigit(d.join('')));
const email = fc.tuple(fc.stringMatching(/^[a-z0-9._+-]{1,12}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/), fc.constantFrom('com', 'jp', 'co.uk', 'example'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const iban = fc.constantFrom('DE89370400440532013000', 'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'NL91ABNA0417164300', 'FR1420041010050500013M02606');
const phone = fc.constantFrom('+1 213 373 4253', '(213) 373-4253', '+81 3-1234-5678', '+44 20 7946 0958');
const pii = fc.oneof(card, myNumber, email, ipv4, ipv6, iban, phone);
// Filler that cannot form PII on its own: letters and punctuation, no digits, '@' or ':'.
const filler = fc.stringMatching(/^[a-zA-Z ,;!?()'"\-\u3042-\u3093]{0,20}$/);
const textWithPii = fc.array(fc.tuple(filler, pii), { minLength: 1, maxLength: 5 }).map((parts) => parts.map(([f, p]) => `${f} ${p} `).join(''));
const style = fc.constantFrom(...maskStyles);

describe('properties', () => {
  it('a masked text contains no value any detector accepts, and none of the original values', () => {
    fc.assert(fc.property(fc.array(fc.tuple(filler, pii), { minLength: 1, maxLength: 5 }), style, (parts, s) => {
      const text = parts.map(([f, p]) => `${f} ${p} `).join('');
      const masked = maskText(text, every(s), { hmacKey: key });
      expect(findPii(masked, every(s))).toEqual([]);
      // The phone matcher weighs context ("() +1 ..." is not a number to it), so the check is
      // against what was detected in the input; cards, IBANs, My Numbers and e-mails always are.
      for (const m of findPii(text, every(s))) expect(masked).not.toContain(m.value);
      for (const [, value] of parts) if (!value.startsWith('+') && !value.startsWith('(')) expect(masked).not.toContain(value);
    }), { numRuns: 300 });
  });

  it('masking is idempotent, for PII-bearing text and for arbitrary strings', () => {
    fc.assert(fc.property(fc.oneof(textWithPii, fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9 .:@a-f-]{0,60}$/)), style, (text, s) => {
      const once = maskText(text, every(s), { hmacKey: key });
      expect(maskText(once, every(s), { hmacKey: key })).toBe(once);
    }), { numRuns: 400 });
  });

  it('text without PII is untouched', () => {
    fc.assert(fc.property(filler, style, (text, s) => {
      expect(maskText(text, every(s), { hmacKey: key })).toBe(text);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.object({ key: filler, values: [filler, fc.boolean(), fc.constant(null)], maxDepth: 3 }), (value) => {
      expect(maskJson(value, every('redact'))).toBe(value);
    }), { numRuns: 200 });
  });
});
