#!/usr/bin/env node
// The `hexaplane` command. TypeScript sources run through tsx's loader, so a clone needs
// no build step before `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
