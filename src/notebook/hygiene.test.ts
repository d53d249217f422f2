import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { type RecordingIO, recordingIO } from '../cli/testing/recording-io.js';
import { DataError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { checkClean, describeDirt, findDirt, isClean, stripFile } from './hygiene.js';
import { formatNotebook, type Notebook, parseNotebook, readNotebook, writeNotebook } from './ipynb.js';

const FIXTURE = path.join(PROJECT_ROOT, 'src', 'notebook', '__fixtures__', 'params.ipynb');

function captureIO(env: NodeJS.ProcessEnv = {}): RecordingIO {
  return recordingIO(process.cwd(), env);
}

/** The fixture as it looks after a run: outputs, counts, timing and run metadata. */
function executedCopy(dir: string): string {
  const nb = readNotebook(FIXTURE);
  nb.cells[2].outputs = [{ output_type: 'stream', name: 'stdout', text: ['greeting=hello repeat=1\n'] }];
  nb.cells[2].execution_count = 3;
  nb.cells[3].execution_count = 4;
  nb.cells[3].metadata.execution = { 'iopub.status.busy': '2025-01-01T00:00:00.000Z' };
  nb.metadata.workbench = { error: null };
  const file = path.join(dir, 'dirty.ipynb');
  writeNotebook(file, nb);
  return file;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hygiene-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('notebook files', () => {
  it('round-trip in Jupyter style: sorted keys, one-space indent, trailing newline', () => {
    const nb = readNotebook(FIXTURE);
    const text = formatNotebook(nb);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe(' "cells": [');
    expect(parseNotebook(text)).toEqual(nb);
  });

  it('reject files that are not v4 notebooks, naming the file', () => {
    expect(() => parseNotebook('{"cells": 1}', 'x.ipynb')).toThrow(DataError);
    expect(() => parseNotebook('{"cells": 1}', 'x.ipynb')).toThrow(/^x.ipynb, field "cells": not a Jupyter notebook/);
    expect(() => parseNotebook('{"cells": [], "nbformat": 3}', 'old.ipynb')).toThrow(/old.ipynb.*nbformat 3 is not supported/);
    expect(() => parseNotebook('not json', 'bad.ipynb')).toThrow(/bad.ipynb: not valid JSON/);
  });
});

describe('hygiene', () => {
  it('finds outputs, execution counts, timing and run metadata by cell', () => {
    const dirt = findDirt(readNotebook(executedCopy(dir)));
    expect(dirt).toEqual({ outputs: [2], executionCounts: [2, 3], timings: [3], runMetadata: true });
    expect(describeDirt(dirt)).toBe(
      'outputs in cell 2; execution counts in cells 2, 3; execution timing metadata in cell 3; run metadata (metadata.workbench)',
    );
    expect(isClean(findDirt(readNotebook(FIXTURE)))).toBe(true);
  });

  it('strip removes them and keeps the code; a clean file is left untouched', () => {
    const file = executedCopy(dir);
    const r = stripFile(file);
    expect(r.changed).toBe(true);
    const nb: Notebook = readNotebook(file);
    expect(isClean(findDirt(nb))).toBe(true);
    expect(nb.cells.map((c) => c.source)).toEqual(readNotebook(FIXTURE).cells.map((c) => c.source));
    expect(nb.cells[1].metadata.tags).toEqual(['parameters']);

    const clean = path.join(dir, 'clean.ipynb');
    cpSync(FIXTURE, clean);
    const before = statSync(clean).mtimeMs;
    const bytes = readFileSync(clean, 'utf8');
    expect(stripFile(clean)).toEqual({ file: clean, changed: false, removed: '' });
    expect(readFileSync(clean, 'utf8')).toBe(bytes);
    expect(statSync(clean).mtimeMs).toBe(before);
  });

  it('checkClean names each dirty notebook and what is wrong', () => {
    const dirty = executedCopy(dir);
    const result = checkClean([FIXTURE, dirty]);
    expect(result).toHaveLength(1);
    expect(result[0].file).toBe(dirty);
    expect(result[0].problem).toMatch(/^outputs in cell 2/);
  });
});

describe('workbench notebook check / strip', () => {
  it('check fails before executing anything when a notebook is not stripped, and reports it for CI', async () => {
    const dirty = executedCopy(dir);
    const reportDir = path.join(dir, 'report');
    const io = captureIO({ ...process.env, WORKBENCH_TEST_REPORT_DIR: reportDir });
    expect(await main(['notebook', 'check', dirty], io)).toBe(1);
    expect(io.stderr[0]).toMatch(/^FAIL .*dirty\.ipynb is not stripped: outputs in cell 2/);
    expect(io.stderr.join('\n')).not.toMatch(/executing/);
    expect(JSON.parse(readFileSync(path.join(reportDir, 'notebooks.json'), 'utf8'))).toEqual({ passed: 0, failed: 1 });
  });

  it('strip cleans the named notebooks, then check finds nothing to complain about', async () => {
    const dirty = executedCopy(dir);
    const io = captureIO();
    expect(await main(['notebook', 'strip', dirty], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^stripped .*dirty\.ipynb: outputs in cell 2/);
    expect(checkClean([dirty])).toEqual([]);
    const again = captureIO();
    expect(await main(['notebook', 'strip', dirty], again)).toBe(0);
    expect(again.stdout[0]).toMatch(/^clean/);
  });

  it('usage errors exit 2 and name the problem', async () => {
    const io = captureIO();
    expect(await main(['notebook', 'frobnicate'], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/unknown notebook subcommand "frobnicate"/);
    expect(await main(['notebook', 'run'], io)).toBe(2);
    expect(await main(['notebook', 'run', FIXTURE, '-p', 'nonsense'], io)).toBe(2);
    expect(io.stderr.at(-1)).toMatch(/-p expects key=value, got "nonsense"/);
    expect(await main(['notebook', 'run', FIXTURE, '--timeout', '-1'], io)).toBe(2);
    const notThere = path.join(dir, 'missing.ipynb');
    expect(await main(['notebook', 'strip', notThere], io)).toBe(1);
    expect(io.stderr.at(-1)).toMatch(/notebook not found/);
  });
});
