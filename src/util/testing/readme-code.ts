/**
 * The README's example modules as code a test can import (imported by tests, and by
 * bench/synthetic-legacy.ts for `withSourceImports`): a ```ts block
 * is found by its first line (a `// src/...` path comment or a `//| export` marker) and its
 * relative imports are pointed at the TypeScript sources, so a test runs exactly what a reader copies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../paths.js';

/** The body of the README's ```ts block whose first line is `firstLine` (that line included). */
export function readmeBlock(firstLine: string, readme = path.join(PROJECT_ROOT, 'README.md')): string {
  const blocks = readFileSync(readme, 'utf8')
    .split('```ts\n')
    .slice(1)
    .map((b) => b.split('\n```')[0]);
  const found = blocks.filter((b) => b.split('\n')[0] === firstLine);
  if (found.length !== 1) throw new Error(`${readme}: ${found.length} \`\`\`ts blocks start with "${firstLine}" (want 1)`);
  return found[0];
}

/**
 * `code` with each relative import specifier resolved from `fromDir` (where the README says the
 * module lives, or the project root for a notebook cell) to a file URL of its `.ts` source.
 */
export function withSourceImports(code: string, fromDir: string): string {
  return code.replace(/(from\s+)'(\.{1,2}\/[^']+)'/g, (_m, from: string, spec: string) => {
    const file = path.resolve(fromDir, spec);
    const ts = file.replace(/\.js$/, '.ts');
    return `${from}'${pathToFileURL(existsSync(ts) ? ts : file).href}'`;
  });
}

/**
 * Writes the README block starting with `firstLine` into `dir` as `<name>.mts` (ESM wherever it
 * lives), its imports resolved from `fromDir`; returns the file's path.
 */
export async function writeReadmeModule(firstLine: string, fromDir: string, dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.mts`);
  await writeFile(file, withSourceImports(readmeBlock(firstLine), fromDir));
  return file;
}
