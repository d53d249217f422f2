/**
 * Test support (not product code): fast-check arbitraries of requests to every writable route,
 * built from the route schemas' fields (valid values, near misses and hostile ones: lone
 * surrogates, prototype keys, huge and non-finite numbers, wrong types, odd content types and
 * encodings), and the service they run against. Used by serve/fuzz-property.test.ts (a few
 * thousand cases) and bench/fuzz.ts (100,000, with figures).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { createService, type Service } from '../service.js';
import { MemorySource } from './memory-source.js';

/** The admin token of the fuzzed service. */
export const FUZZ_TOKEN = 'fuzz-admin-token';

/** One generated request. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', ''];
const LONE_SURROGATES = ['\ud800', '\udfff', 'a\ud83d', '\ude00b'];

const hostileString = fc.oneof(
  fc.constantFrom(...LONE_SURROGATES, '', '\u0000', '\u202e', '<script>', '😀', 'x'.repeat(300)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/** An id: mostly plausible, sometimes hostile. */
const id = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[ui][0-9]{1,3}$/) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: hostileString },
);
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  hostileString,
);
/** Any JSON-ish value, shallow. */
const anything = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(fc.constantFrom(...HOSTILE_KEYS, 'a'), scalar, { maxKeys: 3 }),
);
/** A field's good value most of the time, anything else sometimes. */
const mostly = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 24, arbitrary: good }, { weight: 1, arbitrary: anything });

/** Adds hostile or unknown keys now and then. */
const withExtras = (body: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(
      body,
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...HOSTILE_KEYS, 'candidate', 'extra'), anything) },
      ),
    )
    .map(([b, extra]) => (extra ? { ...b, [extra[0]]: extra[1] } : b));

const ids = (max: number) => fc.array(id, { maxLength: max });

function eventArb(now: number) {
  const ts = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: now - 6 * 86_400_000, max: now + 3_000_000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }) },
    { weight: 2, arbitrary: anything },
  );
  return withExtras(
    fc.record(
      {
        type: mostly(fc.constantFrom('impression', 'click', 'cart', 'purchase')),
        userId: mostly(id),
        itemId: mostly(id),
        requestId: mostly(id),
        position: mostly(fc.integer({ min: -1, max: 10_001 })),
        ts,
        variant: mostly(id),
      },
      { requiredKeys: ['type', 'userId', 'itemId'] },
    ),
  );
}

/** Request bodies for `route` (one of FUZZ_ROUTES' paths): schema-shaped mostly, hostile sometimes. */
export function bodyFor(route: string, now: number): fc.Arbitrary<unknown> {
  switch (route) {
    case '/v1/recommendations':
      return withExtras(
        fc.record(
          {
            userId: mostly(id),
            itemId: mostly(id),
            k: mostly(fc.integer({ min: 0, max: 101 })),
            candidates: mostly(ids(30)),
            exclude: mostly(ids(10)),
          },
          { requiredKeys: [] },
        ),
      );
    case '/v1/rank':
      return withExtras(fc.record({ userId: mostly(id), itemIds: mostly(ids(30)) }));
    case '/v1/events':
      return withExtras(fc.record({ events: mostly(fc.array(eventArb(now), { minLength: 1, maxLength: 6 })) }));
    case '/admin/models/demo/aliases/champion':
      return withExtras(fc.record({ version: mostly(fc.integer({ min: -1, max: 4 })) }));
    default: {
      const instance = withExtras(
        fc.record({ userId: mostly(id), itemId: mostly(id), contextItemId: mostly(id) }, { requiredKeys: ['userId', 'itemId'] }),
      );
      return fc.oneof(
        withExtras(fc.record({ instances: mostly(fc.array(instance, { minLength: 1, maxLength: 8 })) })),
        withExtras(fc.record({ inputs: mostly(fc.record({ userId: ids(5), itemId: ids(5) }, { requiredKeys: [] })) })),
      );
    }
  }
}

/** Every writable route the fuzzers hit (method, path). */
export const FUZZ_ROUTES: readonly [string, string][] = [
  ['POST', '/v1/recommendations'],
  ['POST', '/v1/rank'],
  ['POST', '/v1/events'],
  ['POST', '/v1/models/demo:predict'],
  ['POST', '/v1/models/demo/versions/1:predict'],
  ['POST', '/v1/models/demo/labels/champion:predict'],
  ['POST', '/v1/models/demo/labels/constructor:predict'],
  ['PUT', '/admin/models/demo/aliases/champion'],
  ['POST', '/admin/reload'],
];

const contentType = fc.oneof(
  { weight: 19, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x+json', '') },
);
const encoding = fc.oneof(
  { weight: 9, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'br', 'compress', 'identity') },
);

/** Requests to every writable route: schema-shaped bodies (mostly), raw garbage (sometimes). */
export function requestArbitrary(now: number): fc.Arbitrary<FuzzRequest> {
  return fc
    .constantFrom(...FUZZ_ROUTES)
    .chain(([method, url]) =>
      fc.record({
        method: fc.constant(method),
        url: fc.constant(url),
        body: fc.oneof(
          { weight: 19, arbitrary: bodyFor(url, now).map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary' }), fc.json()) },
        ),
        type: contentType,
        encoding,
        auth: fc.boolean(),
      }),
    )
    .map(({ method, url, body, type, encoding: enc, auth }) => {
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      if (url.startsWith('/admin') && auth) headers.authorization = `Bearer ${FUZZ_TOKEN}`;
      let sent: string | Uint8Array = body;
      if (enc) {
        headers['content-encoding'] = enc;
        if (enc === 'gzip') sent = gzipSync(body);
      }
      return { method, url, headers, body: sent };
    });
}

/** The service under fuzz: two versions of `demo`, an event log in a temp folder, admin on. */
export async function fuzzService(): Promise<{ svc: Service; source: MemorySource; eventsDir: string }> {
  const source = new MemorySource();
  source.publish('demo');
  source.publish('demo');
  source.setAlias('demo', 'champion', 1);
  const eventsDir = mkdtempSync(path.join(os.tmpdir(), 'serve-fuzz-property-'));
  const svc = createService({
    source,
    modelName: 'demo',
    pollIntervalMs: 0,
    eventsDir,
    logExposures: true,
    exposure: { flushMs: 5 },
    adminToken: FUZZ_TOKEN,
    setAlias: async (name, alias, version) => {
      if (version < 1 || version > 2) throw new (await import('../../src/errors.js')).NotFoundError(`no version ${version}`);
      source.setAlias(name, alias, version);
    },
  });
  await svc.start();
  return { svc, source, eventsDir };
}

/** Sends one request; returns the status and a problem description (a 5xx, or a 4xx without our error body). */
export async function sendFuzz(svc: Service, r: FuzzRequest): Promise<{ status: number; problem?: string }> {
  const res = await svc.app.request(r.url, { method: r.method, headers: r.headers, body: r.body });
  const text = await res.text();
  if (res.status >= 500) return { status: res.status, problem: `${r.method} ${r.url} -> ${res.status} ${text.slice(0, 200)}` };
  if (res.status >= 400) {
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown } };
      if (typeof parsed.error?.code !== 'string')
        return { status: res.status, problem: `${res.status} without an error code: ${text.slice(0, 200)}` };
    } catch {
      return { status: res.status, problem: `${res.status} with a body that is not JSON: ${text.slice(0, 200)}` };
    }
  }
  return { status: res.status };
}
