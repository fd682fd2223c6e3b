/**
 * Identity figures (issue 3), each next to a baseline measured in the same run. Each part of
 * the issue adds its own section from bench/_identity-<part>.ts.
 * Usage: npm run bench -- identity
 */
import { measureOidcCallbacks, measureSamlValidation } from './_identity-sso.ts';

export async function run(): Promise<unknown> {
  return {
    sso: { oidc: await measureOidcCallbacks(), saml: await measureSamlValidation() },
  };
}
