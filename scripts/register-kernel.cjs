#!/usr/bin/env node
'use strict';
// Registers the tslab kernel inside the project (jupyter/kernels/tslab/kernel.json) so nothing is
// installed globally and IPython is not needed. Jupyter finds it through JUPYTER_PATH=<project>/jupyter,
// which `npm run notebook` and `workbench notebook ...` set. Runs on every `npm install`.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const kernelDir = path.join(root, 'jupyter', 'kernels', 'tslab');
const launcher = path.join(root, 'jupyter', 'tslab-launcher.cjs');

function register() {
  fs.mkdirSync(kernelDir, { recursive: true });
  const spec = {
    argv: [process.execPath, launcher, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (tslab, workbench)',
    language: 'typescript',
    metadata: { workbench: { root } },
  };
  const target = path.join(kernelDir, 'kernel.json');
  const tmp = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(spec, null, 2)}\n`);
  fs.renameSync(tmp, target);
  return target;
}

if (require.main === module) {
  try {
    const target = register();
    console.log(
      `workbench: registered the tslab kernel at ${path.relative(root, target)} (use JUPYTER_PATH=${path.join(root, 'jupyter')})`,
    );
  } catch (err) {
    // Never fail `npm install` for the notebook extra; `workbench doctor` reports it.
    console.warn(`workbench: could not register the tslab kernel: ${err.message}`);
  }
}

module.exports = { register, kernelDir, root };
