/**
 * The codebase rule "functions stay under 100 lines" (CONTRIBUTING.md), kept from eroding: every
 * function, method, arrow function and constructor in the product, service, bench and script
 * sources (tests excluded: a test's set-up may read as one story) has at most 100 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './paths.js';

const MAX_LINES = 100;
const ROOTS = ['src', 'serve', 'bench', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** `name file:line (N lines)` for every function longer than `max` lines in `text`. */
function longFunctions(file: string, text: string, max = MAX_LINES): string[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const lines = sf.getLineAndCharacterOfPosition(n.getEnd()).line - first + 1;
      if (lines > max) {
        const named = n.name?.getText() ?? (ts.isVariableDeclaration(n.parent) ? n.parent.name.getText() : 'anonymous');
        out.push(`${named} ${file}:${first + 1} (${lines} lines)`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('function length', () => {
  it('finds a long function, named, and passes a short one', () => {
    const long = `export function big() {\n${'  call();\n'.repeat(MAX_LINES)}}\n`;
    expect(longFunctions('x.ts', long)).toEqual([`big x.ts:1 (${MAX_LINES + 2} lines)`]);
    expect(longFunctions('x.ts', 'const f = () => 1;\n')).toEqual([]);
  });

  it(`no function in ${ROOTS.join(', ')} is over ${MAX_LINES} lines`, () => {
    const offenders = ROOTS.flatMap((root) =>
      sourceFiles(path.join(PROJECT_ROOT, root)).flatMap((f) => longFunctions(path.relative(PROJECT_ROOT, f), readFileSync(f, 'utf8'))),
    );
    expect(offenders).toEqual([]);
  });
});
