/**
 * Test fixture (not product code): one service process over a real models directory and event
 * log, for serve/faults.test.ts (`node --import tsx serve/testing/server-main.ts`), so a test can
 * run it under a file-descriptor limit or SIGKILL it. Environment: MODELS_DIR, EVENTS_DIR, PORT
 * (default 0), EVENT_MAX_AGE_MS (default: the service's). Logs JSON lines on stdout ("listening"
 * carries the URL). Versions are served by the fixture model, the registry polled every 100 ms.
 */

import { jsonLogger } from '../logger.js';
import { createRegistrySource } from '../registry-source.js';
import { startServer } from '../server.js';
import { createFixtureModel, fixtureTables } from './fixture-model.js';

const env = process.env;
const source = createRegistrySource(env.MODELS_DIR ?? 'models', {
  openServable: async (loaded) => createFixtureModel({ name: loaded.name, version: loaded.version, tables: fixtureTables() }),
});
const maxAgeMs = env.EVENT_MAX_AGE_MS ? Number(env.EVENT_MAX_AGE_MS) : undefined;
await startServer({
  source,
  modelName: 'demo',
  port: Number(env.PORT ?? 0),
  eventsDir: env.EVENTS_DIR ?? 'data/events',
  pollIntervalMs: 100,
  logExposures: false,
  adminToken: 'faults-token',
  eventTimeWindow: maxAgeMs === undefined ? undefined : { maxAgeMs, maxFutureMs: 3_600_000 },
  logger: jsonLogger(undefined, { base: { pid: process.pid } }),
  handleSignals: true,
  onClosed: () => process.exit(0),
});
