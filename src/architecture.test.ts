/**
 * DESIGN.md: serve/ and the notebooks depend on src/, never the other way round. A src/ module
 * that imports serve/ would drag the HTTP service into notebooks (tslab compiles src/) and the
 * pipeline; this keeps the rule from eroding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './paths.js';

const SRC = path.join(PROJECT_ROOT, 'src');
const SERVE = path.join(PROJECT_ROOT, 'serve');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic imports. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(m[1]);
  return out;
}

describe('module boundaries', () => {
  it('finds the imports it checks', () => {
    expect(specifiers(`import { a } from './a.js';\nexport * from "../b.js";\nconst c = await import('../../serve/c.js');`)).toEqual([
      './a.js',
      '../b.js',
      '../../serve/c.js',
    ]);
  });

  it('no file under src/ (tests included) imports from serve/', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(SRC)) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const target = path.resolve(path.dirname(file), spec);
        if (target === SERVE || target.startsWith(`${SERVE}${path.sep}`)) offenders.push(`${path.relative(PROJECT_ROOT, file)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
