// PLACEHOLDER until the identity module lands (this file is replaced).
import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import type { IdentityContract } from './contract.ts';

export type IdentityService = IdentityContract;

export function register(_app: App, _deps: ModuleDeps): IdentityService {
  throw new Error('identity module not built yet');
}

export async function bootstrapAdministrator(_deps: ModuleDeps): Promise<{ userId: string; email: string; generatedPassword: string | null }> {
  throw new Error('identity module not built yet');
}
