/**
 * Headless notebook execution through the real Jupyter client (`jupyter nbconvert --execute`)
 * with the project's tslab kernel. A cell error makes nbconvert exit non-zero, and we say which.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../errors.js';
import { JUPYTER_INSTALL_HINT, jupyterEnv } from './jupyter.js';

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
}

/** Result of a headless run. */
export interface ExecuteResult {
  ok: boolean;
  input: string;
  output: string;
  durationMs: number;
  /** The tail of nbconvert's stderr when the run failed (names the failing cell and error). */
  error?: string;
}

/**
 * Executes a notebook top to bottom with the tslab kernel and writes the executed copy.
 * Rejects only when Jupyter itself is missing; a failing cell gives `ok: false` with the error.
 */
export function executeNotebook(input: string, opts: ExecuteOptions): Promise<ExecuteResult> {
  mkdirSync(opts.outputDir, { recursive: true });
  const outName = opts.outputName ?? path.basename(input);
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
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
    const child = spawn('jupyter', args, { env: jupyterEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
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
      const result: ExecuteResult = { ok: code === 0, input, output: path.join(opts.outputDir, outName), durationMs: Date.now() - started };
      if (code !== 0) result.error = stderr.trim().split('\n').slice(-40).join('\n');
      resolve(result);
    });
  });
}
