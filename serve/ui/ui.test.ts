/**
 * The UI in process (app.request) on a real workspace: every page answers with data, hostile
 * names from configs are escaped, and alias changes are refused without the token, without the
 * confirmation, or without the CSRF token, and happen with all three.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigDrift, defaultStateFile } from '../../src/experiments/config.js';
import { writeOpeRecord } from '../../src/ope/records.js';
import { readAliases } from '../../src/registry/aliases-store.js';
import { createUiApp } from './app.js';
import { registryAliasWriter } from './options.js';
import { ADMIN_TOKEN, buildWorkspace, type Workspace } from './testing/workspace.js';

const root = mkdtempSync(path.join(tmpdir(), 'ui-test-'));
let ws: Workspace;
const HOSTILE = '<img src=x onerror=alert(1)>';

beforeAll(async () => {
  ws = await buildWorkspace(root, { shoppers: 120 });
  writeFileSync(
    path.join(ws.experimentsDir, 'hostile.json'),
    JSON.stringify({ id: `x"${HOSTILE}`, salt: 's', model: 'shop', variants: [{ name: HOSTILE, weight: 1, alias: 'champion' }] }),
  );
});
afterAll(async () => {
  await ws?.server.close();
  rmSync(root, { recursive: true, force: true });
});

const get = async (p: string) => {
  const res = await ws.server.service.app.request(p);
  return { status: res.status, html: await res.text(), res };
};

/** The CSRF cookie and form token a GET of the model page hands out. */
async function formSession(): Promise<{ cookie: string; csrf: string }> {
  const { res, html } = await get('/ui/models/shop');
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(html)?.[1] ?? '';
  expect(cookie).toMatch(/^workbench_csrf=[0-9a-f]{32}$/);
  expect(csrf).toHaveLength(32);
  return { cookie, csrf };
}

