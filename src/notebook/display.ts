/**
 * Rich display for notebook cells, one call each: `showTable(df)`, `await showChart(spec)`,
 * `await show(anything)`. In the tslab kernel the result is displayed (HTML table, inline SVG);
 * everywhere else (tests, CLI, scripts) nothing is displayed and nothing crashes. Every function
 * returns what it produced as a {@link Displayed}: `String(d)` / `d.content` is the HTML / SVG /
 * text. Not a bare string because tslab echoes a cell's last value: a string would print the
 * whole SVG source under the chart, a Displayed prints one short line.
 *
 * ```ts
 * import { lineChart, showChart, showTable } from './src/notebook/display';
 * showTable(df, { maxRows: 10 });
 * await showChart(lineChart(epochs, { train: trainLoss, validation: validLoss }, { yTitle: 'loss' }));
 * ```
 */
import { inspect } from 'node:util';
import { isVegaLiteSpec, renderSvg, type VegaLiteSpec } from './charts.js';
import { isFrameLike, renderTable, type TableData, type TableOptions } from './html-table.js';

// Re-exported so a notebook imports everything it needs to show results from one module.
export { barChart, histogram, lineChart, renderSvg, type VegaLiteSpec } from './charts.js';
export { escapeHtml, htmlTable, type TableData, type TableOptions } from './html-table.js';

/** The subset of tslab's `display` the workbench uses. */
export interface KernelDisplay {
  html(s: string): void;
  svg(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
}

/** MIME type of what was displayed. */
export type DisplayMime = 'text/html' | 'image/svg+xml' | 'text/markdown' | 'text/plain';

/** What a display call produced. */
export class Displayed {
  constructor(
    readonly mime: DisplayMime,
    /** The HTML, SVG, Markdown or text. */
    readonly content: string,
    /** One line shown when a notebook echoes the value. */
    readonly summary: string,
  ) {}

  /** The content, so `String(displayed)` is the HTML / SVG. */
  toString(): string {
    return this.content;
  }

  /** What `console.log` (and tslab's echo of a cell's last value) prints. */
  [inspect.custom](): string {
    return this.summary;
  }
}

interface TslabGlobal {
  __tslab__?: { require(id: string): unknown };
}

/**
 * tslab's display when running inside the tslab kernel, else undefined. The kernel sets
 * `globalThis.__tslab__`, whose `require('tslab')` is the kernel's own instance; importing
 * 'tslab' statically would load a second copy (and TypeScript) outside the kernel.
 */
export function kernelDisplay(): KernelDisplay | undefined {
  const tslab = (globalThis as TslabGlobal).__tslab__;
  if (!tslab) return undefined;
  try {
    return (tslab.require('tslab') as { display?: KernelDisplay }).display;
  } catch {
    return undefined;
  }
}

const KIND: Record<DisplayMime, keyof KernelDisplay> = {
  'text/html': 'html',
  'image/svg+xml': 'svg',
  'text/markdown': 'markdown',
  'text/plain': 'text',
};

function emit(shown: Displayed): Displayed {
  const display = kernelDisplay();
  if (!display) return shown;
  try {
    display[KIND[shown.mime]](shown.content);
  } catch {
    // tslab throws "Not ready" when no cell is executing: there is nowhere to display.
  }
  return shown;
}

/** Displays a table (danfo DataFrame or Series, rows of objects, or values); `.content` is its HTML. */
export function showTable(data: TableData, opts: TableOptions = {}): Displayed {
  const t = renderTable(data, opts);
  return emit(new Displayed('text/html', t.html, `<table: ${t.rows} x ${t.columns}>`));
}

/** Renders a Vega-Lite spec headless and displays it inline; `.content` is the SVG. */
export async function showChart(spec: VegaLiteSpec): Promise<Displayed> {
  const svg = await renderSvg(spec);
  const size = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  return emit(new Displayed('image/svg+xml', svg, `<chart: ${size ? `${size[1]}x${size[2]} ` : ''}SVG>`));
}

/** Displays Markdown. */
export function showMarkdown(markdown: string): Displayed {
  return emit(new Displayed('text/markdown', markdown, '<markdown>'));
}

/**
 * Displays anything in its best form: Vega-Lite specs as charts, DataFrames, Series and arrays
 * as tables, strings as text, other values inspected.
 */
export async function show(value: unknown, opts: TableOptions = {}): Promise<Displayed> {
  if (isVegaLiteSpec(value)) return showChart(value);
  if (isFrameLike(value) || Array.isArray(value)) return showTable(value as TableData, opts);
  const text = typeof value === 'string' ? value : inspect(value, { depth: 4 });
  return emit(new Displayed('text/plain', text, '<text>'));
}
