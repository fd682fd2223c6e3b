// PLACEHOLDER until the audit module lands (this file is replaced).
import type { App } from '../../kernel/http/server.ts';
import type { ModuleDeps } from '../deps.ts';

export function register(_app: App, _deps: ModuleDeps): void {}
