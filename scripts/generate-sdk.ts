/**
 * Writes the OpenAPI document and the typed client's types from the same zod schemas the
 * server validates with: src/sdk/openapi.json and src/sdk/schema.d.ts.
 * `npm run sdk` regenerates them; a test fails when they drift from the routes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from './openapi.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { json, types } = await renderOpenApi();
writeFileSync(path.join(root, 'src/sdk/openapi.json'), json);
writeFileSync(path.join(root, 'src/sdk/schema.d.ts'), types);
process.stdout.write('wrote src/sdk/openapi.json and src/sdk/schema.d.ts\n');
