/**
 * Notebook runs (`workbench notebook run`, kept under `<runs>/notebooks/<id>/run.json` with the
 * executed copy beside it), and the executed notebook converted to HTML by Jupyter's own
 * `nbconvert --to html`, cached by file modification time.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../src/errors.js';
import { jupyterEnv } from '../../src/notebook/jupyter.js';
import type { RunRecord as NotebookRunRecord } from '../../src/notebook/run.js';

export type { NotebookRunRecord };

/** A run directory's record (or why it could not be read). */
export type NotebookRun = { id: string; record: NotebookRunRecord } | { id: string; problem: string };

const ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Whether `id` can name a run directory (no path separators, no leading dot). */
export function isRunId(id: string): boolean {
  return ID.test(id) && id.length <= 200;
}

/** Every notebook run, newest first. */
export async function listNotebookRuns(dir: string): Promise<NotebookRun[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && isRunId(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
  const runs = await Promise.all(entries.map((id) => readNotebookRun(dir, id)));
  return runs.filter((r): r is NotebookRun => r !== undefined).sort((a, b) => b.id.localeCompare(a.id));
}

/** One run, undefined when there is no such directory. */
export async function readNotebookRun(dir: string, id: string): Promise<NotebookRun | undefined> {
  if (!isRunId(id)) return undefined;
  try {
    const text = await readFile(path.join(dir, id, 'run.json'), 'utf8');
    return { id, record: JSON.parse(text) as NotebookRunRecord };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const there = await stat(path.join(dir, id)).then(
        () => true,
        () => false,
      );
      return there ? { id, problem: 'no run.json (the run may still be going)' } : undefined;
    }
    return { id, problem: `run.json is unreadable: ${errorMessage(err)}` };
  }
}

const cache = new Map<string, { mtimeMs: number; html: string }>();

/**
 * The executed notebook as HTML (`jupyter nbconvert --to html --stdout`). Rejects with the reason
 * when Jupyter is missing or the conversion fails.
 */
export async function notebookHtml(file: string): Promise<string> {
  const { mtimeMs } = await stat(file);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.html;
  const html = await new Promise<string>((resolve, reject) => {
    const child = spawn('jupyter', ['nbconvert', '--to', 'html', '--stdout', file], {
      env: jupyterEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'ENOENT' ? 'Jupyter is not installed ("jupyter" is not on PATH)' : e.message)),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(err.trim().split('\n').slice(-3).join(' ') || `nbconvert exited ${code}`)),
    );
  });
  cache.set(file, { mtimeMs, html });
  return html;
}
