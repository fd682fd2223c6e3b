/**
 * `npm run bench -- identity`: the identity figures of issue 3. Each part lives in its own
 * `bench/_identity-<part>.ts` and exports one function called here.
 */
import { measureMfa } from './_identity-mfa.ts';

export async function run(): Promise<unknown> {
  return {
    mfa: await measureMfa(),
  };
}
