/**
 * The UI in a real browser: Debian's Chromium (`/usr/bin/chromium`, `.ci/run` installs it) driven
 * by playwright-core, on a real workspace (two pipeline runs, a simulated A/B test through the
 * service, a notebook run). Every page renders its data with headings, labelled controls and
 * charts with drawn marks; a promote through the page moves the alias with the token and is
 * refused without it. Screenshots go to $WORKBENCH_SCREENSHOTS, else
 * $WORKBENCH_TEST_REPORT_DIR/screenshots (CI), else the test's temporary folder.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingJupyter } from '../../src/notebook/jupyter.js';
import { runNotebook } from '../../src/notebook/run.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { readAliases } from '../../src/registry/aliases-store.js';
import { ADMIN_TOKEN, buildWorkspace, type Workspace } from './testing/workspace.js';

/** Where the browser is; `.ci/run` installs Debian's chromium package there. */
const CHROMIUM = process.env.WORKBENCH_CHROMIUM ?? '/usr/bin/chromium';

const root = mkdtempSync(path.join(tmpdir(), 'ui-browser-'));
const shots = path.resolve(
  process.env.WORKBENCH_SCREENSHOTS ??
    (process.env.WORKBENCH_TEST_REPORT_DIR
      ? path.join(process.env.WORKBENCH_TEST_REPORT_DIR, 'screenshots')
      : path.join(root, 'screenshots')),
);
let ws: Workspace;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed (${CHROMIUM} does not exist): the browser tests need it; install it with "sudo apt-get install chromium" (Debian/Ubuntu), or set WORKBENCH_CHROMIUM to a Chromium binary`,
    );
  }
  const noJupyter = missingJupyter();
  if (noJupyter) throw new Error(`the notebook runs page needs a real notebook run: ${noJupyter}`);
  mkdirSync(shots, { recursive: true });
  ws = await buildWorkspace(root);
  const nb = await runNotebook(
    path.join(PROJECT_ROOT, 'notebooks', '00-hello.ipynb'),
    {},
    {
      runsDir: path.join(ws.runsDir, 'notebooks'),
      env: { ...process.env, JUPYTER_DATA_DIR: path.join(root, 'jupyter-data') },
    },
  );
  if (!nb.ok) throw new Error(`notebooks/00-hello.ipynb failed: ${JSON.stringify(nb.record.error)}`);
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await ws?.server.close();
  rmSync(root, { recursive: true, force: true });
});

const open = async (p: string) => {
  const res = await page.goto(`${ws.server.url}${p}`);
  expect(res?.status()).toBe(200);
};

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/** Form controls (visible inputs, selects, buttons) without an accessible name. */
const unlabelled = () =>
  page.$$eval('input:not([type=hidden]), select, textarea, button', (els) =>
    els
      .filter((el) => {
        const labels = (el as unknown as { labels?: { length: number } }).labels;
        const named = (labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent?.trim());
        return !named;
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );

/** Drawn marks (paths, rects, symbols) inside the chart figure labelled `label`. */
const marks = (label: string) =>
  page
    .locator(`figure[aria-label="${label}"] svg`)
    .evaluate(
      (svg) => svg.querySelectorAll('g.mark-rect path, g.mark-symbol path, g.mark-line path, g.mark-rule line, g.mark-area path').length,
    );

describe('the UI in Chromium', () => {
  it('Models: versions, aliases, NDCG with intervals, the chart, labelled controls', async () => {
    await open('/ui/models');
    await expect(page.locator('h1').textContent()).resolves.toBe('Models');
    await page.getByRole('link', { name: 'shop' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Model shop');
    expect(await page.locator('tbody tr:has(td:text-is("ltr-mlp"))').count()).toBe(2);
    expect(await page.getByText(/^0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]$/).count()).toBeGreaterThanOrEqual(2);
    expect(await marks('NDCG@10 by version')).toBeGreaterThanOrEqual(2);
    expect(await unlabelled()).toEqual([]);
    await shot('models');
  });

  it('Models: two versions side by side', async () => {
    await open('/ui/models/shop');
    await page.getByLabel('version A').selectOption('1');
    await page.getByLabel('version B').selectOption('2');
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('shop: v1 vs v2');
    expect(await page.locator('tr.differs th:text-is("param seed")').count()).toBe(1);
    await shot('compare');
  });

  it('Models: a promote is refused without the token and moves the alias with it', async () => {
    await open('/ui/models/shop');
    await page.locator('#promote-alias').selectOption('champion');
    await page.locator('#promote-version').selectOption('2');
    await page.getByLabel('I confirm this alias change').check();
    await page.getByRole('button', { name: 'Move alias' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Refused: type the admin token/);
    expect((await readAliases(ws.modelsDir, 'shop')).champion).toBe(1);

    await page.locator('#promote-version').selectOption('2');
    await page.locator('#promote-token').fill('not-the-token');
    await page.getByLabel('I confirm this alias change').check();
    await page.getByRole('button', { name: 'Move alias' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/admin token is wrong/);
    expect((await readAliases(ws.modelsDir, 'shop')).champion).toBe(1);

    await page.locator('#promote-version').selectOption('2');
    await page.locator('#promote-token').fill(ADMIN_TOKEN);
    await page.getByLabel('I confirm this alias change').check();
    await page.getByRole('button', { name: 'Move alias' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/champion now names v2/);
    expect((await readAliases(ws.modelsDir, 'shop')).champion).toBe(2);
    expect(ws.server.service.store.resolve('shop', { alias: 'champion' })).toBe(2);
    await shot('promoted');

    await page.getByLabel('admin token to roll back champion').fill(ADMIN_TOKEN);
    await page.getByLabel('confirm the rollback of champion').check();
    await page.getByRole('button', { name: 'Roll back champion' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/champion now names v1/);
    expect((await readAliases(ws.modelsDir, 'shop')).champion).toBe(1);
  });

  it('Experiments: per-variant rates with intervals, deltas, SRM, CTR by position and over time, offline beside online', async () => {
    await open('/ui/experiments');
    await page.getByRole('link', { name: 'ranker-ab' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Experiment ranker-ab');
    for (const v of ['control', 'treatment']) {
      const row = page.locator(`tr[data-variant="${v}"]`);
      await expect(row.locator('td').nth(5).textContent()).resolves.toMatch(/^\d+\.\d\d% \[\d+\.\d\d%, \d+\.\d\d%\]$/);
      await expect(row.locator('td').nth(8).textContent()).resolves.toMatch(/^v\d: 0\.\d{3} \[/);
    }
    await expect(page.getByRole('cell', { name: /pp \[/ }).first().textContent()).resolves.toMatch(
      /[+-]\d+\.\d\d pp \[[+-]\d+\.\d\d pp, [+-]\d+\.\d\d pp\]/,
    );
    expect(await page.locator('[data-srm]').count()).toBe(1);
    expect(await marks('CTR by position')).toBeGreaterThan(4);
    expect(await marks('CTR over time')).toBeGreaterThanOrEqual(2);
    await shot('experiment');
  });

  it('Pipeline runs: status, stage timings, learning curves, the gate and why', async () => {
    await open('/ui/runs');
    await expect(page.locator('h1').textContent()).resolves.toBe('Pipeline runs');
    expect(await page.locator('tbody tr').count()).toBe(2);
    await page.locator('tbody tr a').first().click();
    await expect(page.locator('h1').textContent()).resolves.toMatch(/^Pipeline run /);
    await expect(page.locator('[data-gate]').textContent()).resolves.toMatch(/Passed on ndcg@10: .* Why: /);
    expect(await marks('stage timings')).toBeGreaterThan(3);
    expect(await marks('learning curve: loss')).toBeGreaterThanOrEqual(1);
    expect(await marks('learning curve: validation NDCG@10')).toBeGreaterThanOrEqual(1);
    await shot('run');
  });

  it('Live: requests per second, latency percentiles, versions serving, reload failures', async () => {
    await open('/ui/live');
    await new Promise((r) => setTimeout(r, 1100));
    await fetch(`${ws.server.url}/v1/recommendations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":"u0001","k":5}',
    });
    await open('/ui/live');
    await expect(page.locator('[data-figure="rps"]').textContent()).resolves.toMatch(/^\d+\.\d$/);
    await expect(page.locator('[data-figure="latency"]').textContent()).resolves.toMatch(/^\d+\.\d ms \/ \d+\.\d ms \/ \d+\.\d ms$/);
    expect(await page.locator('td:text-is("champion")').count()).toBeGreaterThanOrEqual(1);
    await expect(page.getByRole('heading', { name: 'Reload failures' }).isVisible()).resolves.toBe(true);
    await shot('live');
  });

  it('Notebook runs: parameters, duration, status and the executed notebook with its chart', async () => {
    await open('/ui/notebooks');
    await page.getByRole('link', { name: /00-hello/ }).click();
    await expect(page.locator('h1').textContent()).resolves.toMatch(/^Notebook run .*00-hello/);
    const frame = page.frameLocator('iframe[title="executed notebook"]');
    // The chart survived nbconvert's HTML export as an image.
    const chart = frame.locator('img[src^="data:image/svg+xml;base64,"]');
    await expect(chart.count()).resolves.toBeGreaterThanOrEqual(1);
    await chart.first().waitFor({ state: 'visible' });
    await shot('notebook');
  });
});
