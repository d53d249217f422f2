/**
 * Parameterised notebook runs (papermill for TypeScript): inject parameters after the cell tagged
 * `parameters`, execute headless with the tslab kernel, and keep the executed copy and a run record
 * under `runs/notebooks/<timestamp>-<name>/`. The pipeline calls {@link runNotebook}; the CLI is
 * `workbench notebook run`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { executeNotebook } from './execute.js';
import type { CellFailure } from './failure.js';
import { type Notebook, readNotebook, writeNotebook } from './ipynb.js';
import { injectParameters, type ParamValue } from './params.js';

/** Options for {@link runNotebook}. */
export interface RunOptions {
  /** Folder that receives the run directories (default `<project>/runs/notebooks`). */
  runsDir?: string;
  /** Per-cell timeout in seconds (default 900). */
  cellTimeoutSec?: number;
  env?: NodeJS.ProcessEnv;
  /** Receives nbconvert's progress lines. */
  onLog?: (line: string) => void;
  /** Clock for the run's start time (tests). */
  now?: () => Date;
}

/** Timing and outcome of one code cell of the executed notebook. */
export interface CellRun {
  /** Index in the executed notebook (the injected parameters cell counts). */
  index: number;
  id?: string;
  status: 'ok' | 'error' | 'not-run';
  /** Kernel busy to idle, from nbclient's timing metadata. */
  durationMs?: number;
}

/** What `run.json` holds. */
export interface RunRecord {
  /** The source notebook (relative to the project root when inside it). */
  notebook: string;
  name: string;
  /** Parameters injected (after coercion to the declared kinds). */
  parameters: Record<string, ParamValue>;
  /** Index of the injected cell in the executed notebook, or -1. */
  injectedCell: number;
  status: 'ok' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  kernel: 'tslab';
  /** File name of the executed copy, inside the run directory. */
  executed: string;
  /** The failing cell, or a message when the notebook could not be executed at all. */
  error?: CellFailure | { message: string };
  cells: CellRun[];
  /** Whether the executed copy was signed so Jupyter trusts it (a failed run's partial copy is not). */
  trusted?: boolean;
}

/** Result of {@link runNotebook}. */
export interface RunResult {
  ok: boolean;
  runDir: string;
  /** The executed copy (present even when a cell failed, unless Jupyter could not run at all). */
  executedPath: string;
  record: RunRecord;
}

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** Creates `<runsDir>/<timestamp>-<name>`, adding `-2`, `-3`, ... when two runs start in the same second. */
function createRunDir(runsDir: string, started: Date, name: string): string {
  mkdirSync(runsDir, { recursive: true });
  const base = path.join(runsDir, `${stamp(started)}-${name}`);
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function displayPath(file: string): string {
  const rel = path.relative(PROJECT_ROOT, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

/** Per-cell status and timing of an executed notebook (`failedIndex`: the cell that failed, if any). */
export function cellRuns(nb: Notebook, failedIndex?: number): CellRun[] {
  const out: CellRun[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const timing = cell.metadata.execution as Record<string, string> | undefined;
    const busy = Date.parse(timing?.['iopub.status.busy'] ?? timing?.['iopub.execute_input'] ?? '');
    const idle = Date.parse(timing?.['iopub.status.idle'] ?? timing?.['shell.execute_reply'] ?? '');
    const ran = timing !== undefined && Object.keys(timing).length > 0;
    const run: CellRun = { index, id: cell.id, status: index === failedIndex ? 'error' : ran ? 'ok' : 'not-run' };
    if (Number.isFinite(busy) && Number.isFinite(idle)) run.durationMs = Math.max(0, idle - busy);
    out.push(run);
  });
  return out;
}

/**
 * Runs a notebook with parameters and records the run. A failing cell gives `ok: false` (the
 * executed copy, with the error in the failing cell's output, is still saved); a notebook that
 * lacks a parameters cell or a named parameter is a UsageError before anything runs.
 * @param notebookPath - the `.ipynb` file.
 * @param params - parameter values by name (see {@link parseParamArgs} for `key=value` strings).
 */
export async function runNotebook(
  notebookPath: string,
  params: Record<string, ParamValue> = {},
  opts: RunOptions = {},
): Promise<RunResult> {
  const file = path.resolve(notebookPath);
  const name = path.basename(file).replace(/\.ipynb$/i, '');
  const injected = injectParameters(readNotebook(file), params, { file: displayPath(file), mode: 'strict' });
  const started = (opts.now ?? (() => new Date()))();
  const runDir = createRunDir(opts.runsDir ?? path.join(PROJECT_ROOT, 'runs', 'notebooks'), started, name);
  const executed = `${name}.ipynb`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'workbench-run-'));
  const input = path.join(tmp, executed);
  writeNotebook(input, injected.notebook);
  const record: RunRecord = {
    notebook: displayPath(file),
    name,
    parameters: injected.applied,
    injectedCell: injected.injectedIndex,
    status: 'failed',
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    durationMs: 0,
    kernel: 'tslab',
    executed,
    cells: [],
  };
  const writeRecord = () => writeFileSync(path.join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
  const t0 = Date.now();
  try {
    const r = await executeNotebook(input, {
      outputDir: runDir,
      outputName: executed,
      cellTimeoutSec: opts.cellTimeoutSec,
      env: opts.env,
      onLog: opts.onLog,
      trust: true,
    });
    record.status = r.ok ? 'ok' : 'failed';
    record.trusted = r.trusted;
    if (!r.ok) record.error = r.failedCell ?? { message: r.error ?? 'execution failed' };
    if (r.saved) record.cells = cellRuns(readNotebook(r.output), r.failedCell?.cellIndex);
  } catch (err) {
    record.error = { message: errorMessage(err) };
    throw err;
  } finally {
    record.durationMs = Date.now() - t0;
    record.finishedAt = new Date(started.getTime() + record.durationMs).toISOString();
    writeRecord();
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ok: record.status === 'ok', runDir, executedPath: path.join(runDir, executed), record };
}
