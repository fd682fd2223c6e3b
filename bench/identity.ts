/**
 * `npm run bench -- identity [users] [groups]`: the issue 3 identity figures. Each part of the
 * issue adds its own section from a `bench/_identity-<part>.ts` file.
 */
import { measureScimProvisioning } from './_identity-scim.ts';

export async function run(args: string[]) {
  const users = Number(args[0] ?? 10_000);
  const groups = Number(args[1] ?? 500);
  return {
    scimProvisioning: await measureScimProvisioning({ users, groups }),
  };
}
