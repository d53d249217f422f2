#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` / `npm ci` run it): compiles src/ and serve/ to
// dist/ with tsc, so `workbench` and the service start without compiling TypeScript. Writes
// dist/.build-stamp dated when the build began: bin/workbench.js runs dist/ only while no source
// is newer than that (an edit made during the build counts as newer).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const began = new Date();
fs.rmSync(dist, { recursive: true, force: true });
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  // An install without devDependencies: nothing to compile with; the CLI runs the sources (tsx).
  console.log('workbench build: typescript is not installed; skipped (the CLI runs the TypeScript sources)');
  process.exit(0);
}
const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  fs.rmSync(dist, { recursive: true, force: true }); // never leave a half-built dist/ to be run
  console.error(`workbench build: tsc failed (exit ${run.status ?? run.signal}); the CLI runs the TypeScript sources`);
  process.exit(run.status ?? 1);
}
const stamp = path.join(dist, '.build-stamp');
fs.writeFileSync(stamp, `${began.toISOString()}\n`);
fs.utimesSync(stamp, began, began);
console.log(`workbench build: dist/ compiled in ${((Date.now() - began.getTime()) / 1000).toFixed(1)} s`);
