// PLACEHOLDER until the demo seed lands (this file is replaced).
import type { Logger } from '../../kernel/logger.ts';
import type { ModuleDeps } from '../deps.ts';

export async function seedDemo(_deps: ModuleDeps, _adminUserId: string, log: Logger): Promise<void> {
  log.warn('demo seed not built yet');
}
