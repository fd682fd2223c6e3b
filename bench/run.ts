/**
 * `npm run bench -- <name>`: runs bench/<name>.ts, which prints one JSON document.
 * Each benchmark measures a baseline in the same run and reports ratios against it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as { run(args: string[]): Promise<unknown> };
const result = await bench.run(process.argv.slice(3));
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
process.exit(0);
