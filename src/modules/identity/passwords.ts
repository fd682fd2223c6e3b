import { dictionary } from '@zxcvbn-ts/language-common';

/** The password policy: length first, then what makes a long password guessable anyway. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * Common passwords (zxcvbn-ts's list of ~49,000 from leaks), lower-cased. Only those long enough
 * to pass the length rule can ever match, so only those are kept (a few hundred).
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((p) => p.normalize('NFKC').toLowerCase()).filter((p) => [...p].length >= PASSWORD_MIN_LENGTH),
);

/** Whether a password is on the common list, in any letter case. */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.normalize('NFKC').toLowerCase());
}

// A one- or two-letter local part ("a@x.com") would forbid most passwords; below this
// length the rule is noise, not protection.
const MIN_LOCAL_PART_CHECKED = 3;

/**
 * Why a password is refused, one message per broken rule; empty when it is acceptable.
 * Lengths count characters (code points) of the NFKC form, which is what gets hashed.
 */
export function passwordWeaknesses(password: string, email: string): string[] {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return [`must be at least ${PASSWORD_MIN_LENGTH} characters`];
  if (length > PASSWORD_MAX_LENGTH) return [`must be at most ${PASSWORD_MAX_LENGTH} characters`];
  const problems: string[] = [];
  if (/^(.)\1*$/su.test(normalized)) problems.push('must not be one character repeated');
  if (isCommonPassword(normalized)) problems.push('is one of the most common passwords (found in leaked password lists): choose another');
  const localPart = email.split('@')[0]?.normalize('NFKC').toLowerCase() ?? '';
  if (localPart.length >= MIN_LOCAL_PART_CHECKED && normalized.toLowerCase().includes(localPart)) {
    problems.push('must not contain your e-mail name');
  }
  return problems;
}
