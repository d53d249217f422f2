#!/usr/bin/env node
// The `workbench` command. The library is TypeScript; tsx compiles it on the fly so the CLI,
// the notebooks and the tests all run the same source with no build step.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

process.env.WORKBENCH_ROOT ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `workbench ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
register();
// The library's commands plus the service's (serve, start): src/ itself never imports serve/.
const { runWorkbench } = await import('../serve/cli/commands.ts');
process.exitCode = await runWorkbench(process.argv.slice(2));
