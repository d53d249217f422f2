/**
 * Re-importing library code in a running notebook kernel, after editing or promoting it.
 *
 * How tslab caches (tslab 1.0.22, dist/converter.js and executor.js): a cell's `import` of
 * `./src/x` compiles x.ts and its local imports into in-memory "side outputs"; evaluated modules
 * are kept by file name. A file watcher drops the cached copy of a file that changed, so
 * re-running the import cell picks up an edit of x.ts itself (tslab's file watcher notices it), but
 * NOT an edit of a module x.ts imports: x stays cached and keeps the old dependency. A module's
 * state (caches, singletons) also survives.
 *
 * `reimport(path)` sidesteps the cache: it compiles the module and every local `.ts` module it
 * imports afresh (npm packages are shared with the kernel, so there is still one TensorFlow.js),
 * and returns the new exports. It does not type-check; give it the module's type:
 *
 * ```ts
 * import { reimport } from './src/notebook/reimport';
 * const cooc = reimport<typeof import('./src/features/cooccurrence')>('./src/features/cooccurrence');
 * ```
 * Values made by the fresh copy are not `instanceof` the classes of an earlier import.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { DataError, NotFoundError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';

/** Options for {@link reimport}. */
export interface ReimportOptions {
  /** Folder relative specifiers resolve from (default: the working directory, which in the kernel is the project root). */
  root?: string;
}

interface LoadedModule {
  exports: Record<string, unknown>;
}

const TS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const projectRequire = createRequire(path.join(PROJECT_ROOT, 'package.json'));

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/** Finds the TypeScript file a specifier names (`./x`, `./x.js` or `./x.ts`, or a folder's index.ts). */
export function resolveTsFile(fromDir: string, specifier: string): string | undefined {
  const target = path.resolve(fromDir, specifier);
  const stem = target.replace(/\.(c|m)?js$/, '');
  const candidates = [target, ...TS_EXTENSIONS.map((ext) => stem + ext), ...TS_EXTENSIONS.map((ext) => path.join(target, `index${ext}`))];
  return candidates.find((c) => TS_EXTENSIONS.includes(path.extname(c)) && isFile(c));
}

function isLocal(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || path.isAbsolute(specifier);
}

function compile(file: string): string {
  const source = readFileSync(file, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  const diag = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (diag) {
    const line = diag.file && diag.start !== undefined ? diag.file.getLineAndCharacterOfPosition(diag.start).line + 1 : undefined;
    throw new DataError(ts.flattenDiagnosticMessageText(diag.messageText, ' '), { file, line });
  }
  return out.outputText;
}

function load(file: string, cache: Map<string, LoadedModule>): LoadedModule {
  const cached = cache.get(file);
  if (cached) return cached;
  const mod: LoadedModule = { exports: {} };
  // Registered before evaluation, as Node does, so import cycles see the partial exports.
  cache.set(file, mod);
  const nodeRequire = createRequire(file);
  const kernel = (globalThis as { __tslab__?: { require(id: string): unknown } }).__tslab__;
  const requireFn = (id: string): unknown => {
    if (id === 'tslab' && kernel) return kernel.require('tslab');
    if (isLocal(id)) {
      const local = resolveTsFile(path.dirname(file), id);
      if (local) return load(local, cache).exports;
    }
    try {
      return nodeRequire(id);
    } catch (err) {
      // A module outside the project (a scratch file) still gets the project's packages.
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || isLocal(id)) throw err;
      return projectRequire(id);
    }
  };
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${compile(file)}\n})`, {
    filename: file,
  }) as (exports: unknown, require: unknown, module: unknown, filename: string, dirname: string) => void;
  wrapper(mod.exports, Object.assign(requireFn, { resolve: nodeRequire.resolve }), mod, file, path.dirname(file));
  return mod;
}

/**
 * Loads a TypeScript module and its local imports afresh (no cache) and returns its exports.
 * A missing module is a NotFoundError; a syntax error a DataError naming file and line.
 * @param specifier - as in a notebook import: `./src/features/cooccurrence` (relative to `root`) or an absolute path.
 */
export function reimport<T = Record<string, unknown>>(specifier: string, opts: ReimportOptions = {}): T {
  const root = path.resolve(opts.root ?? process.cwd());
  const file = resolveTsFile(root, specifier);
  if (!file) throw new NotFoundError(`reimport: no TypeScript module at "${specifier}" (from ${root})`);
  return load(file, new Map()).exports as T;
}
