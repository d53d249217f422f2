/** POST /v1/recommendations and /v1/rank: bodies, validation, variants and their fallback, exposure logging. */
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant } from '../../src/experiments/assignment.js';
import { createService, type Service } from '../service.js';
import { expectError, experiment, labelled, postStream, type RecJson, startTestApp, type TestApp } from '../testing/app-fixture.js';
import { readEventLog, sendJson } from '../testing/helpers.js';
import type { MemorySource } from '../testing/memory-source.js';

let app: TestApp;
let svc: Service;
let eventsDir: string;
let source: MemorySource;
beforeAll(async () => {
  app = await startTestApp();
  ({ svc, eventsDir, source } = app);
});
afterAll(() => app.close());
const post = (url: string, body: unknown, headers?: Record<string, string>) => app.post(url, body, headers);

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
