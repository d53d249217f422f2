/**
 * Test fixture (not product code): runs the service as a cluster over the in-memory fixture
 * source, for serve/cluster.test.ts (`node --import tsx serve/testing/cluster-main.ts`).
 * Workers each build their own source and models, as real workers load from the registry.
 */
import { defaultWorkers, runServe } from '../cluster.js';
import { jsonLogger } from '../logger.js';
import { MemorySource } from './memory-source.js';

const logger = jsonLogger(undefined, { base: { pid: process.pid } });
const code = await runServe({
  workers: defaultWorkers(),
  logger,
  serverOptions: () => {
    const source = new MemorySource();
    source.publish('demo');
    return {
      source,
      modelName: 'demo',
      port: Number(process.env.PORT ?? 0),
      host: '127.0.0.1',
      pollIntervalMs: 0,
      logger,
      adminToken: 'cluster-token',
    };
  },
});
process.exit(code);
