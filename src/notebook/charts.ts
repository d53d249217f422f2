/**
 * Charts for notebooks: Vega-Lite specs for the common cases (a learning curve, a bar chart, a
 * histogram) built from plain arrays, and headless rendering of any Vega-Lite spec to SVG with
 * vega + vega-lite (`renderer: 'none'`: no browser, no canvas package, no network).
 */
import { DataError, errorMessage } from '../errors.js';
import { importEsm } from './esm.js';

/** A Vega-Lite specification (kept loose: vega-lite's own types do not resolve in the tslab kernel). */
export type VegaLiteSpec = Record<string, unknown>;

/** Options shared by the chart builders. */
export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Pixels (default 400 x 250). */
  width?: number;
  height?: number;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function base(opts: ChartOptions): VegaLiteSpec {
  const spec: VegaLiteSpec = { $schema: SCHEMA, width: opts.width ?? 400, height: opts.height ?? 250 };
  if (opts.title) spec.title = opts.title;
  return spec;
}

/** Vega draws null as a gap; NaN and Infinity would break scales. */
function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * A line chart of one or more series over a shared x axis, e.g. a learning curve:
 * `lineChart(epochs, { train: trainLoss, validation: validLoss }, { xTitle: 'epoch', yTitle: 'loss' })`.
 * A series whose length differs from `x` is a DataError naming it.
 */
export function lineChart(
  x: readonly number[],
  series: Readonly<Record<string, readonly number[]>> | readonly number[],
  opts: ChartOptions = {},
): VegaLiteSpec {
  const named: Record<string, readonly number[]> = Array.isArray(series)
    ? { [opts.yTitle ?? 'y']: series as readonly number[] }
    : (series as Readonly<Record<string, readonly number[]>>);
  const values: { x: number; y: number | null; series: string }[] = [];
  for (const [name, ys] of Object.entries(named)) {
    if (ys.length !== x.length) throw new DataError(`series "${name}" has ${ys.length} values but x has ${x.length}`, { field: name });
    ys.forEach((y, i) => {
      values.push({ x: x[i], y: finiteOrNull(y), series: name });
    });
  }
  const multi = Object.keys(named).length > 1;
  return {
    ...base(opts),
    data: { values },
    mark: { type: 'line', point: x.length <= 50 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? 'x' },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle ?? (multi ? 'value' : Object.keys(named)[0]), scale: { zero: false } },
      ...(multi ? { color: { field: 'series', type: 'nominal', title: null } } : {}),
    },
  };
}

/** Options of {@link barChart}. */
export interface BarChartOptions extends ChartOptions {
  /** Sort bars by value, largest first (default: keep the given order). */
  sort?: boolean;
  /** Horizontal bars (better for long labels). */
  horizontal?: boolean;
}

/** A bar chart of values by label. Labels and values of different lengths are a DataError. */
export function barChart(labels: readonly string[], values: readonly number[], opts: BarChartOptions = {}): VegaLiteSpec {
  if (labels.length !== values.length) throw new DataError(`${labels.length} labels but ${values.length} values`, { field: 'values' });
  const data = labels.map((label, i) => ({ label: String(label), value: finiteOrNull(values[i]) }));
  // Vega-Lite sorts a category axis by the other channel: '-y' for vertical bars, '-x' for horizontal.
  const sort = opts.sort ? (opts.horizontal ? '-x' : '-y') : null;
  const cat = { field: 'label', type: 'nominal', title: opts.xTitle ?? null, sort };
  const val = { field: 'value', type: 'quantitative', title: opts.yTitle ?? 'value' };
  return {
    ...base(opts),
    data: { values: data },
    mark: 'bar',
    encoding: opts.horizontal ? { y: cat, x: val } : { x: cat, y: val },
  };
}

/** Options of {@link histogram}. */
export interface HistogramOptions extends ChartOptions {
  /** Upper bound on the number of bins (default 30). */
  maxBins?: number;
}

/** A histogram of numeric values (non-finite values are dropped and counted in the title). */
export function histogram(values: readonly number[], opts: HistogramOptions = {}): VegaLiteSpec {
  const finite = values.filter((v) => Number.isFinite(v));
  const dropped = values.length - finite.length;
  const title = dropped > 0 ? `${opts.title ?? 'histogram'} (${dropped} non-finite values left out)` : opts.title;
  return {
    ...base({ ...opts, title }),
    data: { values: finite.map((v) => ({ v })) },
    mark: 'bar',
    encoding: {
      x: { field: 'v', type: 'quantitative', bin: { maxbins: opts.maxBins ?? 30 }, title: opts.xTitle ?? 'value' },
      y: { aggregate: 'count', type: 'quantitative', title: opts.yTitle ?? 'count' },
    },
  };
}

interface VegaLiteModule {
  compile(spec: VegaLiteSpec): { spec: object };
}

interface VegaView {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): void;
}

interface VegaModule {
  parse(spec: object): object;
  View: new (runtime: object, options: { renderer: 'none'; logLevel?: number }) => VegaView;
}

/** Whether a value looks like a Vega-Lite spec (has a `mark` or a composition, or a vega-lite `$schema`). */
export function isVegaLiteSpec(value: unknown): value is VegaLiteSpec {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.$schema === 'string') return v.$schema.includes('vega-lite');
  return ['mark', 'layer', 'hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in v) && !('columns' in v && 'index' in v);
}

/** Renders a Vega-Lite spec to an SVG string, headless. An invalid spec is a DataError with vega-lite's message. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vl, vega] = await Promise.all([importEsm<VegaLiteModule>('vega-lite'), importEsm<VegaModule>('vega')]);
  let compiled: { spec: object };
  try {
    compiled = vl.compile(spec);
  } catch (err) {
    throw new DataError(`invalid Vega-Lite spec: ${errorMessage(err)}`, { field: 'spec' });
  }
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logLevel: 0 });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
