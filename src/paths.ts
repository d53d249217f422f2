/**
 * Well-known locations of the project. No `import.meta` here: the notebooks' tslab kernel compiles
 * `src/` to CommonJS. The root is WORKBENCH_ROOT (set by bin/workbench.js and the kernel launcher),
 * else the nearest folder above the working directory whose package.json is this project's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'ranking-workbench';

function findRoot(): string {
  if (process.env.WORKBENCH_ROOT) return path.resolve(process.env.WORKBENCH_ROOT);
  let dir = process.cwd();
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        /* not ours; keep looking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** The project root (the folder holding package.json). */
export const PROJECT_ROOT = findRoot();

let code = PROJECT_ROOT;

/**
 * The folder whose `src/` and `serve/` this process runs: the project root (TypeScript sources,
 * as notebooks, tests and tsx run them) or its `dist/` (compiled; bin/workbench.js says so).
 */
export function codeRoot(): string {
  return code;
}

/** Declares that this process runs the compiled tree under `dir` (bin/workbench.js calls it). */
export function setCodeRoot(dir: string): void {
  code = path.resolve(dir);
}

/** Where `npm install` registers the tslab kernel; Jupyter finds it through JUPYTER_PATH. */
export const JUPYTER_DIR = path.join(PROJECT_ROOT, 'jupyter');

/**
 * The Online Retail CSV shared beside the project (`../shared/datasets/online-retail/`), or
 * `WORKBENCH_ONLINE_RETAIL` when set.
 */
export function onlineRetailPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKBENCH_ONLINE_RETAIL
    ? path.resolve(env.WORKBENCH_ONLINE_RETAIL)
    : path.resolve(PROJECT_ROOT, '..', 'shared', 'datasets', 'online-retail', 'online-retail.csv.gz');
}
