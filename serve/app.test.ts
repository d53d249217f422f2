import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant, type Experiment } from '../src/experiments/assignment.js';
import { redactPaths } from './http-errors.js';
import { createService, type Service } from './service.js';
import { type ErrorJson, type Requester, readEventLog, sendJson } from './testing/helpers.js';
import { MemorySource } from './testing/memory-source.js';

const experiment: Experiment = {
  id: 'exp',
  salt: 's1',
  variants: [
    { name: 'control', weight: 50, alias: 'champion' },
    { name: 'treatment', weight: 50, alias: 'challenger' },
  ],
};

interface RecJson {
  requestId: string;
  userId: string;
  model: { name: string; version: number };
  variant: string;
  fallbackFrom?: string;
  items: { itemId: string; score: number }[];
}

let svc: Service;
let eventsDir: string;
let source: MemorySource;

beforeAll(async () => {
  source = new MemorySource();
  source.publish('demo');
  source.publish('demo');
  source.setAlias('demo', 'champion', 1);
  source.setAlias('demo', 'challenger', 2);
  eventsDir = mkdtempSync(path.join(os.tmpdir(), 'serve-app-'));
  svc = createService({ source, modelName: 'demo', eventsDir, experiment, pollIntervalMs: 0, exposure: { flushMs: 5 } });
  await svc.start();
});
afterAll(async () => {
  await svc.close();
  rmSync(eventsDir, { recursive: true, force: true });
});

const post = (url: string, body: unknown, headers?: Record<string, string>) => sendJson(svc.app, url, body, { headers });
const get = (url: string) => Promise.resolve(svc.app.request(url));

