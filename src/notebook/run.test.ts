/**
 * Real headless runs through Jupyter with the tslab kernel (jupyter is installed here and in CI).
 * Each run starts a kernel (a few seconds), so this file does two.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/context.js';
import { main } from '../cli/main.js';
import { PROJECT_ROOT } from '../paths.js';
import { cellSource, outputText, readNotebook } from './ipynb.js';
import { missingJupyter } from './jupyter.js';
import { INJECTED_TAG } from './params.js';
import { type RunRecord, runNotebook } from './run.js';

const FIXTURE = path.join(PROJECT_ROOT, 'src', 'notebook', '__fixtures__', 'params.ipynb');
const runsDir = mkdtempSync(path.join(os.tmpdir(), 'notebook-runs-'));
// Runs sign their executed copies: into a throw-away Jupyter data dir, not the user's.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'notebook-runs-jupyter-'));
const env = { ...process.env, JUPYTER_DATA_DIR: dataDir };
afterAll(() => {
  rmSync(runsDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function stdoutOf(file: string, id: string): string {
  const cell = readNotebook(file).cells.find((c) => c.id === id);
  return (cell?.outputs ?? [])
    .filter((o) => o.name === 'stdout')
    .map(outputText)
    .join('');
}

// A missing prerequisite names itself (before: "Unexpected end of JSON input" from an empty stdout).
beforeAll(() => {
  const missing = missingJupyter();
  if (missing) throw new Error(`these tests execute notebooks: ${missing}`);
});

describe('runNotebook (real kernel)', () => {
  it('injects -p overrides after the parameters cell, executes, and records the run', async () => {
    const started = new Date('2025-03-04T05:06:07.890Z');
    const r = await runNotebook(FIXTURE, { greeting: 'bonjour', repeat: 3 }, { runsDir, now: () => started, env });
    expect(r.ok).toBe(true);
    expect(path.basename(r.runDir)).toBe('20250304T050607Z-params');
    expect(existsSync(r.executedPath)).toBe(true);
    // The executed copy shows the overridden values, computed by a function declared after the injection.
    expect(stdoutOf(r.executedPath, 'echo')).toBe('greeting=bonjour repeat=3\n');
    const executed = readNotebook(r.executedPath);
    expect(executed.cells[2].metadata.tags).toEqual([INJECTED_TAG]);
    expect(cellSource(executed.cells[2])).toContain('const greeting = "bonjour";');

    const record = JSON.parse(readFileSync(path.join(r.runDir, 'run.json'), 'utf8')) as RunRecord;
    expect(record).toMatchObject({
      notebook: 'src/notebook/__fixtures__/params.ipynb',
      name: 'params',
      parameters: { greeting: 'bonjour', repeat: 3 },
      injectedCell: 2,
      status: 'ok',
      startedAt: started.toISOString(),
      kernel: 'tslab',
      executed: 'params.ipynb',
      trusted: true,
    });
    expect(record.error).toBeUndefined();
    expect(record.durationMs).toBeGreaterThan(0);
    expect(record.cells.map((c) => [c.index, c.id, c.status])).toEqual([
      [1, 'defaults', 'ok'],
      [2, INJECTED_TAG, 'ok'],
      [3, 'echo', 'ok'],
      [4, 'maybe-fail', 'ok'],
      [5, 'last', 'ok'],
    ]);
    for (const c of record.cells) expect(c.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('the CLI exits 1 when a cell fails, keeps the executed copy with the error and names the cell in run.json', async () => {
    const stdout: string[] = [];
    const io: CliIO = { out: (l) => stdout.push(l), err: () => {}, env, cwd: PROJECT_ROOT };
    const code = await main(['notebook', 'run', FIXTURE, '-p', 'fail=true', '--out', runsDir, '--json'], io);
    expect(code).toBe(1);
    const out = JSON.parse(stdout.join('\n')) as { ok: boolean; runDir: string; executed: string; record: RunRecord };
    expect(out.ok).toBe(false);
    expect(out.record.error).toEqual({ cellIndex: 4, cellId: 'maybe-fail', ename: 'RangeError', evalue: 'failed on request' });
    expect(out.record.cells.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'error', 'not-run']);
    // The executed copy is saved: cells before the failure have their output, the failing cell its error.
    const executed = readNotebook(out.executed);
    expect(stdoutOf(out.executed, 'echo')).toBe('greeting=hello repeat=1\n');
    const failing = executed.cells.find((c) => c.id === 'maybe-fail');
    expect(failing?.outputs?.map(outputText).join('')).toContain('RangeError: failed on request');
    expect(stdoutOf(out.executed, 'last')).toBe('');
    const record = JSON.parse(readFileSync(path.join(out.runDir, 'run.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('failed');
    expect(readdirSync(runsDir)).toHaveLength(2);
  });
});
