/**
 * One real headless execution through `workbench notebook check` of a fixture that uses the
 * display helpers and reimport inside the tslab kernel, with a `-p` override for the notebook's
 * parameter and one the notebook does not declare (ignored by check). The kept copy is signed,
 * numbered, free of stray echo lines, and its chart survives `jupyter nbconvert --to html`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/context.js';
import { main } from '../cli/main.js';
import { PROJECT_ROOT } from '../paths.js';
import { type CellOutput, outputText, readNotebook } from './ipynb.js';
import { jupyterEnv, missingJupyter } from './jupyter.js';

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
      // Signatures go to a throw-away Jupyter data dir, not the user's.
      env: { ...process.env, WORKBENCH_TEST_REPORT_DIR: reportDir, JUPYTER_DATA_DIR: path.join(dir, 'jupyter-data') },
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
    // tslab's echo of the displayed value leaves no stray line (before: "<table: 3 x 2>").
    expect(table.filter((o) => o.output_type === 'stream')).toEqual([]);

    const chart = outputs('chart');
    const img = mime(chart, 'text/html');
    const b64 = /^<img src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="chart" width="\d+" height="\d+">$/.exec(img)?.[1];
    expect(b64).toBeDefined();
    const svg = Buffer.from(b64 ?? '', 'base64').toString('utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('aria-roledescription="line mark"');
    expect(chart.filter((o) => o.output_type === 'stream')).toEqual([]);
    // No experimental-loader warning leaks into the notebook.
    expect(chart.map(outputText).join('')).not.toMatch(/ExperimentalWarning/);

    expect(outputs('reimport').map(outputText).join('')).toBe('reimport before=20 after=50\n');

    // Execution counts 1, 2, ... on the code cells, as a notebook run by hand has.
    const codeCells = cells.filter((c) => c.cell_type === 'code');
    expect(codeCells.map((c) => c.execution_count)).toEqual(codeCells.map((_, i) => i + 1));

    const executed = path.join(outDir, 'kernel.ipynb');
    const env = jupyterEnv(io.env);
    // Signed: Jupyter opens the copy trusted (outputs shown), with the same data dir.
    // The Python that runs Jupyter (its shebang), which has nbformat.
    const python = readFileSync(spawnSync('sh', ['-c', 'command -v jupyter'], { encoding: 'utf8' }).stdout.trim(), 'utf8')
      .split('\n')[0]
      .slice(2)
      .trim();
    const notary = spawnSync(
      python,
      [
        '-c',
        'import sys, nbformat; from nbformat.sign import NotebookNotary; print(NotebookNotary().check_signature(nbformat.read(sys.argv[1], 4)))',
        executed,
      ],
      { env, encoding: 'utf8' },
    );
    expect(notary.stdout.trim()).toBe('True');
    // The chart survives the HTML export as an image.
    const exported = spawnSync('jupyter', ['nbconvert', '--to', 'html', '--stdout', executed], {
      env,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain(`<img src="data:image/svg+xml;base64,${b64}"`);
  });
});
