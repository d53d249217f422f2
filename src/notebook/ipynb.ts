/**
 * The Jupyter notebook file format (nbformat 4), as far as the workbench reads and writes it:
 * cells with their source, tags, outputs and execution counts. Notebooks are written the way
 * Jupyter writes them (keys sorted, one-space indent, trailing newline) so diffs stay small.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DataError, errorMessage } from '../errors.js';

/** A JSON value as found in notebook metadata and outputs. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One output of a code cell (stream, display_data, execute_result or error). */
export interface CellOutput {
  output_type: string;
  /** Stream name (`stdout`, `stderr`) for stream outputs. */
  name?: string;
  /** Stream text. */
  text?: string | string[];
  /** MIME bundle of display_data / execute_result outputs. */
  data?: Record<string, JsonValue>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [key: string]: JsonValue | undefined;
}

/** One notebook cell. */
export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  metadata: { tags?: string[]; [key: string]: JsonValue | undefined };
  source: string | string[];
  outputs?: CellOutput[];
  execution_count?: number | null;
}

/** A whole notebook. */
export interface Notebook {
  cells: Cell[];
  metadata: { [key: string]: JsonValue | undefined };
  nbformat: number;
  nbformat_minor: number;
}

/** Reads and validates a notebook file; a file that is not a v4 notebook is a DataError naming it. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read notebook: ${errorMessage(err)}`, { file });
  }
  return parseNotebook(text, file);
}

/** Parses notebook JSON text (`file` only names it in errors). */
export function parseNotebook(text: string, file = '<notebook>'): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new DataError(`not valid JSON: ${errorMessage(err)}`, { file });
  }
  if (typeof nb !== 'object' || nb === null || !Array.isArray((nb as Notebook).cells)) {
    throw new DataError('not a Jupyter notebook (no "cells" array)', { file, field: 'cells' });
  }
  const n = nb as Notebook;
  if (n.nbformat !== 4) throw new DataError(`nbformat ${String(n.nbformat)} is not supported (need 4)`, { file, field: 'nbformat' });
  n.metadata ??= {};
  n.cells.forEach((cell, i) => {
    if (!cell || typeof cell !== 'object' || !['code', 'markdown', 'raw'].includes(cell.cell_type)) {
      throw new DataError(`cell ${i} has no valid cell_type`, { file, field: `cells[${i}].cell_type` });
    }
    if (typeof cell.source !== 'string' && !Array.isArray(cell.source)) {
      throw new DataError(`cell ${i} has no source`, { file, field: `cells[${i}].source` });
    }
    cell.metadata ??= {};
  });
  return n;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Serialises a notebook the way nbformat does (sorted keys, indent 1, trailing newline). */
export function formatNotebook(nb: Notebook): string {
  return `${JSON.stringify(sortKeys(nb), null, 1)}\n`;
}

/** Writes a notebook atomically (temp file + rename) so a crash never leaves half a notebook. */
export function writeNotebook(file: string, nb: Notebook): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, formatNotebook(nb));
  renameSync(tmp, file);
}

/** A cell's source as one string. */
export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Splits text into Jupyter's source form: lines that keep their `\n`, the last one without. */
export function toSourceLines(text: string): string[] {
  const lines = text.split('\n');
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\n` : line)).filter((line) => line !== '');
}

/** Whether a cell carries a tag in `metadata.tags`. */
export function hasTag(cell: Cell, tag: string): boolean {
  return Array.isArray(cell.metadata.tags) && cell.metadata.tags.includes(tag);
}

/** Text of an output (stream text, or text/plain of a rich output). */
export function outputText(output: CellOutput): string {
  const t = output.text ?? output.data?.['text/plain'];
  if (Array.isArray(t)) return t.join('');
  return typeof t === 'string' ? t : '';
}

/** How a cell is named in messages: `cell 3 (id "c03")`. */
export function describeCell(index: number, cell: Cell): string {
  return cell.id ? `cell ${index} (id "${cell.id}")` : `cell ${index}`;
}
