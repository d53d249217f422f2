/**
 * Notebook hygiene: committed notebooks carry code, not results. Outputs, execution counts and
 * execution timings make diffs noisy and can leak data, so `workbench notebook strip` removes them
 * and `workbench notebook check` refuses notebooks that still have them.
 */
import { type Cell, type Notebook, readNotebook, writeNotebook } from './ipynb.js';

/** What makes a notebook unclean. */
export interface NotebookDirt {
  /** Cells (by index) that have outputs. */
  outputs: number[];
  /** Cells (by index) that have an execution count. */
  executionCounts: number[];
  /** Cells (by index) whose metadata records execution timing (nbclient's `metadata.execution`). */
  timings: number[];
  /** Notebook-level run metadata left by `workbench notebook run` (`metadata.workbench`). */
  runMetadata: boolean;
}

function isCode(cell: Cell): boolean {
  return cell.cell_type === 'code';
}

/** Finds outputs, execution counts and run metadata in a notebook. */
export function findDirt(nb: Notebook): NotebookDirt {
  const dirt: NotebookDirt = { outputs: [], executionCounts: [], timings: [], runMetadata: nb.metadata.workbench !== undefined };
  nb.cells.forEach((cell, i) => {
    if (isCode(cell) && (cell.outputs?.length ?? 0) > 0) dirt.outputs.push(i);
    if (isCode(cell) && cell.execution_count !== null && cell.execution_count !== undefined) dirt.executionCounts.push(i);
    if (cell.metadata.execution !== undefined) dirt.timings.push(i);
  });
  return dirt;
}

/** Whether a notebook has nothing to strip. */
export function isClean(dirt: NotebookDirt): boolean {
  return dirt.outputs.length === 0 && dirt.executionCounts.length === 0 && dirt.timings.length === 0 && !dirt.runMetadata;
}

/** One line saying what is wrong, e.g. `outputs in cells 1, 2; execution counts in cells 1, 2`. */
export function describeDirt(dirt: NotebookDirt): string {
  const parts: string[] = [];
  const list = (xs: number[]) => `${xs.length === 1 ? 'cell' : 'cells'} ${xs.join(', ')}`;
  if (dirt.outputs.length) parts.push(`outputs in ${list(dirt.outputs)}`);
  if (dirt.executionCounts.length) parts.push(`execution counts in ${list(dirt.executionCounts)}`);
  if (dirt.timings.length) parts.push(`execution timing metadata in ${list(dirt.timings)}`);
  if (dirt.runMetadata) parts.push('run metadata (metadata.workbench)');
  return parts.join('; ');
}

/** Removes outputs, execution counts, timings and run metadata in place; returns what was removed. */
export function stripNotebook(nb: Notebook): NotebookDirt {
  const dirt = findDirt(nb);
  for (const cell of nb.cells) {
    if (isCode(cell)) {
      cell.outputs = [];
      cell.execution_count = null;
    }
    delete cell.metadata.execution;
  }
  delete nb.metadata.workbench;
  return dirt;
}

/** Result of stripping one file. */
export interface StripResult {
  file: string;
  /** Whether the file was rewritten (false: it was already clean and left untouched). */
  changed: boolean;
  removed: string;
}

/** Strips a notebook file; a clean file is not rewritten (so its bytes and mtime stay as they were). */
export function stripFile(file: string): StripResult {
  const nb = readNotebook(file);
  const dirt = stripNotebook(nb);
  if (isClean(dirt)) return { file, changed: false, removed: '' };
  writeNotebook(file, nb);
  return { file, changed: true, removed: describeDirt(dirt) };
}

/** A notebook that fails the hygiene check. */
export interface DirtyNotebook {
  file: string;
  problem: string;
}

/** Checks notebook files for outputs and execution counts; returns the dirty ones with a reason. */
export function checkClean(files: readonly string[]): DirtyNotebook[] {
  const dirty: DirtyNotebook[] = [];
  for (const file of files) {
    const dirt = findDirt(readNotebook(file));
    if (!isClean(dirt)) dirty.push({ file, problem: describeDirt(dirt) });
  }
  return dirty;
}
