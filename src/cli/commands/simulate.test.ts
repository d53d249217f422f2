import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogWriter } from '../../data/eventlog-writer.js';
import type { InteractionEvent } from '../../data/schema.js';
import { assignVariant, type Experiment } from '../../experiments/assignment.js';
import type { ExperimentReport } from '../../experiments/experiment-report.js';
import type { SimulationResult } from '../../experiments/simulator.js';
import { main } from '../main.js';
import { type RecordingIO, recordingIO } from '../testing/recording-io.js';

const experiment: Experiment = {
  id: 'sim-cli',
  salt: 'x',
  variants: [
    { name: 'control', weight: 1, alias: 'champion' },
    { name: 'treatment', weight: 1, alias: 'challenger' },
  ],
};

// Synthetic store item ids are i0001..; both variants serve a fixed list (order differs).
const ITEMS = Array.from({ length: 10 }, (_, i) => `i${String(i + 1).padStart(4, '0')}`);

let server: Server;
let url = '';
let log: EventLogWriter;
const pending = new Set<Promise<void>>();
const root = mkdtempSync(path.join(os.tmpdir(), 'cli-sim-'));
const events = path.join(root, 'events');

beforeAll(async () => {
  log = new EventLogWriter(events);
  server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as { userId: string; k: number; events: InteractionEvent[] };
    if (req.url === '/v1/recommendations') {
      const variant = assignVariant(experiment, body.userId).name;
      const items = (variant === 'control' ? ITEMS : [...ITEMS].reverse()).slice(0, body.k).map((itemId, i) => ({ itemId, score: 10 - i }));
      const requestId = randomUUID();
      // Impressions are flushed asynchronously, as the real service does.
      const flushed = new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() =>
        log.append(
          items.map((it, position) => ({
            type: 'impression',
            userId: body.userId,
            itemId: it.itemId,
            requestId,
            position,
            variant,
            ts: Date.now(),
          })),
        ),
      );
      pending.add(flushed);
      void flushed.finally(() => pending.delete(flushed));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ requestId, variant, items, model: { name: 'm', version: 1 } }));
    } else {
      await log.append(body.events.map((e) => ({ ...e, ts: Date.now() })));
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.events.length }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all(pending);
  await log.close();
});

function capture(env: NodeJS.ProcessEnv = {}): RecordingIO {
  return recordingIO(root, env);
}

describe('workbench simulate', () => {
  it('plays synthetic shoppers and reports from the service event log (--json)', async () => {
    const config = path.join(root, 'sim-cli.json');
    writeFileSync(config, JSON.stringify(experiment));
    const io = capture();
    const code = await main(
      [
        'simulate',
        '--url',
        url,
        '--users',
        '60',
        '--requests-per-user',
        '2',
        '--config',
        config,
        '--events',
        'events',
        '--attraction',
        '1',
        '--json',
      ],
      io,
    );
    expect(io.stderr.join('\n')).not.toMatch(/workbench:/);
    expect(code).toBe(0);
    const out = JSON.parse(io.stdout.join('\n')) as { simulation: Omit<SimulationResult, 'events'>; report: ExperimentReport };
    expect(out.simulation.requests).toBe(120);
    expect(out.report.source).toEqual({ kind: 'event-log', eventsDir: events });
    // Every impression the simulator was shown reached the log before the report was computed.
    expect(out.report.variants.reduce((s, v) => s + v.impressions, 0)).toBe(1200);
    expect(out.report.variants.reduce((s, v) => s + v.users, 0)).toBe(60);
    expect(out.report.variants.reduce((s, v) => s + v.clicks, 0)).toBe(out.simulation.feedback.click);
    expect(out.report.srm).not.toBeNull();
  });

  it('without --events prints the client-side tally as text', async () => {
    const io = capture();
    expect(await main(['simulate', '--url', url, '--users', '20', '--seed', '7'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/Simulated 20 of 20 requests for 20 users/);
    expect(text).toMatch(/client-side tally/);
    expect(text).toMatch(/Sample ratio: not checked/);
  });

  it('refuses non-loopback URLs and bad numbers (exit 2)', async () => {
    const io = capture();
    expect(await main(['simulate', '--url', 'http://192.168.1.10:8080'], io)).toBe(2);
    expect(io.stderr.at(-1)).toMatch(/loopback/);
    expect(await main(['simulate', '--url', url, '--users', 'many'], io)).toBe(2);
    expect(io.stderr.at(-1)).toMatch(/--users "many"/);
    expect(await main(['simulate', '--url', url, '--source', 'file'], io)).toBe(2);
  });
});
