/**
 * The shared deployment's user state and event stream (`--state redis://HOST:PORT`): replicas
 * behind a load balancer read and write one Redis (a server or a Cluster) instead of their own
 * files. Accepted events go to the Redis stream (202 once Redis has them on disk), one replica at
 * a time applies the stream to user state (state-applier), each replica archives part of it as
 * Parquet into its events folder (point every replica at shared storage, or read the folders
 * together), and every request reads its user's state from Redis just before scoring.
 *
 * While Redis is away, recommendations are served with model-only features (the response and
 * /readyz say so), events are refused with 503 (nothing is acknowledged that Redis did not
 * store), and everything resumes when Redis answers again; the clients reconnect on their own.
 */
import os from 'node:os';
import type { InteractionEvent } from '../src/data/schema.js';
import { errorMessage } from '../src/errors.js';
import type { UserState, UserStateDefinition } from '../src/features/user-state.js';
import { connectRedis, isConnected, type RedisClient } from '../src/redis/connection.js';
import { checkDurability, RedisEventStream } from '../src/redis/event-stream.js';
import { StreamStateApplier } from '../src/redis/state-applier.js';
import { StreamArchiver } from '../src/redis/stream-archiver.js';
import { RedisUserStateStore } from '../src/redis/user-state-redis.js';
import type { EventSink } from './exposure.js';
import { type Logger, silentLogger } from './logger.js';
import type { ModelSource } from './model-source.js';
import type { UserStateAccess, UserStateHealth } from './user-state-access.js';

/** Options of SharedUserState.connect. */
export interface SharedUserStateOptions {
  /** redis://HOST:PORT (a server or any node of a cluster). */
  url: string;
  definitions: readonly UserStateDefinition[];
  /** Where this replica writes its Parquet archive parts (hive partitions by date). */
  archiveDir: string;
  /** Key prefix (default `wb`; WORKBENCH_REDIS_PREFIX). */
  prefix?: string;
  /** `trust`: skip the appendfsync check (managed Redis without CONFIG; WORKBENCH_REDIS_DURABILITY). */
  durability?: 'check' | 'trust';
  /** Archive batch knobs (tests write small batches quickly). */
  archiveFlushMs?: number;
  /**
   * A state folder (`workbench train`'s snapshot) to seed a fresh Redis from (WORKBENCH_REDIS_SEED;
   * default ./data/state when it holds a snapshot). Only the replica that finds Redis empty seeds.
   */
  seedDir?: string;
  /** Applier lease (ms, default 5000). */
  leaseMs?: number;
  logger?: Logger;
}

/** See the module comment. */
export class SharedUserState implements UserStateAccess {
  private lastFailure: string | undefined;
  private lastFailureAt = 0;
  /** When the connection last became ready (a failure before it is over). */
  private readyAt = Date.now();
  private readonly logger: Logger;

  private constructor(
    readonly url: string,
    private readonly clients: RedisClient[],
    readonly store: RedisUserStateStore,
    readonly stream: RedisEventStream,
    readonly applier: StreamStateApplier,
    readonly archiver: StreamArchiver,
    logger: Logger,
  ) {
    this.logger = logger;
    clients[0].on('ready', () => {
      this.readyAt = Date.now();
    });
  }

  /**
   * Connects (the first connection must succeed: a typo in the URL exits at start), checks
   * durability and the stored state's definitions, and creates the stream's consumer groups.
   */
  static async connect(opts: SharedUserStateOptions): Promise<SharedUserState> {
    const logger = opts.logger ?? silentLogger;
    const consumer = `${os.hostname()}:${process.pid}`;
    const client = await connectRedis(opts.url, { name: `workbench ${consumer}` });
    const clients = [client];
    try {
      if (opts.durability !== 'trust') await checkDurability(client);
      const store = new RedisUserStateStore(client, { definitions: opts.definitions, prefix: opts.prefix });
      const { stale, fresh } = await store.openFresh();
      if (stale.length) logger.warn('Redis user state holds other versions of these states; they start empty', { states: stale });
      if (fresh && opts.seedDir) await seed(store, opts.seedDir, logger);
      const stream = new RedisEventStream(client, { prefix: opts.prefix });
      await stream.ensureGroups();
      // Blocking reads get their own connections, with a timeout above the longest block.
      const blocking = async () => {
        const c = await connectRedis(opts.url, { commandTimeoutMs: 3000, name: `workbench ${consumer} reader` });
        clients.push(c);
        return c;
      };
      const onError = (what: string) => (err: Error) => logger.warn(`${what} failed; retrying`, { error: err.message });
      const applier = new StreamStateApplier({
        stream,
        store,
        consumer,
        blockingClient: await blocking(),
        leaseMs: opts.leaseMs,
        onError: onError('applying the event stream to user state'),
      });
      const archiver = new StreamArchiver({
        stream,
        dir: opts.archiveDir,
        consumer,
        blockingClient: await blocking(),
        flushMs: opts.archiveFlushMs,
        onError: onError('archiving the event stream'),
        onBatch: (b) => logger.debug('events archived', { entries: b.entries, files: b.files.length, ms: Math.round(b.ms) }),
      });
      return new SharedUserState(opts.url, clients, store, stream, applier, archiver, logger);
    } catch (err) {
      for (const c of clients) c.disconnect();
      throw err;
    }
  }

