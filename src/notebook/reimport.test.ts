import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError, NotFoundError } from '../errors.js';
import { reimport, resolveTsFile } from './reimport.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'reimport-'));
  mkdirSync(path.join(dir, 'lib'));
  writeFileSync(path.join(dir, 'lib', 'dep.ts'), 'export const factor: number = 2;\nexport let loads = 0;\nloads++;\n');
  writeFileSync(
    path.join(dir, 'lib', 'mod.ts'),
    "import { factor } from './dep.js';\nimport * as zod from 'zod';\nexport const scale = (x: number): number => x * factor;\nexport const z = zod;\n",
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Mod = { scale(x: number): number; z: unknown };

describe('reimport', () => {
  it('sees an edit of the module and of a module it imports (what re-running a tslab import cell misses)', () => {
    expect(reimport<Mod>('./lib/mod', { root: dir }).scale(10)).toBe(20);
    writeFileSync(path.join(dir, 'lib', 'dep.ts'), 'export const factor: number = 5;\n');
    expect(reimport<Mod>('./lib/mod', { root: dir }).scale(10)).toBe(50);
    writeFileSync(
      path.join(dir, 'lib', 'mod.ts'),
      "import { factor } from './dep.js';\nexport const scale = (x: number): number => x * factor + 1;\n",
    );
    expect(reimport<Mod>('./lib/mod.js', { root: dir }).scale(10)).toBe(51);
  });

  it('evaluates local modules afresh each time but shares npm packages (one TensorFlow.js, one zod)', () => {
    const a = reimport<Mod & { loads: number }>('./lib/mod', { root: dir });
    const b = reimport<Mod>('./lib/mod', { root: dir });
    expect(a).not.toBe(b);
    expect(a.z).toBe(b.z);
    expect(reimport<{ loads: number }>(path.join(dir, 'lib', 'dep.ts')).loads).toBe(1);
  });

  it('resolves ./x, ./x.js, ./x.ts and folders with index.ts', () => {
    writeFileSync(path.join(dir, 'lib', 'index.ts'), "export { scale } from './mod.js';\n");
    expect(resolveTsFile(dir, './lib/mod')).toBe(path.join(dir, 'lib', 'mod.ts'));
    expect(resolveTsFile(dir, './lib/mod.js')).toBe(path.join(dir, 'lib', 'mod.ts'));
    expect(resolveTsFile(dir, './lib')).toBe(path.join(dir, 'lib', 'index.ts'));
    expect(reimport<Mod>('./lib', { root: dir }).scale(1)).toBe(2);
  });

  it('a missing module is a NotFoundError and a syntax error a DataError naming file and line', () => {
    expect(() => reimport('./lib/nope', { root: dir })).toThrow(NotFoundError);
    writeFileSync(path.join(dir, 'lib', 'dep.ts'), 'export const factor = ;\n');
    expect(() => reimport('./lib/mod', { root: dir })).toThrow(DataError);
    expect(() => reimport('./lib/mod', { root: dir })).toThrow(/dep\.ts, line 1: Expression expected/);
  });
});
