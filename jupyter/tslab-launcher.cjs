#!/usr/bin/env node
'use strict';
// Jupyter starts a kernel in the notebook's folder, and tslab compiles every cell with TypeScript's
// rootDir set to the working directory, so `import ... from '../src/x'` would fail with
// "not under rootDir". Starting tslab from the project root lets notebooks import `./src/...`.
const path = require('node:path');
const root = path.resolve(__dirname, '..');
process.chdir(root);
process.env.WORKBENCH_ROOT = root;
// tslab compiles `./src/...` imports to CommonJS and evaluates them with Module#_compile under
// their .js names; with "type": "module" in package.json, Node >= 20.19 would treat that code as
// ESM ("exports is not defined in ES module scope"). Tell Node it is CommonJS.
const Module = require('node:module');
const compile = Module.prototype._compile;
Module.prototype._compile = function compileTslabOutput(content, filename, format) {
  return compile.call(this, content, filename, format ?? 'commonjs');
};
// tslab reads process.argv through commander: [node, script, 'kernel', '--config-path', file].
require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js')).main();
