/**
 * Finding Jupyter and the project's tslab kernel. The kernel is registered inside the project
 * (jupyter/kernels/tslab) by `npm install`; every Jupyter call gets JUPYTER_PATH pointing there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { JUPYTER_DIR } from '../paths.js';

/** How to get Jupyter, printed wherever it is missing. */
export const JUPYTER_INSTALL_HINT =
  'install Jupyter: "sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient" (Debian/Ubuntu) or "pip install notebook nbconvert"';

/** Environment for any Jupyter child process: the project's kernelspec first on JUPYTER_PATH. */
export function jupyterEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const paths = [JUPYTER_DIR, env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...env, JUPYTER_PATH: paths };
}

/** Status of the Jupyter installation and the tslab kernel. */
export interface JupyterStatus {
  found: boolean;
  version?: string;
  nbconvert: boolean;
  kernel: { registered: boolean; path: string; problem?: string };
}

/** Looks for `jupyter`, `jupyter nbconvert` and the project's kernelspec. */
export function jupyterStatus(env: NodeJS.ProcessEnv = process.env): JupyterStatus {
  const e = jupyterEnv(env);
  const v = spawnSync('jupyter', ['--version'], { env: e, encoding: 'utf8' });
  const found = v.status === 0;
  const core = found ? /jupyter_core\s*:\s*(\S+)/.exec(v.stdout)?.[1] : undefined;
  const nb = found && spawnSync('jupyter', ['nbconvert', '--version'], { env: e, encoding: 'utf8' }).status === 0;
  const kernelPath = path.join(JUPYTER_DIR, 'kernels', 'tslab', 'kernel.json');
  let problem: string | undefined;
  if (!existsSync(kernelPath)) problem = 'kernel.json missing; run "npm install" (or "node scripts/register-kernel.cjs")';
  else {
    try {
      const spec = JSON.parse(readFileSync(kernelPath, 'utf8')) as { argv?: string[] };
      const launcher = spec.argv?.[1];
      if (!launcher || !existsSync(launcher))
        problem = `kernel.json names a launcher that does not exist (${launcher}); run "npm install" again`;
    } catch (err) {
      problem = `kernel.json is not valid JSON: ${errorMessage(err)}`;
    }
  }
  return { found, version: core, nbconvert: nb, kernel: { registered: !problem, path: kernelPath, problem } };
}

/**
 * What is missing for headless notebook runs (Jupyter, nbconvert, the tslab kernel), as one line
 * that names it and says how to get it; undefined when everything is there. Tests that execute
 * notebooks fail with this first, instead of with whatever a missing tool breaks downstream.
 */
export function missingJupyter(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const s = jupyterStatus(env);
  if (!s.found) return `Jupyter is not installed ("jupyter" is not on PATH); ${JUPYTER_INSTALL_HINT}`;
  if (!s.nbconvert) return `Jupyter nbconvert is not installed ("jupyter nbconvert" fails); ${JUPYTER_INSTALL_HINT}`;
  if (s.kernel.problem) return `the tslab kernel is not registered: ${s.kernel.problem}`;
  return undefined;
}
