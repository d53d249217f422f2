/**
 * Fuzz: thousands of malformed and hostile requests (seeded, so a failure repeats) against every
 * writable route. None may produce a 5xx; every 4xx must be a JSON error with a code; the service
 * must still answer normally afterwards and no prototype may be polluted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/util/random.js';
import { createService, type Service } from './service.js';
import { FUZZ_ROUTES } from './testing/fuzz-arbitraries.js';
import { MemorySource } from './testing/memory-source.js';

const TOKEN = 'fuzz-admin-token';
const ROUTES = FUZZ_ROUTES;
const FIELDS = [
  'userId',
  'itemId',
  'k',
  'candidates',
  'exclude',
  'itemIds',
  'events',
  'instances',
  'inputs',
  'version',
  'type',
  'ts',
  'position',
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', ''];

let svc: Service;
const eventsDir = mkdtempSync(path.join(os.tmpdir(), 'serve-fuzz-'));
beforeAll(async () => {
  const source = new MemorySource();
  source.publish('demo');
  svc = createService({
    source,
    modelName: 'demo',
    pollIntervalMs: 0,
    eventsDir,
    adminToken: TOKEN,
    setAlias: async (name, alias, version) => source.setAlias(name, alias, version),
    maxBodyBytes: 256 * 1024,
  });
  await svc.start();
});
afterAll(async () => {
  await svc.close();
  rmSync(eventsDir, { recursive: true, force: true });
});

function randomScalar(rng: Rng): unknown {
  const pick = rng.int(14);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.int(1000) - 500;
    case 3:
      return rng.next() * 1e6;
    case 4:
      return 1e308 * (rng.chance(0.5) ? 10 : -10); // Infinity once parsed
    case 5:
      return '';
    case 6:
      return 'x'.repeat(rng.int(600));
    case 7:
      return '\u0000\u202e\ud83d\ude00<script>';
    case 8:
      return `u${rng.int(50)}`;
    case 9:
      return Number.MAX_SAFE_INTEGER + 2;
    case 10:
      return -0;
    case 11:
      return ['a', 1, null];
    case 12:
      return { nested: { deeper: [1, { x: 'y' }] } };
    default:
      return `i${rng.int(500)}`;
  }
}

function randomValue(rng: Rng, depth = 0): unknown {
  if (depth > 3 || rng.chance(0.5)) return randomScalar(rng);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(6) }, () => randomValue(rng, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = rng.int(5); i > 0; i--) obj[rng.chance(0.8) ? rng.pick(FIELDS) : rng.pick(HOSTILE_KEYS)] = randomValue(rng, depth + 1);
  return obj;
}

/** A structurally plausible body with one or more fields broken. */
function mutatedBody(rng: Rng): unknown {
  const base: Record<string, unknown>[] = [
    { userId: 'u1', k: 5, candidates: ['i1', 'i2'] },
    { userId: 'u1', itemIds: ['i1', 'i2'] },
    { events: [{ type: 'click', userId: 'u1', itemId: 'i1' }] },
    { instances: [{ userId: 'u1', itemId: 'i1' }] },
    { inputs: { userId: ['u1'], itemId: ['i1'] } },
    { version: 1 },
  ];
  const body = structuredClone(rng.pick(base));
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const key = rng.chance(0.85) ? rng.pick(FIELDS) : rng.pick(HOSTILE_KEYS);
    if (rng.chance(0.15)) delete body[key];
    else body[key] = randomValue(rng);
  }
  return body;
}

function deepNesting(depth: number, open: string, close: string): string {
  return `{"userId":${open.repeat(depth)}1${close.repeat(depth)}}`;
}

function hugeArray(rng: Rng): string {
  const n = 2000 + rng.int(20_000);
  const field = rng.pick(['candidates', 'itemIds', 'events', 'instances', 'exclude']);
  return `{"userId":"u1","${field}":[${Array.from({ length: n }, (_, i) => (rng.chance(0.5) ? `"i${i}"` : '{}')).join(',')}]}`;
}

