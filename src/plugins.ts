/**
 * Plugin folders: where promoted notebook code (features, feature sets, model kinds) lives so that
 * every entry point has it without anyone editing library internals. Each module in
 * `src/features/custom/` and `src/models/custom/` registers what it defines when imported
 * (`registerFeature`, `registerFeatureSet`, `registerModelKind`); `loadPlugins` imports them all,
 * in name order. The CLI (and so the pipeline and the service) calls it before doing anything; a
 * compiled CLI imports their compiled copies from dist/ (see codeRoot in paths.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, WorkbenchError } from './errors.js';
import { codeRoot } from './paths.js';

/** The plugin folders, relative to the project root. */
export const PLUGIN_DIRS: readonly string[] = ['src/features/custom', 'src/models/custom'];

const loaded = new Set<string>();

function isModule(name: string): boolean {
  return /\.(ts|js|mjs)$/.test(name) && !/\.(test|spec)\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts');
}

/**
 * Imports every plugin module once (later calls import only new files).
 * @returns the modules imported by this call (relative paths).
 * @throws WorkbenchError "plugin_failed" naming the module whose import threw.
 */
export async function loadPlugins(root: string = codeRoot()): Promise<string[]> {
  const out: string[] = [];
  for (const dir of PLUGIN_DIRS) {
    const abs = path.join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).filter(isModule).sort()) {
      const file = path.join(abs, name);
      if (loaded.has(file)) continue;
      try {
        await import(pathToFileURL(file).href);
      } catch (err) {
        throw new WorkbenchError('plugin_failed', `plugin ${path.join(dir, name)} failed to load: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      loaded.add(file);
      out.push(path.join(dir, name));
    }
  }
  return out;
}
