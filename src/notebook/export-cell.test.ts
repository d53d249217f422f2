import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { exportCellCode, exportTarget, rewriteSpecifier } from './export-cell.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'export-cell-'));
mkdirSync(path.join(root, 'src', 'eval'), { recursive: true });
writeFileSync(path.join(root, 'src', 'eval', 'index.ts'), 'export {};\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ctx = { projectRoot: root, moduleFile: path.join(root, 'src', 'features', 'cooc.ts'), where: 'nb.ipynb cell 3' };

describe('export markers', () => {
  it('reads the module path from a first-line marker', () => {
    expect(exportTarget('//| export features/cooccurrence\nfunction f() {}', 'nb')).toBe('features/cooccurrence');
    expect(exportTarget('//|export util/x.ts', 'nb')).toBe('util/x');
    expect(exportTarget('// export features/x\nconst a = 1;', 'nb')).toBeUndefined();
    expect(exportTarget('const a = 1;\n//| export features/x', 'nb')).toBeUndefined();
  });

  it('rejects a marker without a module path or one that leaves src/, naming the cell', () => {
    expect(() => exportTarget('//| export', 'nb.ipynb cell 2')).toThrow(DataError);
    expect(() => exportTarget('//| export ../serve/app', 'nb.ipynb cell 2')).toThrow(
      /nb.ipynb cell 2: export marker .* got "..\/serve\/app"/,
    );
    expect(() => exportTarget('//| export /abs/x', 'nb')).toThrow(DataError);
  });
});

describe('rewriteSpecifier', () => {
  const moduleDir = path.join(root, 'src', 'features');
  it('re-points project-root imports to the module folder with .js specifiers', () => {
    expect(rewriteSpecifier('./src/util/random', root, moduleDir)).toBe('../util/random.js');
    expect(rewriteSpecifier('./src/util/random.js', root, moduleDir)).toBe('../util/random.js');
    expect(rewriteSpecifier('./src/util/random.ts', root, moduleDir)).toBe('../util/random.js');
    expect(rewriteSpecifier('./src/features/popularity', root, moduleDir)).toBe('./popularity.js');
    expect(rewriteSpecifier('./src/eval', root, moduleDir)).toBe('../eval/index.js');
  });
  it('leaves package imports alone', () => {
    expect(rewriteSpecifier('danfojs-node', root, moduleDir)).toBe('danfojs-node');
    expect(rewriteSpecifier('node:fs', root, moduleDir)).toBe('node:fs');
  });
});

describe('exportCellCode', () => {
  it('hoists imports (rewritten), exports declarations and keeps _private names and comments', () => {
    const code = [
      "import { Rng } from './src/util/random';",
      "import type { Item } from './src/data/schema';",
      '/** Doc stays with the function. */',
      'function score(items: Item[]): number { return new Rng(1).next() * items.length; }',
      'const a = 1, b = 2;',
      'let _hidden = 0;',
      'class Model {}',
      'interface Shape { n: number }',
      'type Id = string;',
      'enum Kind { A }',
      "type Lazy = typeof import('./src/util/random');",
    ].join('\n');
    const out = exportCellCode(code, ctx);
    expect(out.imports).toEqual(["import { Rng } from '../util/random.js';", "import type { Item } from '../data/schema.js';"]);
    expect(out.body).toContain('/** Doc stays with the function. */\nexport function score(');
    expect(out.body).toContain('export const a = 1, b = 2;');
    expect(out.body).toContain('\nlet _hidden = 0;');
    for (const decl of ['export class Model', 'export interface Shape', 'export type Id', 'export enum Kind'])
      expect(out.body).toContain(decl);
    expect(out.body).toContain("export type Lazy = typeof import('../util/random.js');");
    expect(out.body).not.toMatch(/import \{/);
  });

  it('refuses statements that would run on import, naming the cell and line', () => {
    const code = 'function f(): number { return 1; }\nconsole.log(f());';
    expect(() => exportCellCode(code, ctx)).toThrow(DataError);
    expect(() => exportCellCode(code, ctx)).toThrow(
      /nb.ipynb cell 3, line 3: an exported cell may hold only imports and declarations, not "console.log\(f\(\)\);"/,
    );
  });

  it('reports syntax errors with the line in the cell', () => {
    expect(() => exportCellCode('const a = 1;\nfunction (', ctx)).toThrow(/nb.ipynb cell 3, line 3: /);
  });
});
