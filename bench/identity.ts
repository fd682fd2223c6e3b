/**
 * `npm run bench -- identity [users] [groups]`: the identity figures of issue 3, each next to a
 * baseline measured in the same run. Each part of the issue lives in its own
 * `bench/_identity-<part>.ts` and exports one function called here.
 */
import { measureMfa } from './_identity-mfa.ts';
import { measureScimProvisioning } from './_identity-scim.ts';
import { measureOidcCallbacks, measureSamlValidation } from './_identity-sso.ts';

export async function run(args: string[]): Promise<unknown> {
  const users = Number(args[0] ?? 10_000);
  const groups = Number(args[1] ?? 500);
  return {
    sso: { oidc: await measureOidcCallbacks(), saml: await measureSamlValidation() },
    mfa: await measureMfa(),
    scimProvisioning: await measureScimProvisioning({ users, groups }),
  };
}
