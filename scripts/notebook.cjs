#!/usr/bin/env node
'use strict';
// `npm run notebook`: Jupyter (Lab if installed, else Notebook) on notebooks/ with the project's tslab kernel.
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');
const { register, root } = require('./register-kernel.cjs');

register();
const env = { ...process.env, JUPYTER_PATH: [path.join(root, 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
const has = (sub) => spawnSync('jupyter', [sub, '--version'], { env, stdio: 'ignore' }).status === 0;
const app = has('lab') ? 'lab' : has('notebook') ? 'notebook' : null;
if (!app) {
  console.error(
    'Jupyter was not found. Install it with Debian packages:\n' +
      '  sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient\n' +
      'or with pip:  pip install notebook nbconvert',
  );
  process.exit(1);
}
console.error(`workbench: starting jupyter ${app} on notebooks/ with the tslab kernel`);
const child = spawn('jupyter', [app, `--notebook-dir=${path.join(root, 'notebooks')}`, ...process.argv.slice(2)], {
  env,
  stdio: 'inherit',
  cwd: path.join(root, 'notebooks'),
});
child.on('exit', (code) => process.exit(code ?? 0));
