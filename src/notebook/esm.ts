/**
 * Loading ESM-only packages (vega, vega-lite) from code that may run as CommonJS.
 *
 * vega and vega-lite are ESM with top-level await, so `require()` cannot load them, and in the
 * tslab kernel `src/` is compiled to CommonJS, where TypeScript turns `import()` into `require()`.
 * A `vm.Script` that keeps a real `import()` and uses the main context's ESM loader works in both
 * the kernel and tsx (the CLI and tests).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { PROJECT_ROOT } from '../paths.js';

type Importer = (url: string) => Promise<unknown>;
let importer: Importer | undefined;

function kernelImporter(): Importer {
  const load = new vm.Script('(url) => import(url)', {
    filename: path.join(PROJECT_ROOT, 'workbench-esm-import.js'),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as Importer;
  return (url) => {
    // Node flags this loader as experimental when import() starts (synchronously); the warning
    // would otherwise land in a notebook cell's output.
    const emit = process.emitWarning;
    process.emitWarning = () => {};
    try {
      return load(url);
    } finally {
      process.emitWarning = emit;
    }
  };
}

/** Imports an ESM package by name (resolved from the project root) and returns its namespace. */
export async function importEsm<T>(specifier: string): Promise<T> {
  const url = pathToFileURL(createRequire(path.join(PROJECT_ROOT, 'package.json')).resolve(specifier)).href;
  // Under tsx (CLI, tests) this file is ESM and import() is real; in the tslab kernel it is not.
  importer ??= '__tslab__' in globalThis ? kernelImporter() : (u: string) => import(u);
  return (await importer(url)) as T;
}
