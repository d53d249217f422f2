/**
 * One real headless execution through `workbench notebook check` of a fixture that uses the
 * display helpers and reimport inside the tslab kernel, with a `-p` override for the notebook's
 * parameter and one the notebook does not declare (ignored by check).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/context.js';
import { main } from '../cli/main.js';
import { PROJECT_ROOT } from '../paths.js';
import { type CellOutput, outputText, readNotebook } from './ipynb.js';
import { missingJupyter } from './jupyter.js';

/** A MIME bundle entry as text (nbformat stores multi-line strings as lists of lines). */
function mime(outputs: CellOutput[], type: string): string {
  const value = outputs.find((o) => o.output_type === 'display_data')?.data?.[type];
  return Array.isArray(value) ? value.join('') : String(value);
}

const FIXTURE = path.join(PROJECT_ROOT, 'src', 'notebook', '__fixtures__', 'kernel.ipynb');
const dir = mkdtempSync(path.join(os.tmpdir(), 'notebook-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A missing prerequisite names itself (before: "Unexpected end of JSON input" from an empty stdout).
beforeAll(() => {
  const missing = missingJupyter();
  if (missing) throw new Error(`these tests execute notebooks: ${missing}`);
});

describe('in the tslab kernel (real)', () => {
  it('notebook check -p runs the notebook with the override; tables and charts display, reimport sees edits', async () => {
    const stdout: string[] = [];
    const reportDir = path.join(dir, 'report');
    const io: CliIO = {
      out: (l) => stdout.push(l),
      err: () => {},
      env: { ...process.env, WORKBENCH_TEST_REPORT_DIR: reportDir },
      cwd: PROJECT_ROOT,
    };
    const outDir = path.join(dir, 'out');
    const code = await main(['notebook', 'check', FIXTURE, '-p', 'rows=3', '-p', 'sample=0.05', '--out', outDir, '--json'], io);
    const result = JSON.parse(stdout.join('\n')) as { ok: boolean; results: { ok: boolean; error?: string; parameters: object }[] };
    expect(result.results[0].error).toBeUndefined();
    expect(code).toBe(0);
    expect(result.results[0].parameters).toEqual({ rows: 3 });
    expect(JSON.parse(readFileSync(path.join(reportDir, 'notebooks.json'), 'utf8'))).toEqual({ passed: 1, failed: 0 });

    const cells = readNotebook(path.join(outDir, 'kernel.ipynb')).cells;
    const outputs = (id: string) => cells.find((c) => c.id === id)?.outputs ?? [];

    const table = outputs('table');
    const html = mime(table, 'text/html');
    expect(html.startsWith('<table')).toBe(true);
    expect(html).toContain('3 rows &#215; 2 columns');
    expect(html).toContain('&lt;b&gt;item 2&lt;/b&gt;');
    // The cell's echo is one short line, not the HTML source.
    expect(
      table
        .filter((o) => o.output_type === 'stream')
        .map(outputText)
        .join(''),
    ).toBe('<table: 3 x 2>\n');

    const chart = outputs('chart');
    const svg = mime(chart, 'image/svg+xml');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('aria-roledescription="line mark"');
    // No experimental-loader warning leaks into the notebook.
    expect(chart.map(outputText).join('')).not.toMatch(/ExperimentalWarning/);

    expect(outputs('reimport').map(outputText).join('')).toBe('reimport before=20 after=50\n');
  });
});
