/** POST /v1/events: validation, the log, and what it changes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../service.js';
import { expectError, labelled, startTestApp, type TestApp } from '../testing/app-fixture.js';
import { readEventLog, sendJson } from '../testing/helpers.js';
import type { MemorySource } from '../testing/memory-source.js';

let app: TestApp;
let eventsDir: string;
let source: MemorySource;
beforeAll(async () => {
  app = await startTestApp();
  ({ eventsDir, source } = app);
});
afterAll(() => app.close());
const post = (url: string, body: unknown, headers?: Record<string, string>) => app.post(url, body, headers);

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
