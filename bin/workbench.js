#!/usr/bin/env node
// The `workbench` command. It runs the compiled JavaScript in dist/ (built by `npm install` /
// `npm run build`) while that is fresh, else the TypeScript sources through tsx, as notebooks and
// tests do. Sources win when WORKBENCH_COMPILED=0, when dist/ is missing or older than any source
// file, and when WORKBENCH_MODEL_KINDS names modules (they import the TypeScript sources, and
// kinds must register in the same module instances the CLI runs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.WORKBENCH_ROOT ??= root;
// `workbench ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** Newest modification time (ms) of the TypeScript files under `dir`, tests included (cheap, and safe). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** Why the sources run instead of dist/, or undefined when dist/ is fresh. */
function whySources() {
  if (process.env.WORKBENCH_COMPILED === '0') return 'WORKBENCH_COMPILED=0';
  if (process.env.WORKBENCH_MODEL_KINDS) return 'WORKBENCH_MODEL_KINDS names TypeScript modules';
  const stamp = path.join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return 'dist/ is not built (npm run build)';
  const built = statSync(stamp).mtimeMs;
  if (Math.max(newestSource(path.join(root, 'src')), newestSource(path.join(root, 'serve'))) > built) {
    return 'a source file is newer than dist/ (npm run build)';
  }
  return undefined;
}

const why = whySources();
if (why && process.env.WORKBENCH_COMPILED === '1') {
  process.stderr.write(`workbench: WORKBENCH_COMPILED=1 but ${why}\n`);
  process.exit(2);
}
let commands;
if (why) {
  const { register } = await import('tsx/esm/api');
  register();
  commands = '../serve/cli/commands.ts';
} else {
  // Plugin modules (promoted notebook code) load from dist/ too: one instance of every registry.
  const { setCodeRoot } = await import(pathToFileURL(path.join(root, 'dist', 'src', 'paths.js')).href);
  setCodeRoot(path.join(root, 'dist'));
  commands = pathToFileURL(path.join(root, 'dist', 'serve', 'cli', 'commands.js')).href;
}
// The library's commands plus the service's (serve, start): src/ itself never imports serve/.
const { runWorkbench } = await import(commands);
process.exitCode = await runWorkbench(process.argv.slice(2));
