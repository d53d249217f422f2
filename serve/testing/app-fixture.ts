/**
 * The in-process service the route tests share: two published versions of "demo" (champion 1,
 * challenger 2) from a MemorySource, a 50/50 experiment, and a temporary event log removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Experiment } from '../../src/experiments/assignment.js';
import { createService, type Service } from '../service.js';
import { type ErrorJson, type Requester, sendJson } from './helpers.js';
import { MemorySource } from './memory-source.js';

/** The experiment the test service runs. */
export const experiment: Experiment = {
  id: 'exp',
  salt: 's1',
  variants: [
    { name: 'control', weight: 50, alias: 'champion' },
    { name: 'treatment', weight: 50, alias: 'challenger' },
  ],
};

/** A recommendation response as the tests read it. */
export interface RecJson {
  requestId: string;
  userId: string;
  model: { name: string; version: number };
  variant: string;
  fallbackFrom?: string;
  items: { itemId: string; score: number }[];
}

/** A started test service and its request helpers. */
export interface TestApp {
  svc: Service;
  eventsDir: string;
  source: MemorySource;
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(url: string): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the shared test service (call in beforeAll; close in afterAll). */
export async function startTestApp(): Promise<TestApp> {
  const source = new MemorySource();
  source.publish('demo');
  source.publish('demo');
  source.setAlias('demo', 'champion', 1);
  source.setAlias('demo', 'challenger', 2);
  const eventsDir = mkdtempSync(path.join(os.tmpdir(), 'serve-app-'));
  const svc = createService({ source, modelName: 'demo', eventsDir, experiment, pollIntervalMs: 0, exposure: { flushMs: 5 } });
  await svc.start();
  return {
    svc,
    eventsDir,
    source,
    post: (url, body, headers) => sendJson(svc.app, url, body, { headers }),
    get: (url) => Promise.resolve(svc.app.request(url)),
    async close() {
      await svc.close();
      rmSync(eventsDir, { recursive: true, force: true });
    },
  };
}

/** POSTs a streamed body (no Content-Length, as a chunked upload) to /v1/recommendations. */
export const postStream = (app: Requester, stream: ReadableStream<Uint8Array>) =>
  Promise.resolve(
    app.request('/v1/recommendations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit),
  );

/** Test cases with a short label (bodies can be huge). */
export function labelled(cases: [unknown, string, string?][]): { body: unknown; field: string; label: string }[] {
  return cases.map(([body, field, label]) => ({ body, field, label: label ?? JSON.stringify(body) }));
}

/** Asserts an error response's status, code and (when given) field; returns its body. */
export async function expectError(res: Response, status: number, code: string, field?: string): Promise<ErrorJson> {
  const body = (await res.json()) as ErrorJson;
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  if (field !== undefined) expect(body.error.field).toBe(field);
  expect(typeof body.error.message).toBe('string');
  return body;
}
