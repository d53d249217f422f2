import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogWriter } from '../data/eventlog-writer.js';
import type { GroundTruth, InteractionEvent } from '../data/schema.js';
import { errorMessage, UsageError, WorkbenchError } from '../errors.js';
import { hashString } from '../util/random.js';
import { assignVariant, type Experiment } from './assignment.js';
import { experimentReport, specOf } from './experiment-report.js';
import { computeKpis, kpisFromEvents } from './kpi.js';
import { positionBasedShoppers } from './shoppers.js';
import { assertLoopback, simulate, tallyReport } from './simulator.js';

const ITEMS = Array.from({ length: 40 }, (_, i) => `i${i}`);
const USERS = Array.from({ length: 300 }, (_, u) => `u${u}`);

/** A planted truth: each user loves 5 items (affinity 0.9), likes a few (0.4), the rest 0.05. */
const truth: GroundTruth = {
  affinity(userId, itemId) {
    const h = hashString(`${userId}/${itemId}`) % 40;
    return h < 5 ? 0.9 : h < 10 ? 0.4 : 0.05;
  },
};

const experiment: Experiment = {
  id: 'sim-test',
  salt: 'sim',
  variants: [
    { name: 'control', weight: 1, alias: 'champion' },
    { name: 'treatment', weight: 1, alias: 'challenger' },
  ],
};

/**
 * A small real HTTP service with the two endpoints the simulator uses: control ranks items in a
 * fixed order, treatment ranks by the true affinity (a perfect model). It logs impressions and
 * posted events to an event log, and records the largest number of concurrent requests.
 */
class TestService {
  server!: Server;
  url = '';
  readonly events: string;
  private readonly log: EventLogWriter;
  inFlight = 0;
  maxInFlight = 0;
  /** Fail every n-th recommendation with a 503 (0 = never). */
  failEvery = 0;
  private count = 0;

  constructor() {
    this.events = path.join(mkdtempSync(path.join(os.tmpdir(), 'sim-')), 'events');
    this.log = new EventLogWriter(this.events);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      this.handle(req)
        .then(([status, body]) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        })
        .catch((err: Error) => res.writeHead(500).end(JSON.stringify({ error: err.message })))
        .finally(() => this.inFlight--);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    // A little latency so requests overlap.
    await new Promise((r) => setTimeout(r, 2));
    if (req.url === '/v1/recommendations') {
      if (this.failEvery && ++this.count % this.failEvery === 0) return [503, { error: 'busy' }];
      const userId = String(body.userId);
      const k = Number(body.k);
      const variant = assignVariant(experiment, userId).name;
      const ranked =
        variant === 'treatment'
          ? [...ITEMS].sort((a, b) => truth.affinity(userId, b) - truth.affinity(userId, a) || a.localeCompare(b))
          : ITEMS;
      const items = ranked.slice(0, k).map((itemId, i) => ({ itemId, score: k - i }));
      const requestId = randomUUID();
      const ts = Date.now();
      await this.log.append(
        items.map((it, position) => ({ type: 'impression', userId, itemId: it.itemId, requestId, position, variant, ts })),
      );
      return [200, { requestId, userId, variant, items, model: { name: 'm', version: variant === 'treatment' ? 2 : 1 } }];
    }
    if (req.url === '/v1/events') {
      const events = (body.events as InteractionEvent[]).map((e) => ({ ...e, ts: Date.now() }));
      await this.log.append(events);
      return [202, { accepted: events.length }];
    }
    return [404, { error: 'not found' }];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.log.close();
  }
}

const service = new TestService();
beforeAll(() => service.start());
afterAll(() => service.stop());

const shoppers = () => positionBasedShoppers(truth, USERS, { attraction: 0.5 });

