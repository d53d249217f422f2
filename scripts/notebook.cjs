#!/usr/bin/env node
'use strict';
// `npm run notebook`: Jupyter (Lab if installed, else Notebook) on notebooks/ with the project's tslab
// kernel preselected for new notebooks; as root (containers, CI machines) it passes --allow-root,
// without which Jupyter refuses to start.
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');
const { register, root } = require('./register-kernel.cjs');

/** The arguments of `jupyter <app>`: notebook folder, default kernel, root permission, then the user's. */
function jupyterArgs(app, { uid = process.getuid?.(), extra = [] } = {}) {
  return [
    app,
    `--notebook-dir=${path.join(root, 'notebooks')}`,
    // New notebooks start with TypeScript, not Python (both Notebook 6 and Lab read this).
    '--MappingKernelManager.default_kernel_name=tslab',
    ...(uid === 0 ? ['--allow-root'] : []),
    ...extra,
  ];
}

function main() {
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
  const child = spawn('jupyter', jupyterArgs(app, { extra: process.argv.slice(2) }), {
    env,
    stdio: 'inherit',
    cwd: path.join(root, 'notebooks'),
  });
  // Stopping this script stops Jupyter too.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}

if (require.main === module) main();

module.exports = { jupyterArgs };
