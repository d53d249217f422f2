/**
 * Rich display for notebook cells, one call each: `showTable(df)`, `await showChart(spec)`,
 * `await show(anything)`. In the tslab kernel the result is displayed (HTML table; a chart as an
 * `<img>` of its SVG, which survives `jupyter nbconvert --to html`, whose sanitiser blanks inline
 * SVG); everywhere else (tests, CLI, scripts) nothing is displayed and nothing crashes. Every
 * function returns what it produced as a {@link Displayed}: `String(d)` / `d.content` is the
 * HTML / SVG / text. tslab echoes a cell's last value with `console.log`: in the kernel a value
 * that was displayed echoes nothing (no stray `<table: 3 x 6>` line under the table); elsewhere
 * it prints one short line, never the whole SVG source.
 *
 * ```ts
 * import { lineChart, showChart, showTable } from './src/notebook/display';
 * showTable(df, { maxRows: 10 });
 * await showChart(lineChart(epochs, { train: trainLoss, validation: validLoss }, { yTitle: 'loss' }));
 * ```
 */
import { inspect } from 'node:util';
import { isVegaLiteSpec, renderSvg, type VegaLiteSpec } from './charts.js';
import { escapeHtml, isFrameLike, renderTable, type TableData, type TableOptions } from './html-table.js';

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
  /** Whether it went to the kernel's display (then the kernel's echo of it prints nothing). */
  shown = false;

  constructor(
    readonly mime: DisplayMime,
    /** The HTML, SVG, Markdown or text. */
    readonly content: string,
    /** One line shown when a notebook echoes the value. */
    readonly summary: string,
    /** What the kernel displays when it differs from `content` (a chart's `<img>`). */
    readonly display?: { mime: DisplayMime; content: string },
  ) {}

  /** The content, so `String(displayed)` is the HTML / SVG. */
  toString(): string {
    return this.content;
  }

  /** What `console.log` (and tslab's echo of a cell's last value) prints; nothing in the kernel once shown. */
  [inspect.custom](): string {
    return this.shown && kernelDisplay() ? `${SHOWN}${this.summary}${SHOWN}` : this.summary;
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

/** Brackets the echo of a displayed value so the kernel's stdout drops it (an invisible separator). */
const SHOWN = '\u2063';
const ONLY_ECHOES = /^(?:\u2063[^\u2063]*\u2063\s*)+$/;
const FILTERED = Symbol.for('workbench.display.echoFilter');

type Write = ((chunk: unknown, ...rest: unknown[]) => boolean) & { [FILTERED]?: true };

/**
 * tslab echoes a cell's last value with `console.log(value)`: for a value already displayed that
 * echo was a stray text line under the output (`<table: 3 x 6>`). Such a value inspects as its
 * summary between two SHOWN marks, and the kernel's stdout (which tslab replaces at every cell,
 * hence installed at each display) drops a write made only of marked echoes. Other writes pass
 * unchanged, with any marks removed.
 */
function filterEchoes(): void {
  const out = process.stdout as unknown as { write: Write };
  const write = out.write;
  if (write[FILTERED]) return;
  const filtered: Write = (chunk, ...rest) => {
    if (typeof chunk === 'string' && chunk.includes(SHOWN)) {
      if (ONLY_ECHOES.test(chunk)) return true;
      return write.call(out, chunk.replaceAll(SHOWN, ''), ...rest);
    }
    return write.call(out, chunk, ...rest);
  };
  filtered[FILTERED] = true;
  out.write = filtered;
}

function emit(shown: Displayed): Displayed {
  const display = kernelDisplay();
  if (!display) return shown;
  const what = shown.display ?? shown;
  try {
    display[KIND[what.mime]](what.content);
    shown.shown = true;
    filterEchoes();
  } catch {
    // tslab throws "Not ready" when no cell is executing: there is nowhere to display.
  }
  return shown;
}

/**
 * An SVG as an `<img>` with a base64 data URI: notebooks show it, `jupyter nbconvert --to html`
 * keeps it (its sanitiser strips inline SVG), and nothing inside can run as script.
 */
export function svgImage(svg: string, alt = 'chart'): string {
  const size = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  const dims = size ? ` width="${size[1]}" height="${size[2]}"` : '';
  return `<img src="data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}" alt="${escapeHtml(alt)}"${dims}>`;
}

/** Displays a table (danfo DataFrame or Series, rows of objects, or values); `.content` is its HTML. */
export function showTable(data: TableData, opts: TableOptions = {}): Displayed {
  const t = renderTable(data, opts);
  return emit(new Displayed('text/html', t.html, `<table: ${t.rows} x ${t.columns}>`));
}

/** Renders a Vega-Lite spec headless and displays it as an image; `.content` is the SVG. */
export async function showChart(spec: VegaLiteSpec): Promise<Displayed> {
  const svg = await renderSvg(spec);
  const size = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  const title = typeof spec.title === 'string' ? spec.title : 'chart';
  return emit(
    new Displayed('image/svg+xml', svg, `<chart: ${size ? `${size[1]}x${size[2]} ` : ''}SVG>`, {
      mime: 'text/html',
      content: svgImage(svg, title),
    }),
  );
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
