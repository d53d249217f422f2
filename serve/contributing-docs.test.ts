import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodeTable, excerptsOf } from './testing/docs-check.js';

const root = path.resolve(import.meta.dirname, '..');
const guide = readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8');

describe('CONTRIBUTING.md', () => {
  const excerpts = excerptsOf(guide);

  it('shows the real extension points: a feature, a model kind, a route and a CLI command, each with its registration', () => {
    const files = new Set(excerpts.map((e) => e.file));
    for (const f of [
      'src/plugins.ts', // where feature and model-kind modules are picked up
      'src/features/custom/session-intent.ts',
      'src/models/custom/ltr-wide.ts',
      'serve/routes/events.ts',
      'serve/app.ts', // where routes are mounted
      'src/cli/commands/eval.ts',
      'src/cli/main.ts', // where commands are listed
    ]) {
      expect(files, f).toContain(f);
    }
  });

  it.each(excerptsOf(guide).map((e) => [`${e.file} (CONTRIBUTING.md line ${e.line})`, e] as const))(
    'excerpt of %s is a verbatim copy of lines of that file',
    (_name, e) => {
      const source = readFileSync(path.join(root, e.file), 'utf8');
      expect(e.code.length).toBeGreaterThan(0);
      // Whole lines: the excerpt starts and ends at line boundaries of the source.
      expect(
        `\n${source}`.includes(`\n${e.code}\n`),
        `CONTRIBUTING.md line ${e.line}: the excerpt no longer matches ${e.file}; copy the current lines`,
      ).toBe(true);
    },
  );

  it('lists every error code with its HTTP status and meaning, as the code defines them', () => {
    const table = errorCodeTable();
    expect(guide.includes(`\n${table}\n`), `replace the table under "Error codes" by:\n${table}`).toBe(true);
  });

  it('links only to files and sections that exist', () => {
    for (const [, target] of guide.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^https?:/.test(target)) continue;
      expect(() => readFileSync(path.join(root, target)), target).not.toThrow();
    }
    const architecture = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
    expect(architecture).toMatch(/^## Environment variables$/m);
  });
});
