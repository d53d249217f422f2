/**
 * Headless notebook execution through the real Jupyter client (`jupyter nbconvert`, executing
 * like `--execute`) with the project's tslab kernel. A cell error makes nbconvert exit non-zero,
 * and we say which cell; the partly executed copy is still saved (see nbconvert_config.py), with
 * per-cell timing recorded in `metadata.execution`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { type CellFailure, failureOf } from './failure.js';
import { readNotebook } from './ipynb.js';
import { JUPYTER_INSTALL_HINT, jupyterEnv } from './jupyter.js';

/** The nbconvert config that keeps the partly executed notebook when a cell fails. */
export const NBCONVERT_CONFIG = path.join(PROJECT_ROOT, 'src', 'notebook', 'nbconvert_config.py');

/** Options for {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Folder for the executed copy. */
  outputDir: string;
  /** Output file name (defaults to the input's name). */
  outputName?: string;
  /** Per-cell timeout in seconds (default 900). */
  cellTimeoutSec?: number;
  env?: NodeJS.ProcessEnv;
  /** Receives nbconvert's stderr lines (progress). */
  onLog?: (line: string) => void;
  /**
   * Sign the executed copy (`jupyter trust`) so Jupyter shows its outputs instead of "Not
   * Trusted" (default false: throw-away copies need no entry in the user's signature database).
   */
  trust?: boolean;
}

/** Result of a headless run. */
export interface ExecuteResult {
  ok: boolean;
  input: string;
  output: string;
  durationMs: number;
  /** The tail of nbconvert's stderr when the run failed (names the failing cell and error). */
  error?: string;
  /** Whether the executed copy exists at `output` (on failure: the notebook up to the failing cell). */
  saved: boolean;
  /** The failing cell (index in the executed notebook, id, error name and value), when a cell failed. */
  failedCell?: CellFailure;
  /** Whether the copy was signed (asked for with `trust`, and the run finished). */
  trusted?: boolean;
}

/**
 * Executes a notebook top to bottom with the tslab kernel and writes the executed copy.
 * Rejects only when Jupyter itself is missing; a failing cell gives `ok: false` with the error.
 */
export function executeNotebook(input: string, opts: ExecuteOptions): Promise<ExecuteResult> {
  mkdirSync(opts.outputDir, { recursive: true });
  const outName = opts.outputName ?? path.basename(input);
  const output = path.join(opts.outputDir, outName);
  // A copy left by an earlier run must not pass for this run's result (never delete the input).
  if (path.resolve(output) !== path.resolve(input)) rmSync(output, { force: true });
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--config',
    NBCONVERT_CONFIG,
    '--ExecutePreprocessor.kernel_name=tslab',
    `--ExecutePreprocessor.timeout=${opts.cellTimeoutSec ?? 900}`,
    '--output-dir',
    opts.outputDir,
    '--output',
    outName,
    input,
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const env = { ...jupyterEnv(opts.env), WORKBENCH_NBCONVERT_PARTIAL: output, WORKBENCH_NBCONVERT_TRUST: opts.trust ? '1' : '0' };
    const child = spawn('jupyter', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (opts.onLog) for (const line of chunk.split('\n')) if (line.trim()) opts.onLog(line);
    });
    child.stdout.resume();
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new WorkbenchError('jupyter_missing', `jupyter was not found: ${JUPYTER_INSTALL_HINT}`) : err);
    });
    child.on('close', (code) => {
      const saved = existsSync(output);
      const result: ExecuteResult = { ok: code === 0 && saved, input, output, durationMs: Date.now() - started, saved };
      if (opts.trust) result.trusted = result.ok;
      if (!result.ok) {
        result.error = stderr.trim().split('\n').slice(-40).join('\n') || `nbconvert exited with code ${code} and wrote nothing`;
        if (saved) {
          try {
            result.failedCell = failureOf(readNotebook(output));
          } catch {
            /* an unreadable copy: the stderr tail above still says what happened */
          }
        }
      }
      resolve(result);
    });
  });
}
