import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import {
  barChart,
  Displayed,
  histogram,
  htmlTable,
  kernelDisplay,
  lineChart,
  renderSvg,
  show,
  showChart,
  showTable,
  svgImage,
} from './display.js';

/** Counts the drawn items of one kind in an SVG (vega labels each with aria-roledescription). */
function drawn(svg: string, role: string): number {
  return svg.split(`aria-roledescription="${role}"`).length - 1;
}

describe('htmlTable', () => {
  it('escapes headers and cells so data cannot inject HTML', () => {
    const html = htmlTable([
      { 'a<b': '<script>alert("x")</script>', n: 1 },
      { 'a<b': "O'Neil & Sons", n: 2.345678 },
    ]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<th>a&lt;b</th>');
    expect(html).toContain('O&#39;Neil &amp; Sons');
    expect(html).toContain('>2.346</td>');
    expect(html).toContain('2 rows &#215; 2 columns');
  });

  it('collects the union of keys over rows and leaves missing cells empty', () => {
    const html = htmlTable([{ a: 1 }, { b: 'x' }]);
    expect(html).toContain('<thead><tr><th>a</th><th>b</th></tr></thead>');
    expect(html).toContain('<tr><td style="text-align:right">1</td><td></td></tr>');
  });

  it('keeps head and tail of a long table and says how many rows were left out', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ i }));
    const html = htmlTable(rows, { maxRows: 6 });
    expect(html.match(/<tr><td style="text-align:right">/g)).toHaveLength(6);
    expect(html).toContain('>0</td>');
    expect(html).toContain('>99</td>');
    expect(html).not.toContain('>50</td>');
    expect(html).toContain('94 more rows');
    expect(html).toContain('100 rows &#215; 1 column');
  });

  it('renders a real danfo DataFrame and Series with their index', async () => {
    const dfd = await import('danfojs-node');
    const df = new dfd.DataFrame({ item: ['<coat>', 'scarf'], views: [120, 45] }, { index: ['r1', 'r2'] });
    const html = htmlTable(df);
    expect(html).toContain('<th></th><th>item</th><th>views</th>');
    expect(html).toContain('<tr><th>r1</th><td>&lt;coat&gt;</td><td style="text-align:right">120</td></tr>');
    const series = htmlTable(df.column('views'));
    expect(series).toContain('<th>views</th>');
    expect(series).toContain('<tr><th>r2</th><td style="text-align:right">45</td></tr>');
  }, 30_000);
});

describe('charts', () => {
  it('a learning curve renders to SVG with one line per series and escaped titles', async () => {
    const spec = lineChart(
      [1, 2, 3, 4],
      { train: [0.9, 0.6, 0.4, 0.3], validation: [1, 0.8, 0.7, Number.NaN] },
      { title: 'loss <by> epoch', yTitle: 'loss' },
    );
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    // One line per series; a point per finite value (the NaN is a gap); a legend naming both series.
    expect(drawn(svg, 'line mark')).toBe(2);
    expect(drawn(svg, 'point')).toBe(7);
    expect(drawn(svg, 'legend')).toBe(1);
    expect(svg).toContain('>train<');
    expect(svg).toContain('>validation<');
    expect(svg).toContain('loss &lt;by&gt; epoch');
  });

  it('a bar chart draws one bar per label; a histogram bins the values', async () => {
    const bars = await renderSvg(barChart(['boots', 'coat', 'scarf'], [3, 1, 2], { sort: true }));
    expect(bars.startsWith('<svg')).toBe(true);
    expect(drawn(bars, 'bar')).toBe(3);
    const values = Array.from({ length: 200 }, (_, i) => (i % 20) / 2);
    const hist = await renderSvg(histogram([...values, Number.POSITIVE_INFINITY], { maxBins: 10 }));
    expect(drawn(hist, 'bar')).toBeGreaterThanOrEqual(5);
    expect(hist).toContain('1 non-finite values left out');
  });

  it('mismatched lengths and invalid specs are DataErrors naming the problem', async () => {
    expect(() => lineChart([1, 2], { train: [1] })).toThrow(DataError);
    expect(() => lineChart([1, 2], { train: [1] })).toThrow('series "train" has 1 values but x has 2');
    expect(() => barChart(['a'], [1, 2])).toThrow('1 labels but 2 values');
    await expect(renderSvg({ mark: 'nonsense-mark', data: { values: [] } })).rejects.toThrow(/invalid Vega-Lite spec/);
  });
});

describe('show helpers outside a kernel', () => {
  afterEach(() => {
    delete (globalThis as { __tslab__?: unknown }).__tslab__;
  });

  it('do not crash and return what they would display', async () => {
    expect(kernelDisplay()).toBeUndefined();
    const table = showTable([{ a: 1 }]);
    expect(table).toBeInstanceOf(Displayed);
    expect(table.mime).toBe('text/html');
    expect(String(table)).toBe(htmlTable([{ a: 1 }]));
    const chart = await showChart(barChart(['x'], [1]));
    expect(chart.mime).toBe('image/svg+xml');
    expect(chart.content.startsWith('<svg')).toBe(true);
  });

  it('show picks the form: spec -> chart, rows -> table, string -> text', async () => {
    expect((await show(barChart(['x'], [1]))).mime).toBe('image/svg+xml');
    expect((await show([{ a: 1 }])).mime).toBe('text/html');
    expect((await show([1, 2, 3])).content).toContain('<th>value</th>');
    expect((await show('hello')).content).toBe('hello');
    expect((await show({ nested: { deep: 1 } })).content).toBe('{ nested: { deep: 1 } }');
  });

  it('a cell that ends with a show call echoes one short line, not the HTML or SVG source', async () => {
    expect(inspect(showTable([{ a: 1 }, { a: 2 }]))).toBe('<table: 2 x 1>');
    expect(inspect(await showChart(barChart(['x'], [1])))).toMatch(/^<chart: \d+x\d+ SVG>$/);
  });

  it('inside the kernel they hand the content to tslab display with the right MIME kind', async () => {
    const shown: [string, string][] = [];
    const display = {
      html: (s: string) => shown.push(['html', s]),
      svg: (s: string) => shown.push(['svg', s]),
      markdown: (s: string) => shown.push(['markdown', s]),
      text: (s: string) => shown.push(['text', s]),
    };
    (globalThis as { __tslab__?: unknown }).__tslab__ = { require: (id: string) => (id === 'tslab' ? { display } : undefined) };
    const table = showTable([{ a: '<b>' }]);
    const chart = await showChart(barChart(['x'], [1]));
    // A chart goes out as an <img> of its SVG (nbconvert's HTML export keeps it; it strips inline SVG).
    expect(shown).toEqual([
      ['html', table.content],
      ['html', svgImage(chart.content)],
    ]);
    expect(svgImage(chart.content)).toMatch(
      /^<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="chart" width="\d+" height="\d+">$/,
    );
  });
});