describe('simulate against a real HTTP service', () => {
  it('plays every user, stays within the concurrency bound, and its tally matches the service’s event log', async () => {
    service.maxInFlight = 0;
    const r = await simulate({ url: service.url, shoppers: shoppers(), requestsPerUser: 2, concurrency: 4, seed: 1 });
    expect(r).toMatchObject({ users: 300, planned: 600, requests: 600, failed: 0, stoppedBy: null });
    expect(r.maxInFlight).toBeLessThanOrEqual(4);
    expect(service.maxInFlight).toBeLessThanOrEqual(4);
    expect(service.maxInFlight).toBeGreaterThan(1);
    expect(r.feedback.click).toBeGreaterThan(100);
    expect(r.eventsAccepted).toBe(r.feedback.click + r.feedback.cart + r.feedback.purchase);
    expect(Object.keys(r.variants).sort()).toEqual(['control', 'treatment']);

    // The service's log, read through DuckDB, holds exactly what the simulator saw and posted.
    const names = ['control', 'treatment'];
    const fromLog = await computeKpis(service.events, { variants: names, since: r.startedAt });
    const fromTally = kpisFromEvents(r.events, { variants: names });
    expect(fromLog.variants).toEqual(fromTally.variants);

    // The perfect ranker wins clearly; the 50/50 split holds; clicks fall with position.
    const report = await experimentReport(service.events, experiment, { since: r.startedAt, stateFile: false });
    const ctr = report.comparisons[0].metrics.find((m) => m.metric === 'ctr' && m.method === 'delta')!;
    expect(ctr.difference!).toBeGreaterThan(0);
    expect(ctr.pValue!).toBeLessThan(0.001);
    expect(report.srm?.mismatch).toBe(false);
    const t = report.variants[1];
    expect(t.byPosition[0].ctr.value!).toBeGreaterThan(t.byPosition[9].ctr.value!);
    const tally = tallyReport(r, specOf(experiment));
    expect(tally.variants.map((v) => v.clicks)).toEqual(report.variants.map((v) => v.clicks));
  });

  it('is deterministic per seed whatever the concurrency', async () => {
    const fingerprint = (events: InteractionEvent[]) =>
      events
        .filter((e) => e.type !== 'impression')
        .map((e) => `${e.userId}/${e.itemId}/${e.type}/${e.position}`)
        .sort();
    const a = await simulate({ url: service.url, shoppers: shoppers(), seed: 9, concurrency: 8, maxRequests: 120 });
    const b = await simulate({ url: service.url, shoppers: shoppers(), seed: 9, concurrency: 1, maxRequests: 120 });
    const c = await simulate({ url: service.url, shoppers: shoppers(), seed: 10, concurrency: 8, maxRequests: 120 });
    expect(fingerprint(a.events)).toEqual(fingerprint(b.events));
    expect(fingerprint(a.events)).not.toEqual(fingerprint(c.events));
  });

  it('respects the request and time bounds', async () => {
    const few = await simulate({ url: service.url, shoppers: shoppers(), requestsPerUser: 3, maxRequests: 7 });
    expect(few.requests).toBe(7);
    expect(few.users).toBe(3);
    const none = await simulate({ url: service.url, shoppers: shoppers(), timeLimitMs: 0 });
    expect(none.stoppedBy).toBe('time-limit');
    expect(none.requests).toBe(0);
  });

  it('counts failed requests and carries on', async () => {
    service.failEvery = 5;
    try {
      const r = await simulate({ url: service.url, shoppers: shoppers(), maxRequests: 50, concurrency: 2 });
      expect(r.failed).toBe(10);
      expect(r.requests).toBe(40);
      expect(r.errors).toEqual({ 'POST /v1/recommendations: HTTP 503': 10 });
    } finally {
      service.failEvery = 0;
    }
  });

  it('gives up quickly on a service that is not there', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const err = await simulate({ url: `http://127.0.0.1:${port}`, shoppers: shoppers() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as WorkbenchError).code).toBe('service_unreachable');
    expect(errorMessage(err)).toMatch(/ECONNREFUSED/);
  });
});

describe('assertLoopback', () => {
  it('accepts loopback URLs only', () => {
    expect(assertLoopback('http://127.0.0.1:8080').port).toBe('8080');
    expect(assertLoopback('http://localhost:1').hostname).toBe('localhost');
    expect(assertLoopback('http://[::1]:8080').hostname).toBe('[::1]');
    expect(() => assertLoopback('http://example.com')).toThrow(UsageError);
    expect(() => assertLoopback('http://10.0.0.1:8080')).toThrow(/loopback/);
    expect(() => assertLoopback('ftp://127.0.0.1')).toThrow(/http/);
    expect(() => assertLoopback('not a url')).toThrow(/not a URL/);
  });
});