const post = (fields: Record<string, string>, headers: Record<string, string>) =>
  ws.server.service.app.request('/ui/models/shop/aliases', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

describe('UI pages in the service', () => {
  it('serves every section with the workspace data, and / leads to it', async () => {
    expect((await get('/')).res.headers.get('location')).toBe('/ui/models');
    const models = await get('/ui/models');
    expect(models.status).toBe(200);
    expect(models.html).toContain('<h1>Models</h1>');
    expect(models.html).toMatch(/champion → v1/);
    const model = await get('/ui/models/shop');
    expect(model.html).toMatch(/NDCG@10 \[95% interval\]/);
    expect(model.html).toMatch(/<td>ltr-mlp<\/td>/);
    expect(model.html).toContain('<svg'); // the NDCG chart, drawn on the server
    const compare = await get('/ui/models/shop/compare?a=1&b=2');
    expect(compare.html).toMatch(/param seed/);
    expect(compare.html).toMatch(/class="differs"/);
    const runs = await get('/ui/runs');
    const id = /href="\/ui\/runs\/([^"]+)"/.exec(runs.html)?.[1] ?? '';
    const run = await get(`/ui/runs/${id}`);
    expect(run.html).toMatch(/Validation NDCG@10/);
    expect(run.html).toMatch(/data-gate="passed"/);
    const exp = await get('/ui/experiments/ranker-ab');
    expect(exp.status).toBe(200);
    expect(exp.html).toMatch(/data-variant="treatment"/);
    expect(exp.html).toMatch(/No sample ratio mismatch|Sample ratio mismatch/);
    const live = await get('/ui/live');
    expect(live.html).toMatch(/data-figure="api-requests">\d+/);
    expect(live.html).toMatch(/<td>champion<\/td><td>v1<\/td>/);
    expect((await get('/ui/notebooks')).status).toBe(200);
  });

  it('escapes names that come from configs', async () => {
    const list = await get('/ui/experiments');
    expect(list.html).not.toContain(HOSTILE);
    expect(list.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const page = await get(`/ui/experiments/${encodeURIComponent(`x"${HOSTILE}`)}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(HOSTILE);
    expect(page.html).toContain('x&quot;&lt;img');
  });

  it('answers unknown models, versions, runs and experiments with a 404 page', async () => {
    for (const p of [
      '/ui/models/nope',
      '/ui/models/shop/compare?a=1&b=9',
      '/ui/runs/nope',
      '/ui/experiments/nope',
      '/ui/notebooks/..%2F..',
    ]) {
      const r = await get(p);
      expect([p, r.status]).toEqual([p, 404]);
      expect(r.html).toContain('role="alert"');
    }
  });

  it("shows each arm's recorded off-policy estimate with when it was made, flagged when made after the test began", async () => {
    const started = Date.now() - 60_000;
    await checkConfigDrift(ws.experiment, defaultStateFile(ws.eventsDir, ws.experiment.id), { now: started });
    const estimate = (version: number, mean: number) => {
      const interval = { mean, lo: mean - 0.01, hi: mean + 0.01 };
      const reward = { impressions: 500, requests: 100, logged: interval, ips: interval, snips: interval, dr: interval };
      const ctr = { ...reward, effectiveSampleSize: 80, maxWeight: 3, examination: [1, 0.5] };
      return {
        model: { name: 'shop', version, kind: 'ltr-mlp' },
        eventsDir: ws.eventsDir,
        logs: { requests: 100, impressions: 500, withPropensities: 100, incomplete: 0, policies: {} },
        requests: 100,
        restricted: 0,
        ctr,
        purchaseRate: ctr,
        matchedSlots: 200,
        slots: 500,
        notes: [],
      };
    };
    await writeOpeRecord(ws.eventsDir, estimate(1, 0.0423), Date.parse('2026-01-05T10:30:00Z'));
    await writeOpeRecord(ws.eventsDir, estimate(2, 0.9), started + 30_000);
    const { html } = await get('/ui/experiments/ranker-ab');
    const row = (variant: string) => new RegExp(`data-variant="${variant}">(.*?)</tr>`, 's').exec(html)?.[1] ?? '';
    expect(html).toContain('off-policy CTR estimated before the test');
    expect(row('control')).toMatch(/data-before-test="true">DR 4\.23% \[3\.23%, 5\.23%\].*made 2026-01-05 10:30 UTC, 100 requests/s);
    expect(row('control')).not.toMatch(/after the test began/);
    expect(row('treatment')).toMatch(/data-before-test="false">DR 90\.00%.*made after the test began \(/s);
    // The shoppers' CTR is far from 90%: the page says the online result fell outside.
    expect(row('treatment')).toMatch(/data-covered="false">; online CTR outside/);
    // The configs list is unaffected by the state file and the records beside it.
    expect((await get('/ui/experiments')).html).not.toContain('ranker-ab.state.json');
  });

  it('refuses alias changes without the CSRF token, the admin token or the confirmation', async () => {
    const { cookie, csrf } = await formSession();
    const form = { action: 'promote', alias: 'champion', version: '2', token: ADMIN_TOKEN, confirm: 'yes', csrf };
    const cases: [string, Record<string, string>, Record<string, string>, number, RegExp][] = [
      ['no cookie', form, {}, 403, /no CSRF token/],
      ['wrong csrf', { ...form, csrf: 'f'.repeat(32) }, { cookie }, 403, /does not match/],
      ['other origin', form, { cookie, origin: 'http://evil.example' }, 403, /another site/],
      ['no token', { ...form, token: '' }, { cookie }, 403, /type the admin token/],
      ['wrong token', { ...form, token: 'nope' }, { cookie }, 403, /token is wrong/],
      ['no confirmation', { ...form, confirm: '' }, { cookie }, 400, /tick the confirmation/],
      ['bad version', { ...form, version: '1e3' }, { cookie }, 400, /not a version number/],
      ['unknown version', { ...form, version: '99' }, { cookie }, 409, /Refused by the registry/],
    ];
    for (const [what, fields, headers, status, message] of cases) {
      const res = await post(fields, headers);
      const html = await res.text();
      expect([what, res.status]).toEqual([what, status]);
      expect(html).toMatch(message);
    }
    const huge = await post({ ...form, filler: 'x'.repeat(64 * 1024) }, { cookie });
    expect(huge.status).toBe(413);
    expect(await readAliases(ws.modelsDir, 'shop')).toEqual({ champion: 1, challenger: 2 });
  });

  it('moves the alias with token, confirmation and CSRF token, and the service serves the new version', async () => {
    const { cookie, csrf } = await formSession();
    const res = await post({ action: 'promote', alias: 'champion', version: '2', token: ADMIN_TOKEN, confirm: 'yes', csrf }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/models/shop?moved=champion');
    expect((await readAliases(ws.modelsDir, 'shop')).champion).toBe(2);
    expect(ws.server.service.store.resolve('shop', { alias: 'champion' })).toBe(2);
    expect((await get('/ui/models/shop?moved=champion')).html).toContain('champion now names v2');
    const back = await post({ action: 'rollback', alias: 'champion', token: ADMIN_TOKEN, confirm: 'yes', csrf }, { cookie });
    expect(back.status).toBe(303);
    expect((await readAliases(ws.modelsDir, 'shop')).champion).toBe(1);
  });

  it('refuses every alias change when no admin token is configured (workbench ui without WORKBENCH_ADMIN_TOKEN)', async () => {
    const app = createUiApp({
      modelsDir: ws.modelsDir,
      runsDir: ws.runsDir,
      eventsDir: ws.eventsDir,
      aliases: registryAliasWriter(ws.modelsDir),
    });
    const page = await app.request('/ui/models/shop');
    const html = await page.text();
    expect(html).toContain('Alias changes are disabled');
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const csrf = cookie.split('=')[1];
    const res = await app.request('/ui/models/shop/aliases', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ action: 'promote', alias: 'champion', version: '2', token: 'anything', confirm: 'yes', csrf }).toString(),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/alias changes are disabled/);
    expect((await app.request('/ui/live')).status).toBe(200);
  });
});
