/**
 * docs/architecture.md has one table of every WORKBENCH_* environment variable: a variable read in
 * the code but missing there (or documented but read nowhere) fails here, so the table stays the
 * one place an operator looks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './paths.js';

const SOURCE_DIRS = ['src', 'serve', 'bin', 'scripts', 'jupyter'];
const VARIABLE = /WORKBENCH_[A-Z][A-Z0-9_]*[A-Z0-9]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p);
    return /\.(ts|js|cjs|mjs|py)$/.test(e.name) && !e.name.includes('.test.') ? [p] : [];
  });
}

describe('environment variables', () => {
  it('docs/architecture.md lists every WORKBENCH_* variable the code reads, and only those', () => {
    const read = new Set<string>();
    for (const dir of SOURCE_DIRS)
      for (const file of sourceFiles(path.join(PROJECT_ROOT, dir)))
        for (const m of readFileSync(file, 'utf8').matchAll(VARIABLE)) read.add(m[0]);
    const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'architecture.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Environment variables'));
    const documented = new Set([...table.matchAll(VARIABLE)].map((m) => m[0]));
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
    expect([...documented].filter((v) => !read.has(v)).sort()).toEqual([]);
  });
});
