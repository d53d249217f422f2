/**
 * HTML tables for notebooks: danfo DataFrames and Series, arrays of row objects, or arrays of
 * values. Every header and cell is HTML-escaped (item titles come from data, not from us), long
 * tables keep their head and tail, and the caption gives the full shape.
 */
import { inspect } from 'node:util';

/** The parts of a danfo DataFrame (or Series) a table needs; no danfo import (it is slow to load). */
export interface FrameLike {
  columns: string[];
  index: (string | number)[];
  /** Rows of a DataFrame, or the values of a Series. */
  values: unknown[];
}

/** Anything {@link htmlTable} renders. */
export type TableData = FrameLike | readonly Record<string, unknown>[] | readonly unknown[];

/** Options for tables. */
export interface TableOptions {
  /** Rows shown; longer tables show the first and last half with a gap row (default 20). */
  maxRows?: number;
  /** Significant digits of non-integer numbers (default 4). */
  precision?: number;
  /** Caption before the shape, e.g. a title. */
  caption?: string;
  /** Show the index column (default: true for DataFrames, false for row arrays). */
  index?: boolean;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Whether a value looks like a danfo DataFrame or Series. */
export function isFrameLike(value: unknown): value is FrameLike {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Partial<FrameLike>;
  return Array.isArray(v.columns) && Array.isArray(v.index) && Array.isArray(v.values);
}

/** Formats one cell value as text (numbers to `precision` significant digits). */
export function formatCell(value: unknown, precision = 4): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(precision)));
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
}

interface Grid {
  columns: string[];
  index: string[];
  rows: unknown[][];
  showIndex: boolean;
}

function toGrid(data: TableData, opts: TableOptions): Grid {
  if (isFrameLike(data)) {
    const isFrame = data.values.every((row) => Array.isArray(row));
    const rows = isFrame ? (data.values as unknown[][]) : data.values.map((v) => [v]);
    return { columns: data.columns.map(String), index: data.index.map(String), rows, showIndex: opts.index ?? true };
  }
  const items = data as readonly unknown[];
  const objects = items.length > 0 && items.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r) && !(r instanceof Date));
  if (!objects)
    return { columns: ['value'], index: items.map((_, i) => String(i)), rows: items.map((v) => [v]), showIndex: opts.index ?? true };
  const columns: string[] = [];
  for (const row of items as Record<string, unknown>[]) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const rows = (items as Record<string, unknown>[]).map((row) => columns.map((c) => row[c]));
  return { columns, index: items.map((_, i) => String(i)), rows, showIndex: opts.index ?? false };
}

/** Renders a table as an HTML string (escaped; head and tail of long tables; caption with the shape). */
export function htmlTable(data: TableData, opts: TableOptions = {}): string {
  return renderTable(data, opts).html;
}

/** A rendered table and its full shape. */
export interface RenderedTable {
  html: string;
  rows: number;
  columns: number;
}

/** Like {@link htmlTable}, also returning the table's shape. */
export function renderTable(data: TableData, opts: TableOptions = {}): RenderedTable {
  const maxRows = Math.max(2, opts.maxRows ?? 20);
  const grid = toGrid(data, opts);
  const n = grid.rows.length;
  const cut = n > maxRows;
  const head = cut ? Math.ceil(maxRows / 2) : n;
  const tailStart = cut ? n - Math.floor(maxRows / 2) : n;
  const cell = (v: unknown) => {
    const text = escapeHtml(formatCell(v, opts.precision));
    return typeof v === 'number' ? `<td style="text-align:right">${text}</td>` : `<td>${text}</td>`;
  };
  const row = (i: number) =>
    `<tr>${grid.showIndex ? `<th>${escapeHtml(grid.index[i] ?? String(i))}</th>` : ''}${grid.rows[i].map(cell).join('')}</tr>`;
  const body: string[] = [];
  for (let i = 0; i < head; i++) body.push(row(i));
  if (cut) {
    const span = grid.columns.length + (grid.showIndex ? 1 : 0);
    body.push(`<tr><td colspan="${span}" style="text-align:center">&#8230; ${n - head - (n - tailStart)} more rows &#8230;</td></tr>`);
    for (let i = tailStart; i < n; i++) body.push(row(i));
  }
  const shape = `${n} ${n === 1 ? 'row' : 'rows'} &#215; ${grid.columns.length} ${grid.columns.length === 1 ? 'column' : 'columns'}`;
  const caption = opts.caption ? `${escapeHtml(opts.caption)} (${shape})` : shape;
  const headers = `${grid.showIndex ? '<th></th>' : ''}${grid.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}`;
  const html = [
    '<table class="workbench-table">',
    `<caption style="caption-side:bottom;text-align:left">${caption}</caption>`,
    `<thead><tr>${headers}</tr></thead>`,
    `<tbody>${body.join('')}</tbody>`,
    '</table>',
  ].join('\n');
  return { html, rows: n, columns: grid.columns.length };
}
