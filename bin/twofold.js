#!/usr/bin/env node
// The operator's tool. Twofold needs Node.js 22 or newer: on an older node (a machine
// whose distribution ships Node.js 20) it runs itself again with the Node.js that
// scripts/node.sh provides, from the npm registry.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (Number(process.versions.node.split('.')[0]) < 22) {
  const script = fileURLToPath(new URL('../scripts/node.sh', import.meta.url));
  const run = spawnSync('bash', [script, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
await import('../dist/cli/index.js');
