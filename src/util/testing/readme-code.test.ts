import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';
import { readmeBlock, withSourceImports } from './readme-code.js';

describe('README example modules', () => {
  it('points relative imports at the .ts sources, resolved from where the module lives', () => {
    const from = path.join(PROJECT_ROOT, 'src', 'features', 'custom');
    const code = withSourceImports("import { x } from '../index.js';\nimport os from 'node:os';", from);
    expect(code).toBe(
      `import { x } from '${pathToFileURL(path.join(PROJECT_ROOT, 'src', 'features', 'index.ts')).href}';\nimport os from 'node:os';`,
    );
  });

  it('finds exactly one block by its first line, and names the README when there is none or several', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'readme-code-'));
    try {
      const md = path.join(dir, 'README.md');
      await writeFile(md, 'text\n```ts\n// a.ts\nconst a = 1;\n```\n```ts\n// b.ts\n```\n```ts\n// b.ts\n```\n');
      expect(readmeBlock('// a.ts', md)).toBe('// a.ts\nconst a = 1;');
      expect(() => readmeBlock('// c.ts', md)).toThrow(`${md}: 0 \`\`\`ts blocks start with "// c.ts" (want 1)`);
      expect(() => readmeBlock('// b.ts', md)).toThrow(/2 ```ts blocks/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
