import { describe, expect, it } from 'vitest';
import { isCommonPassword, passwordWeaknesses } from './passwords.ts';

describe('passwordWeaknesses', () => {
  const email = 'alice.smith@example.com';

  it('accepts a long passphrase', () => {
    expect(passwordWeaknesses('correct horse battery staple', email)).toEqual([]);
  });

  it('needs 12 to 256 characters', () => {
    expect(passwordWeaknesses('short-pass1', email)).toEqual(['must be at least 12 characters']);
    expect(passwordWeaknesses('x'.repeat(11) + 'y', email)).toEqual([]);
    expect(passwordWeaknesses('ab'.repeat(128), email)).toEqual([]);
    expect(passwordWeaknesses('ab'.repeat(128) + 'c', email)).toEqual(['must be at most 256 characters']);
  });

  it('counts characters, not UTF-16 units', () => {
    // 12 emoji are 24 UTF-16 units but 12 characters: long enough, and not all the same.
    expect(passwordWeaknesses('🔑🔒🔑🔒🔑🔒🔑🔒🔑🔒🔑🔒', email)).toEqual([]);
    expect(passwordWeaknesses('🔑'.repeat(11), email)).toEqual(['must be at least 12 characters']);
  });

  it('refuses one character repeated', () => {
    expect(passwordWeaknesses('a'.repeat(20), email)).toEqual(['must not be one character repeated']);
    expect(passwordWeaknesses('🔑'.repeat(12), email)).toEqual(['must not be one character repeated']);
  });

  it('refuses the e-mail local part in any case', () => {
    expect(passwordWeaknesses('my name is ALICE.SMITH ok', email)).toEqual(['must not contain your e-mail name']);
    expect(passwordWeaknesses('alice smith is fine here', email)).toEqual([]);
  });

  it('ignores a local part too short to matter', () => {
    expect(passwordWeaknesses('a perfectly good password', 'a@example.com')).toEqual([]);
  });
});

describe('common passwords (zxcvbn-ts list)', () => {
  const email = 'alice.smith@example.com';
  const common = 'is one of the most common passwords (found in leaked password lists): choose another';

  it('refuses a listed password in any letter case', () => {
    expect(passwordWeaknesses('qwerty123456', email)).toEqual([common]);
    expect(passwordWeaknesses('QWERTY123456', email)).toEqual([common]);
    expect(passwordWeaknesses('Password1234', email)).toEqual([common]);
    expect(isCommonPassword('1Q2W3E4R5T6Y')).toBe(true);
  });

  it('accepts the same password made unusual', () => {
    expect(passwordWeaknesses('qwerty123456 plus a river', email)).toEqual([]);
    expect(isCommonPassword('qwerty1234567890-hexaplane')).toBe(false);
  });
});