/** POSTs a streamed body (no Content-Length, as a chunked upload) to /v1/recommendations. */
const postStream = (app: Requester, stream: ReadableStream<Uint8Array>) =>
  Promise.resolve(
    app.request('/v1/recommendations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit),
  );

/** Test cases with a short label (bodies can be huge). */
function labelled(cases: [unknown, string, string?][]): { body: unknown; field: string; label: string }[] {
  return cases.map(([body, field, label]) => ({ body, field, label: label ?? JSON.stringify(body) }));
}

async function expectError(res: Response, status: number, code: string, field?: string): Promise<ErrorJson> {
  const body = (await res.json()) as ErrorJson;
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  if (field !== undefined) expect(body.error.field).toBe(field);
  expect(typeof body.error.message).toBe('string');
  return body;
}

describe('POST /v1/recommendations', () => {
  it('returns k ranked items with a uuid request id, the model version and the assigned variant', async () => {
    for (const userId of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const res = await post('/v1/recommendations', { userId, k: 5 });
      expect(res.status).toBe(200);
      const body = (await res.json()) as RecJson;
      expect(body.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
      expect(body.items).toHaveLength(5);
      const scores = body.items.map((i) => i.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const assigned = assignVariant(experiment, userId).name;
      expect(body.variant).toBe(assigned);
      expect(body.model).toEqual({ name: 'demo', version: assigned === 'control' ? 1 : 2 });
    }
  });

  it('defaults k to 10 and gives unknown users the non-personal (popularity) ranking', async () => {
    const body = (await (await post('/v1/recommendations', { userId: 'never-seen-before' })).json()) as RecJson;
    expect(body.items).toHaveLength(10);
    expect(body.items.slice(0, 3).map((i) => i.itemId)).toEqual(['i0', 'i1', 'i2']);
  });

  it('ranks only the given candidates, once each, and never returns excluded ids', async () => {
    const candidates = ['i5', 'i9', 'i5', 'i3', 'nope', 'i7', 'i9'];
    const body = (await (await post('/v1/recommendations', { userId: 'u1', candidates, exclude: ['i3'], k: 10 })).json()) as RecJson;
    const ids = body.items.map((i) => i.itemId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(['i5', 'i7', 'i9', 'nope']);
  });

  it('logs one impression per returned item with request id, position and variant (asynchronously)', async () => {
    const body = (await (await post('/v1/recommendations', { userId: 'u42', k: 4 })).json()) as RecJson;
    await svc.exposures?.flush();
    const mine = readEventLog(eventsDir).filter((e) => e.requestId === body.requestId);
    expect(mine.map((e) => [e.type, e.itemId, e.position, e.variant, e.userId])).toEqual(
      body.items.map((it, i) => ['impression', it.itemId, i, body.variant, 'u42']),
    );
  });

  it.each(
    labelled([
      [{ k: 5 }, 'userId'],
      [{ userId: '' }, 'userId'],
      [{ userId: 7 }, 'userId'],
      [{ userId: 'u', k: 0 }, 'k'],
      [{ userId: 'u', k: 101 }, 'k'],
      [{ userId: 'u', k: 2.5 }, 'k'],
      [{ userId: 'u', k: '10' }, 'k'],
      [{ userId: 'u', candidates: 'i1' }, 'candidates'],
      [{ userId: 'u', candidates: ['i1', 'i2', 'i3', 5] }, 'candidates[3]'],
      [{ userId: 'u', candidates: Array.from({ length: 1001 }, (_, i) => `i${i}`) }, 'candidates', '1001 candidates'],
      [{ userId: 'u', exclude: [null] }, 'exclude[0]'],
      [{ userId: 'u', candidate: ['i1'] }, 'candidate'],
      [{ userId: 'u', itemId: 'x'.repeat(300) }, 'itemId', 'a 300-character itemId'],
      [[1, 2], '(body)'],
      ['"just a string"', '(body)'],
    ]),
  )('rejects $label with 400 naming $field', async ({ body, field }) => {
    await expectError(await post('/v1/recommendations', body), 400, 'invalid_request', field);
  });

  it('rejects a __proto__ key as an unknown field and pollutes nothing', async () => {
    const res = await post('/v1/recommendations', '{"userId":"u","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    await expectError(res, 400, 'invalid_request', '__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 415 for a missing or wrong content type, 400 for broken JSON, 413 for a large body', async () => {
    const raw = (headers: Record<string, string>, body: NonNullable<RequestInit['body']>) =>
      svc.app.request('/v1/recommendations', { method: 'POST', headers, body });
    await expectError(await raw({}, '{"userId":"u"}'), 415, 'unsupported_media_type');
    await expectError(await raw({ 'content-type': 'text/plain' }, '{"userId":"u"}'), 415, 'unsupported_media_type');
    await expectError(await raw({ 'content-type': 'application/json; charset=latin1' }, '{"userId":"u"}'), 415, 'unsupported_media_type');
    expect((await raw({ 'content-type': 'application/json; charset=UTF-8' }, '{"userId":"u"}')).status).toBe(200);
    await expectError(await raw({ 'content-type': 'application/json' }, '{"userId":'), 400, 'invalid_json');
    await expectError(await raw({ 'content-type': 'application/json' }, ''), 400, 'invalid_json');
    await expectError(await raw({ 'content-type': 'application/json' }, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, 'invalid_json');
    const big = JSON.stringify({ userId: 'u', candidates: Array.from({ length: 1000 }, () => 'x'.repeat(1100)) });
    await expectError(await raw({ 'content-type': 'application/json' }, big), 413, 'body_too_large');
    // A body without Content-Length (chunked) is counted while streaming.
    const chunk = new TextEncoder().encode(`{"userId":"u","pad":"${'x'.repeat(64 * 1024)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await postStream(svc.app, stream);
    await expectError(res, 413, 'body_too_large');
    expect(sent).toBeLessThan(40);
  });

  it('decodes gzip, deflate and br bodies; refuses unknown encodings (415) and bombs (413)', async () => {
    const body = JSON.stringify({ userId: 'u1', k: 3 });
    const raw = (encoding: string, bytes: Uint8Array) =>
      svc.app.request('/v1/recommendations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: bytes,
      });
    for (const [encoding, bytes] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['deflate', deflateRawSync(body)],
      ['br', brotliCompressSync(body)],
      ['identity', Buffer.from(body)],
      ['gzip, br', brotliCompressSync(gzipSync(body))],
    ] as const) {
      const res = await raw(encoding, bytes);
      expect({ encoding, status: res.status }).toEqual({ encoding, status: 200 });
      expect(((await res.json()) as RecJson).items).toHaveLength(3);
    }
    const unknown = await expectError(await raw('compress', Buffer.from(body)), 415, 'unsupported_media_type');
    expect(unknown.error.message).toContain('"compress"');
    await expectError(await raw('gzip, zstd', gzipSync(body)), 415, 'unsupported_media_type');
    // 10 MB of spaces in 10 KB of gzip: the decoded size is bounded too.
    const bomb = gzipSync(Buffer.concat([Buffer.from(body.slice(0, -1)), Buffer.alloc(10 * 1024 * 1024, ' '), Buffer.from('}')]));
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    await expectError(await raw('gzip', bomb), 413, 'body_too_large');
    await expectError(await raw('gzip', Buffer.from(body)), 400, 'invalid_json');
  });

  it('refuses a body sent in thousands of tiny chunks (413), reading no further', async () => {
    let sent = 0;
    const text = new TextEncoder().encode(JSON.stringify({ userId: 'u', candidates: Array.from({ length: 900 }, (_, i) => `item-${i}`) }));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent < text.byteLength) controller.enqueue(text.subarray(sent, ++sent));
        else controller.close();
      },
    });
    const res = await postStream(svc.app, stream);
    await expectError(res, 413, 'body_too_fragmented');
    expect(sent).toBeLessThan(text.byteLength);
  });

  it('stops reading a body that is still arriving at the request timeout', async () => {
    const quick = createService({ source, modelName: 'demo', pollIntervalMs: 0, requestTimeoutMs: 50 });
    let cancelled: () => void = () => {};
    const wasCancelled = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"userId":'));
      },
      cancel: () => cancelled(),
    });
    const res = await postStream(quick.app, stream);
    expect([408, 504]).toContain(res.status);
    await wasCancelled; // before, the handler kept waiting on the stream after the 504
    await quick.close();
  });
});

describe('variant fallback', () => {
  it('serves the control (and says so) when the assigned variant has no model', async () => {
    const fb = createService({
      source,
      modelName: 'demo',
      pollIntervalMs: 0,
      experiment: {
        id: 'fb',
        salt: 's',
        variants: [
          { name: 'control', weight: 1, alias: 'champion' },
          { name: 'ghost', weight: 1, alias: 'nobody' },
        ],
      },
    });
    await fb.start();
    let sawFallback = false;
    for (let i = 0; i < 20; i++) {
      const body = (await (await sendJson(fb.app, '/v1/recommendations', { userId: `f${i}` })).json()) as RecJson;
      expect(body.variant).toBe('control');
      expect(body.model.version).toBe(1);
      if (body.fallbackFrom) {
        expect(body.fallbackFrom).toBe('ghost');
        sawFallback = true;
      }
    }
    expect(sawFallback).toBe(true);
    expect(await (await fb.app.request('/metrics')).text()).toMatch(
      /workbench_variant_fallbacks_total\{model="demo",from="ghost",to="control"\} \d+/,
    );
    await fb.close();
  });
});

describe('POST /v1/rank', () => {
  it('re-ranks all given items once each, best first, unknown items last', async () => {
    const res = await post('/v1/rank', { userId: 'u1', itemIds: ['zzz-unknown', 'i40', 'i0', 'i40', 'i7'] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as RecJson;
    expect(body.items.map((i) => i.itemId)).toEqual(['i0', 'i7', 'i40', 'zzz-unknown']);
    expect(body.items.every((i) => Number.isFinite(i.score))).toBe(true);
    expect(body.requestId).toMatch(/-/);
  });

  it('names the bad field', async () => {
    await expectError(await post('/v1/rank', { userId: 'u1' }), 400, 'invalid_request', 'itemIds');
    await expectError(await post('/v1/rank', { userId: 'u1', itemIds: [{}] }), 400, 'invalid_request', 'itemIds[0]');
  });
});

describe('predict (TF Serving REST)', () => {
  const instances = [
    { userId: 'u1', itemId: 'i0' },
    { userId: 'u1', itemId: 'i9', contextItemId: 'i3' },
    { userId: 'nobody', itemId: 'not-an-item' },
  ];

  it('scores rows as predictions and columns as outputs, identically', async () => {
    const rows = await post('/v1/models/demo:predict', { instances });
    expect(rows.status).toBe(200);
    const r = (await rows.json()) as { predictions: number[]; model: { version: number } };
    expect(r.predictions).toHaveLength(3);
    expect(r.model.version).toBe(1);
    const cols = await post('/v1/models/demo:predict', {
      inputs: {
        userId: ['u1', 'u1', 'nobody'],
        itemId: ['i0', 'i9', 'not-an-item'],
        contextItemId: ['', 'i3', ''].map((x) => x || 'none'),
      },
    });
    const c = (await cols.json()) as { outputs: number[] };
    expect(c.outputs[0]).toBeCloseTo(r.predictions[0]);
    expect(c.outputs[2]).toBe(r.predictions[2]);
  });

  it('selects versions and labels', async () => {
    const v2 = (await (await post('/v1/models/demo/versions/2:predict', { instances })).json()) as { model: { version: number } };
    expect(v2.model.version).toBe(2);
    const ch = (await (await post('/v1/models/demo/labels/challenger:predict', { instances })).json()) as { model: { version: number } };
    expect(ch.model.version).toBe(2);
  });

  it('answers 404 for unknown models, versions and labels, 400 for bad paths and bodies', async () => {
    await expectError(await post('/v1/models/nope:predict', { instances }), 404, 'not_found');
    await expectError(await post('/v1/models/demo/versions/9:predict', { instances }), 404, 'not_found');
    await expectError(await post('/v1/models/demo/labels/nobody:predict', { instances }), 404, 'not_found');
    await expectError(await post('/v1/models/demo/versions/abc:predict', { instances }), 400, 'invalid_request', 'version');
    await expectError(
      await post('/v1/models/demo:predict', { instances, inputs: { userId: ['u'], itemId: ['i'] } }),
      400,
      'invalid_request',
      'instances',
    );
    await expectError(await post('/v1/models/demo:predict', {}), 400, 'invalid_request', 'instances');
    await expectError(
      await post('/v1/models/demo:predict', { inputs: { userId: ['u', 'v'], itemId: ['i'] } }),
      400,
      'invalid_request',
      'inputs.itemId',
    );
    await expectError(
      await post('/v1/models/demo:predict', { instances: [{ userId: 'u' }] }),
      400,
      'invalid_request',
      'instances[0].itemId',
    );
    await expectError(
      await post('/v1/models/demo:predict', { instances, signature_name: 'other' }),
      400,
      'invalid_request',
      'signature_name',
    );
  });
});

describe('GET /v1/models', () => {
  it('reports versions, aliases and load state', async () => {
    const res = await get('/v1/models/demo');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      aliases: Record<string, number>;
      model_version_status: { version: number; state: string; aliases: string[] }[];
    };
    expect(body.aliases).toEqual({ champion: 1, challenger: 2, latest: 2 });
    expect(body.model_version_status.map((v) => [v.version, v.state, v.aliases.sort()])).toEqual([
      [2, 'AVAILABLE', ['challenger', 'latest']],
      [1, 'AVAILABLE', ['champion']],
    ]);
    const one = (await (await get('/v1/models/demo/versions/1')).json()) as { model_version_status: unknown[] };
    expect(one.model_version_status).toHaveLength(1);
    await expectError(await get('/v1/models/nope'), 404, 'model_not_found');
    await expectError(await get('/v1/models/demo/versions/7'), 404, 'not_found');
    await expectError(await get('/v1/models/bad%20name'), 400, 'invalid_request', 'name');
  });

  it('serves metadata (feature contract and manifest) per champion, version and label', async () => {
    const m = (await (await get('/v1/models/demo/metadata')).json()) as {
      model: { version: number };
      featureContract: { names: string[] };
    };
    expect(m.model.version).toBe(1);
    expect(m.featureContract.names).toContain('popularity');
    const v = (await (await get('/v1/models/demo/versions/2/metadata')).json()) as { model: { version: number } };
    expect(v.model.version).toBe(2);
    const l = (await (await get('/v1/models/demo/labels/challenger/metadata')).json()) as { model: { version: number } };
    expect(l.model.version).toBe(2);
  });
});

describe('POST /v1/events', () => {
  it('answers 202 after the events are on disk, defaulting ts to now', async () => {
    const before = Date.now();
    const yesterday = before - 86_400_000;
    const res = await post('/v1/events', {
      events: [
        { type: 'click', userId: 'ev-u1', itemId: 'i1', requestId: 'r-1', position: 2, variant: 'control' },
        { type: 'purchase', userId: 'ev-u1', itemId: 'i1', ts: yesterday },
      ],
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2 });
    const mine = readEventLog(eventsDir).filter((e) => e.userId === 'ev-u1');
    expect(mine).toHaveLength(2);
    const click = mine.find((e) => e.type === 'click')!;
    expect(click).toMatchObject({ itemId: 'i1', requestId: 'r-1', position: 2, variant: 'control' });
    expect(click.ts).toBeGreaterThanOrEqual(before);
    expect(mine.find((e) => e.type === 'purchase')?.ts).toBe(yesterday);
  });

  it('rejects event times outside the window (7 days back, 1 hour ahead), naming the event and its value', async () => {
    const now = Date.now();
    const ok = { type: 'click', userId: 'u', itemId: 'i' };
    for (const [ts, index] of [
      [now - 8 * 86_400_000, 1],
      [now + 2 * 3_600_000, 1],
      [Date.UTC(1971, 0, 1), 1],
      [Date.UTC(2099, 0, 1), 1],
    ]) {
      const body = await expectError(
        await post('/v1/events', { events: [ok, { ...ok, ts }] }),
        400,
        'invalid_request',
        `events[${index}].ts`,
      );
      expect(body.error.message).toContain(String(ts));
    }
    // The window is configurable (serve: --event-max-age / --event-max-future).
    const wide = createService({
      source,
      modelName: 'demo',
      pollIntervalMs: 0,
      events: { append: () => Promise.resolve() },
      eventTimeWindow: { maxAgeMs: 400 * 86_400_000, maxFutureMs: 0 },
    });
    expect((await sendJson(wide.app, '/v1/events', { events: [{ ...ok, ts: now - 300 * 86_400_000 }] })).status).toBe(202);
    await wide.close();
  });

  it.each([
    ['userId', { userId: '\ud800' }],
    ['itemId', { itemId: 'a\udfffb' }],
    ['variant', { variant: '\udbff' }],
  ])('rejects a lone UTF-16 surrogate in %s (the log reader could not read the line)', async (field, bad) => {
    // JSON.stringify escapes a lone surrogate: the body carries the text `"\ud800"`, as a hostile client's would.
    const res = await post('/v1/events', { events: [{ type: 'click', userId: 'u', itemId: 'i', ...bad }] });
    await expectError(res, 400, 'invalid_request', `events[0].${field}`);
    // A surrogate pair (an emoji) is fine.
    expect((await post('/v1/events', { events: [{ type: 'click', userId: '\ud83d\ude00', itemId: 'i' }] })).status).toBe(202);
  });

  it.each(
    labelled([
      [{}, 'events'],
      [{ events: [] }, 'events'],
      [{ events: [{ type: 'view', userId: 'u', itemId: 'i' }] }, 'events[0].type'],
      [{ events: [{ type: 'click', userId: 'u' }] }, 'events[0].itemId'],
      [{ events: [{ type: 'click', userId: 'u', itemId: 'i', position: -1 }] }, 'events[0].position'],
      [{ events: [{ type: 'click', userId: 'u', itemId: 'i', ts: 1e20 }] }, 'events[0].ts'],
      [{ events: [{ type: 'click', userId: 'u', itemId: 'i', extra: 1 }] }, 'events[0].extra'],
      [{ events: Array.from({ length: 501 }, () => ({ type: 'click', userId: 'u', itemId: 'i' })) }, 'events', '501 events'],
    ]),
  )('rejects $label naming $field', async ({ body, field }) => {
    await expectError(await post('/v1/events', body), 400, 'invalid_request', field);
  });

  it('answers 503 when the event log fails, and 504 when it is too slow', async () => {
    const failing = createService({
      source,
      modelName: 'demo',
      pollIntervalMs: 0,
      events: { append: () => Promise.reject(new Error('ENOSPC: no space left, open /srv/secret/events/date=2026-01-01/part.jsonl')) },
    });
    const failed = await expectError(
      await sendJson(failing.app, '/v1/events', { events: [{ type: 'click', userId: 'u', itemId: 'i' }] }),
      503,
      'event_log_unavailable',
    );
    // Server paths stay in the log.
    expect(failed.error.message).not.toMatch(/\/srv|ENOSPC/);
    const slow = createService({
      source,
      modelName: 'demo',
      pollIntervalMs: 0,
      requestTimeoutMs: 30,
      events: { append: () => new Promise((r) => setTimeout(r, 300)) },
    });
    await expectError(await sendJson(slow.app, '/v1/events', { events: [{ type: 'click', userId: 'u', itemId: 'i' }] }), 504, 'timeout');
    await failing.close();
    await slow.close();
  });
});

describe('operations routes', () => {
  it('healthz is 200; readyz is 503 until a model is warmed, then 200', async () => {
    const fresh = createService({ source, modelName: 'demo', pollIntervalMs: 0 });
    expect((await fresh.app.request('/healthz')).status).toBe(200);
    const notReady = await fresh.app.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { models: Record<string, { reason?: string }> }).models.demo.reason).toMatch(/champion/);
    await expectError(await sendJson(fresh.app, '/v1/recommendations', { userId: 'u' }), 503, 'model_unavailable');
    await fresh.start();
    expect((await fresh.app.request('/readyz')).status).toBe(200);
    fresh.state.draining = true;
    expect((await fresh.app.request('/readyz')).status).toBe(503);
    await fresh.close();
  });

  it('exposes Prometheus metrics by route and status, model versions per alias and events accepted', async () => {
    await post('/v1/recommendations', { userId: 'm1' });
    await post('/v1/recommendations', { userId: 1 });
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/workbench_http_requests_total\{method="POST",route="\/v1\/recommendations",status="200"\} \d+/);
    expect(text).toMatch(/workbench_http_requests_total\{method="POST",route="\/v1\/recommendations",status="400"\} \d+/);
    await get('/v1/models/demo');
    expect(await (await get('/metrics')).text()).toMatch(/route="\/v1\/models\/\{name\}",status="200"/);
    expect(text).toMatch(
      /workbench_http_request_duration_seconds_bucket\{le="0.01",method="POST",route="\/v1\/recommendations",status="200"\} \d+/,
    );
    expect(text).toMatch(/workbench_model_version\{model="demo",alias="champion"\} 1/);
    expect(text).toMatch(/workbench_model_version\{model="demo",alias="challenger"\} 2/);
    expect(text).toMatch(/workbench_events_accepted_total\{type="click"\} \d+/);
    // Router patterns are reported as the documented paths.
    await get('/v1/models/demo');
    expect(await (await get('/metrics')).text()).toMatch(/route="\/v1\/models\/\{name\}",status="200"/);
    expect(text).toMatch(/workbench_recommendations_total\{model="demo",variant="(control|treatment)",version="[12]"\} \d+/);
  });

  it('answers unknown routes with a JSON 404 and wrong methods with 405 and Allow', async () => {
    await expectError(await get('/v2/nothing'), 404, 'not_found');
    const res = await get('/v1/recommendations');
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
    await expectError(await post('/v1/models/demo', {}), 405, 'method_not_allowed');
  });

  it('publishes an OpenAPI document generated from the schemas, and every documented route exists', async () => {
    const doc = (await (await get('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/recommendations',
        '/v1/rank',
        '/v1/events',
        '/v1/models/{name}',
        '/v1/models/{name}:predict',
        '/v1/models/{name}/versions/{version}:predict',
        '/v1/models/{name}/labels/{alias}:predict',
        '/v1/models/{name}/metadata',
        '/healthz',
        '/readyz',
        '/metrics',
        '/admin/reload',
        '/admin/models/{name}/aliases/{alias}',
      ]),
    );
    expect(doc.components.schemas).toHaveProperty('RecommendRequest');
    expect(JSON.stringify(doc.components.schemas.RecommendRequest)).toMatch(/"maxItems":1000/);
    for (const [p, methods] of Object.entries(doc.paths)) {
      const url = p.replace('{name}', 'demo').replace('{version}', '1').replace('{alias}', 'champion');
      for (const method of Object.keys(methods)) {
        const res = await svc.app.request(url, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        const code = res.status === 404 ? ((await res.json()) as ErrorJson).error.code : '';
        expect([p, method, code]).not.toEqual([p, method, 'not_found']);
        expect(res.status, `${method} ${url}`).not.toBe(405);
      }
    }
  });

  it('adds CORS headers only for configured storefront origins', async () => {
    const withCors = createService({ source, modelName: 'demo', pollIntervalMs: 0, corsOrigins: ['https://shop.example'] });
    const pre = await withCors.app.request('/v1/recommendations', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const other = await withCors.app.request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const noCors = await svc.app.request('/v1/recommendations', { method: 'OPTIONS', headers: { origin: 'https://shop.example' } });
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull();
    await withCors.close();
  });
});

describe('server paths', () => {
  it('never appear in unauthenticated responses: FAILED reasons, lastError and 503s keep the last two segments', async () => {
    const src = new MemorySource();
    src.publish('paths');
    src.publishWith(
      'paths',
      () => {
        throw new Error('unreachable');
      },
      'weights.bin: sha256 mismatch (read /srv/secret/models/paths/2/weights.bin)',
    );
    const svc2 = createService({ source: src, modelName: 'paths', pollIntervalMs: 0 });
    await svc2.start();
    const status = await (await svc2.app.request('/v1/models/paths')).text();
    expect(status).toContain('sha256 mismatch (read .../2/weights.bin)');
    expect(status).not.toContain('/srv/secret');
    await svc2.close();

    const empty = new MemorySource();
    empty.describeError = 'model "paths" has no published versions in /srv/secret/models';
    const svc3 = createService({ source: empty, modelName: 'paths', pollIntervalMs: 0 });
    await svc3.start();
    const unavailable = await sendJson(svc3.app, '/v1/models/paths:predict', { instances: [{ userId: 'u1', itemId: 'i1' }] });
    expect(unavailable.status).toBe(503);
    const texts = [await unavailable.text(), await (await svc3.app.request('/v1/models/paths')).text()];
    for (const text of texts) expect(text).not.toContain('/srv/secret');
    expect(texts[0]).toContain('.../secret/models');
    await svc3.close();
  });

  it('redactPaths keeps URLs, relative paths and route names', () => {
    expect(redactPaths('open /a/b/c.json failed; see GET /openapi.json or http://x.test/a/b, models/m/1/w.bin')).toBe(
      'open .../b/c.json failed; see GET /openapi.json or http://x.test/a/b, models/m/1/w.bin',
    );
  });
});
