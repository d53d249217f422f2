/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The page shell every UI page shares: a heading, the navigation and a small stylesheet inline
 * (no client bundle, no network), plus the formatting helpers and the chart component.
 */

import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { errorMessage } from '../../src/errors.js';
import { renderSvg, type VegaLiteSpec } from '../../src/notebook/charts.js';

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1f2328; }
body { margin: 0; }
header { background: #24292f; color: #fff; padding: .6rem 1.2rem; display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
header a { color: #d0d7de; text-decoration: none; } header a[aria-current="page"] { color: #fff; font-weight: 600; }
header .brand { color: #fff; font-weight: 700; }
main { padding: 1rem 1.2rem 3rem; max-width: 1200px; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #656d76; } .warn { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .8rem; margin: .5rem 0; }
.bad { color: #cf222e; font-weight: 600; } .good { color: #1a7f37; font-weight: 600; }
.alias { display: inline-block; background: #ddf4ff; border-radius: 1rem; padding: 0 .5rem; margin-right: .25rem; font-size: .85rem; }
figure { margin: .5rem 1rem 1rem 0; display: inline-block; vertical-align: top; } figcaption { font-size: .85rem; color: #656d76; }
form.inline { display: inline; } fieldset { border: 1px solid #d0d7de; margin: .5rem 0 1rem; max-width: 46rem; }
label { margin-right: .8rem; } input, select, button { font: inherit; }
.notice { padding: .5rem .8rem; margin: .5rem 0; border: 1px solid #1a7f37; background: #dafbe1; }
.error { padding: .5rem .8rem; margin: .5rem 0; border: 1px solid #cf222e; background: #ffebe9; }
tr.differs td { background: #fff8c5; }
code, pre { font-size: .85rem; } pre { background: #f6f8fa; padding: .5rem; overflow: auto; }
`;

/** The sections of the UI, in navigation order. */
export const SECTIONS = [
  { href: '/ui/models', label: 'Models' },
  { href: '/ui/experiments', label: 'Experiments' },
  { href: '/ui/runs', label: 'Pipeline runs' },
  { href: '/ui/live', label: 'Live' },
  { href: '/ui/notebooks', label: 'Notebook runs' },
] as const;

/** The page shell: `<title>`, navigation (the current section marked) and one `<h1>`. */
export function Page(props: { title: string; section: string; children?: Child; refreshSeconds?: number }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.refreshSeconds ? <meta http-equiv="refresh" content={String(props.refreshSeconds)} /> : null}
        <title>{`${props.title} - workbench`}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <header>
          <a class="brand" href="/ui">
            workbench
          </a>
          <nav aria-label="sections">
            {SECTIONS.map((s) => (
              <>
                <a href={s.href} aria-current={s.href === props.section ? 'page' : undefined}>
                  {s.label}
                </a>{' '}
              </>
            ))}
          </nav>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A number with `digits` decimals, or an em dash when missing. */
export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** A share as a percentage, e.g. `12.3%`. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`;
}

/** `0.412 [0.304, 0.483]`, the interval left out when unknown. */
export function withInterval(
  mean: number | null | undefined,
  lo?: number | null,
  hi?: number | null,
  f: (v: number) => string = (v) => fmt(v),
) {
  if (mean === null || mean === undefined || !Number.isFinite(mean)) return '—';
  const bounds = lo !== null && lo !== undefined && hi !== null && hi !== undefined ? ` [${f(lo)}, ${f(hi)}]` : '';
  return `${f(mean)}${bounds}`;
}

/** Bytes in KiB / MiB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Milliseconds as `850 ms` or `4.2 s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A Vega-Lite chart rendered to SVG on the server (vega's SVG renderer escapes every label), in a
 * `<figure>` with an accessible name. A spec vega-lite refuses shows its message instead.
 */
export async function Chart(props: { spec: VegaLiteSpec; label: string; caption?: string }) {
  let svg: string;
  try {
    svg = await renderSvg(props.spec);
  } catch (err) {
    return (
      <p class="error">
        chart "{props.label}" could not be drawn: {errorMessage(err)}
      </p>
    );
  }
  return (
    <figure role="img" aria-label={props.label} data-chart={props.label}>
      {raw(svg)}
      {props.caption ? <figcaption>{props.caption}</figcaption> : null}
    </figure>
  );
}

/** A column of a {@link DataTable}: its header, and a class for every cell ("num" right-aligns). */
export interface Column {
  label: string;
  class?: string;
}

/**
 * The one table markup of the UI: a header row of `scope="col"` cells and one row per entry of
 * `rows` (cells in column order), then `children`: `<tr>` rows that need their own attributes
 * (data-*, colspan, a class per cell).
 */
export function DataTable(props: {
  columns: readonly (string | Column)[];
  rows?: readonly (readonly Child[])[];
  caption?: string;
  children?: Child;
}) {
  const columns = props.columns.map((c) => (typeof c === 'string' ? { label: c } : c));
  return (
    <table>
      {props.caption ? <caption class="muted">{props.caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" class={c.class}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {(props.rows ?? []).map((row) => (
          <tr>
            {row.map((cell, i) => (
              <td class={columns[i]?.class}>{cell}</td>
            ))}
          </tr>
        ))}
        {props.children}
      </tbody>
    </table>
  );
}