  /** The stream as the service's event sink (POST /v1/events, impressions). */
  get sink(): EventSink {
    return { append: async (events: readonly InteractionEvent[]) => void (await this.stream.append(events)) };
  }

  /** Starts applying and archiving the stream. */
  start(): void {
    this.applier.start();
    this.archiver.start();
  }

  async prefetch(userIds: readonly string[]): Promise<boolean> {
    try {
      await this.store.prefetch(userIds);
      if (this.lastFailure) this.logger.info('Redis user state readable again', { url: this.url });
      this.lastFailure = undefined;
      return true;
    } catch (err) {
      if (!this.lastFailure) this.logger.warn('Redis user state unreadable; serving model-only features', { error: errorMessage(err) });
      this.lastFailure = errorMessage(err);
      this.lastFailureAt = Date.now();
      return false;
    }
  }

  health(): UserStateHealth {
    if (!isConnected(this.clients[0])) return { backend: 'redis', available: false, reason: `Redis at ${this.where()} is not connected` };
    // Connected but failing (e.g. timing out): unavailable until a reconnect, a read succeeds, or 5 s pass without a failure.
    if (this.lastFailure && this.lastFailureAt >= this.readyAt && Date.now() - this.lastFailureAt < 5000)
      return { backend: 'redis', available: false, reason: `last read failed: ${this.lastFailure}` };
    return { backend: 'redis', available: true };
  }

  private where(): string {
    return this.url.replace(/\/\/[^@/]*@/, '//');
  }

  /** Stops the loops (the archiver writes what it holds), then disconnects. */
  async close(): Promise<void> {
    await Promise.all([this.applier.stop(), this.archiver.stop()]);
    for (const c of this.clients) c.disconnect();
  }
}

/** Copies the snapshot's users into a fresh Redis (users the stream already reached are kept). */
async function seed(store: RedisUserStateStore, seedDir: string, logger: Logger): Promise<void> {
  const { restoreUserState } = await import('../src/features/user-state-snapshot.js');
  const t0 = performance.now();
  const { store: snapshot, report } = restoreUserState({ stateDir: seedDir, definitions: store.definitions });
  if (!report.snapshot) return;
  const users = await store.putUsers(
    snapshot.userIds().map((id) => [id, snapshot.get(id) as UserState]),
    { clock: snapshot.clock(), onlyNew: true },
  );
  logger.info('Redis user state seeded from the snapshot', { snapshot: report.snapshot, users, ms: Math.round(performance.now() - t0) });
}

/**
 * The shared wiring (what liveRegistry is for the embedded store): Redis user state and a
 * registry source whose versions read it.
 */
export async function sharedRegistry(
  modelsDir: string,
  opts: Omit<SharedUserStateOptions, 'definitions'> & { kinds?: readonly string[] },
): Promise<{ sharedState: SharedUserState; source: ModelSource }> {
  const { registeredUserStates } = await import('../src/features/index.js');
  const { openServable } = await import('../src/serving/servable-factory.js');
  const { createRegistrySource } = await import('./registry-source.js');
  const sharedState = await SharedUserState.connect({ ...opts, definitions: registeredUserStates() });
  const source = createRegistrySource(modelsDir, {
    kinds: opts.kinds,
    openServable: (loaded) => openServable(loaded, { users: sharedState.store }),
  });
  return { sharedState, source };
}
