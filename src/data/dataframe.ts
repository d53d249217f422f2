/**
 * danfojs-node DataFrames for notebooks. danfojs-node takes seconds to load (it pulls in
 * TensorFlow.js), so it is required lazily, on first use, never at import time. createRequire is
 * anchored at the project root because `import.meta` is not available when tslab compiles src/ to
 * CommonJS.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DataFrame } from 'danfojs-node';
import { PROJECT_ROOT } from '../paths.js';

type Danfo = typeof import('danfojs-node');
let danfo: Danfo | undefined;

/** The danfojs-node module, loaded on first call. */
export function loadDanfo(): Danfo {
  danfo ??= createRequire(path.join(PROJECT_ROOT, 'package.json'))('danfojs-node') as Danfo;
  return danfo;
}

type Cell = string | number | boolean | null;

function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/**
 * A DataFrame of plain rows (e.g. events, Duck.query results). Columns are the union of the rows'
 * keys in first-seen order; a missing key is null; bigints become numbers, Dates ISO strings and
 * nested values JSON. No rows gives an empty DataFrame.
 */
export function toDataFrame(rows: readonly Record<string, unknown>[]): DataFrame {
  const dfd = loadDanfo();
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  if (rows.length === 0 || columns.length === 0) return new dfd.DataFrame([]);
  const data: Record<string, Cell[]> = {};
  for (const c of columns) data[c] = rows.map((r) => cell(r[c]));
  return new dfd.DataFrame(data);
}
