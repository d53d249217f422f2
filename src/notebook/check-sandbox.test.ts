/**
 * `workbench notebook check` (what `npm test` runs) must leave nothing behind: notebooks that
 * declare `modelsDir` or `eventsDir` get throw-away folders (04-publish used to publish
 * `notebook-ranker` into the real models/), and the executed copies are removed when all pass
 * (they piled up as /tmp/workbench-notebooks-*).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/context.js';
import { main } from '../cli/main.js';
import { PROJECT_ROOT } from '../paths.js';
import { missingJupyter } from './jupyter.js';

const PROBE = '.notebook-check-probe';
const dir = mkdtempSync(path.join(os.tmpdir(), 'notebook-sandbox-'));
const realProbe = path.join(PROJECT_ROOT, 'models', PROBE);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(realProbe, { force: true });
});
beforeAll(() => {
  const missing = missingJupyter();
  if (missing) throw new Error(`this test executes a notebook: ${missing}`);
});

const code = (id: string, source: string, tags?: string[]) => ({
  cell_type: 'code',
  execution_count: null,
  id,
  metadata: tags ? { tags } : {},
  outputs: [],
  source: source.split(/(?<=\n)/),
});

describe('notebook check', () => {
  it('gives notebooks throw-away models and events folders, and removes its executed copies when all pass', async () => {
    const notebook = path.join(dir, 'writes-models.ipynb');
    writeFileSync(
      notebook,
      JSON.stringify({
        cells: [
          code('params', "const modelsDir = 'models';\nconst eventsDir = 'data/events';", ['parameters']),
          code(
            'write',
            `import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync(modelsDir, { recursive: true });\nwriteFileSync(modelsDir + '/${PROBE}', 'x');`,
          ),
        ],
        metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    const before = new Set(readdirSync(os.tmpdir()).filter((f) => f.startsWith('workbench-notebooks-')));
    const stdout: string[] = [];
    const io: CliIO = { out: (l) => stdout.push(l), err: () => {}, env: { ...process.env }, cwd: PROJECT_ROOT };
    expect(await main(['notebook', 'check', notebook, '--json'], io)).toBe(0);
    const result = JSON.parse(stdout.join('\n')) as { outputDir: string | null; results: { parameters: Record<string, string> }[] };
    const { modelsDir, eventsDir } = result.results[0].parameters;
    expect(path.relative(os.tmpdir(), modelsDir).startsWith('..')).toBe(false);
    expect(path.relative(os.tmpdir(), eventsDir).startsWith('..')).toBe(false);
    expect(existsSync(realProbe)).toBe(false);
    expect(existsSync(modelsDir)).toBe(false); // the sandbox is gone too
    expect(result.outputDir).toBeNull();
    const after = readdirSync(os.tmpdir()).filter((f) => f.startsWith('workbench-notebooks-') && !before.has(f));
    expect(after).toEqual([]);
  });
});
