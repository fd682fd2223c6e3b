import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createHexaplaneClient, type HexaplaneClient } from '../sdk/index.ts';

export interface Profile {
  url: string;
  apiKey: string;
  orgId: string;
}

export function profilePath(): string {
  const base = process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  return path.join(base, 'hexaplane', 'credentials.json');
}

export function readProfile(): Partial<Profile> {
  const file = profilePath();
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Partial<Profile>;
}

/** The API key is a credential: the file is readable by its owner only. */
export function writeProfile(profile: Profile): string {
  const file = profilePath();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(profile, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  org?: string;
  output: 'table' | 'json';
}

export interface CliContext {
  client: HexaplaneClient;
  orgId: string;
  output: 'table' | 'json';
}

/** Flags win over environment variables, which win over the saved profile. */
export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const profile = readProfile();
  const url = options.url ?? process.env.HEXAPLANE_URL ?? profile.url ?? 'http://localhost:8080';
  const apiKey = options.apiKey ?? process.env.HEXAPLANE_API_KEY ?? profile.apiKey;
  if (!apiKey) throw new Error('no API key: run `hexaplane login --api-key hxp_...` or set HEXAPLANE_API_KEY');
  const orgId = options.org ?? process.env.HEXAPLANE_ORG ?? profile.orgId ?? '';
  return { client: createHexaplaneClient({ baseUrl: url, apiKey }), orgId, output: options.output };
}
