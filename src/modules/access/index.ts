// PLACEHOLDER until the access module lands (this file is replaced).
import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';
import type { AccessContract } from './contract.ts';

export type AccessService = AccessContract;

export function register(_app: App, _deps: ModuleDeps): AccessService {
  throw new Error('access module not built yet');
}