const BROKEN_JSON = [
  '',
  ' ',
  '{',
  '}',
  '{"userId":',
  '{"userId":"u1",}',
  "{'userId':'u1'}",
  '{"userId":"u1"} trailing',
  '\ufeff{"userId":"u1"}',
  '/* c */ {"userId":"u1"}',
  'NaN',
  'undefined',
  '{"userId":"\\ud800"}',
  '{"k": 1e999999}',
  '[',
  'null',
  'true',
  '0',
  '"str"',
  '{"__proto__":{"polluted":1},"userId":"u1"}',
  '{"constructor":{"prototype":{"polluted":1}},"userId":"u1"}',
];

const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/jsonx',
  'json',
  'application/xml',
  '*/*',
];

interface Case {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: NonNullable<RequestInit['body']>;
}

function makeCases(seed: number, count: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const [method, url] = rng.pick(ROUTES);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (url.startsWith('/admin') && rng.chance(0.7)) headers.authorization = `Bearer ${TOKEN}`;
    let body: NonNullable<RequestInit['body']>;
    const kind = rng.int(10);
    if (kind <= 2) body = JSON.stringify(mutatedBody(rng));
    else if (kind === 3) body = JSON.stringify(randomValue(rng));
    else if (kind === 4) body = rng.pick(BROKEN_JSON);
    else if (kind === 5) body = deepNesting(1000 + rng.int(50_000), rng.chance(0.5) ? '[' : '{"a":', rng.chance(0.5) ? ']' : '}');
    else if (kind === 6) body = hugeArray(rng);
    else if (kind === 7) {
      const type = rng.pick(CONTENT_TYPES);
      if (type === undefined) delete headers['content-type'];
      else headers['content-type'] = type;
      body = JSON.stringify(mutatedBody(rng));
    } else if (kind === 8) body = new Uint8Array(Array.from({ length: rng.int(200) }, () => rng.int(256)));
    else body = JSON.stringify(mutatedBody(rng)).replace(/"[a-zA-Z]+":/, '"__proto__":');
    cases.push({ method, url, headers, body });
  }
  return cases;
}

async function expectNo5xx(c: Case): Promise<number> {
  const res = await svc.app.request(c.url, { method: c.method, headers: c.headers, body: c.body });
  const text = await res.text();
  expect(res.status, `${c.method} ${c.url} ${String(c.body).slice(0, 120)} -> ${text.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400) {
    const parsed = JSON.parse(text) as { error: { code: string; message: string } };
    expect(typeof parsed.error.code).toBe('string');
    expect(parsed.error.message.length).toBeLessThan(600);
  }
  return res.status;
}

describe('fuzz', () => {
  it('answers 1,500 malformed or hostile bodies with 4xx JSON errors, never 5xx', async () => {
    const statuses = new Map<number, number>();
    for (const c of makeCases(20_261_124, 1500)) {
      const status = await expectNo5xx(c);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    // The mix really exercised the error paths.
    expect(statuses.get(400)).toBeGreaterThan(500);
    expect(statuses.get(415)).toBeGreaterThan(20);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses oversized bodies with 413, declared or streamed', async () => {
    const big = `{"userId":"u1","candidates":[${Array.from({ length: 40_000 }, (_, i) => `"item-${i}"`).join(',')}]}`;
    for (let i = 0; i < 5; i++) {
      expect(
        await expectNo5xx({ method: 'POST', url: '/v1/recommendations', headers: { 'content-type': 'application/json' }, body: big }),
      ).toBe(413);
    }
  });

  it('survives hostile paths and methods', async () => {
    const urls = [
      '/v1/models/%00:predict',
      '/v1/models/%zz:predict',
      '/v1/models/..%2F..%2Fetc:predict',
      `/v1/models/${'a'.repeat(5000)}:predict`,
      '/v1/models/demo/versions/99999999999999999999:predict',
      '/v1/models/demo/versions/-1:predict',
      '/v1/models/demo/versions/0/metadata',
      '/v1/models/demo/labels/%F0%9F%98%80/metadata',
      '/v1/models/%E0%A4%A',
      '/v1//recommendations',
      '/admin/models/demo/aliases/..',
      `/v1/${'x/'.repeat(500)}`,
    ];
    for (const url of urls) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
        await expectNo5xx({
          method,
          url,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: method === 'GET' ? undefined : '{"instances":[{"userId":"u","itemId":"i"}]}',
        });
      }
    }
  });

  it('still serves normally afterwards', async () => {
    const res = await svc.app.request('/v1/recommendations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":"u1"}',
    });
    expect(res.status).toBe(200);
  });
});
