/**
 * Applies the event stream to the shared user state: consumer group `state`, read by ONE process
 * at a time, the holder of a lease key (renewed on every read; another replica takes over within
 * a lease period when the holder stops). One reader keeps each user's events in stream order,
 * which the sessioniser depends on; a reader that lost its lease while still running is harmless,
 * because every write is a compare-and-set on the id of the last entry the user's row includes
 * (RedisUserStateStore.applyEntries). A new holder first takes over every pending entry (those a
 * previous holder read but did not acknowledge), oldest first, then reads new ones. Entries are
 * acknowledged after their state is written.
 */
import type { RedisClient } from './connection.js';
import { ConsumerLoop, pause } from './consumer-loop.js';
import { type ParsedEntries, type RedisEventStream, STATE_GROUP } from './event-stream.js';
import type { RedisUserStateStore } from './user-state-redis.js';

const LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface LeaseClient {
  wbLease(key: string, owner: string, ms: string): Promise<number>;
  wbRelease(key: string, owner: string): Promise<number>;
}

/** Options of StreamStateApplier. */
export interface StateApplierOptions {
  stream: RedisEventStream;
  store: RedisUserStateStore;
  /** This process's consumer name (unique per process). */
  consumer: string;
  /** A connection for the blocking reads (command timeout above blockMs). */
  blockingClient: RedisClient;
  /** Lease period (ms, default 5000). */
  leaseMs?: number;
  /** Longest wait for new entries per read (ms, default 500). */
  blockMs?: number;
  /** Entries per read (default 500). */
  count?: number;
  /** Called with each failure (the loop goes on after a pause). */
  onError?: (err: Error) => void;
}

/** See the module comment. */
export class StreamStateApplier extends ConsumerLoop {
  /** Entries applied (and acknowledged) by this process. */
  applied = 0;
  /** Entries acknowledged without an event in them. */
  invalid = 0;
  /** True while this process holds the lease. */
  leader = false;
  private claimed = false;
  private readonly leaseMs: number;
  private readonly blockMs: number;
  private readonly count: number;
  private readonly lease: LeaseClient;

  constructor(private readonly opts: StateApplierOptions) {
    super(opts.onError);
    this.leaseMs = opts.leaseMs ?? 5000;
    this.blockMs = opts.blockMs ?? 500;
    this.count = opts.count ?? 500;
    const c = opts.stream.client;
    if (!('wbLease' in c)) {
      c.defineCommand('wbLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
      c.defineCommand('wbRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    this.lease = c as unknown as LeaseClient;
  }

  protected async step(): Promise<void> {
    const { stream, consumer } = this.opts;
    this.leader = (await this.lease.wbLease(stream.keys.applierLease, consumer, String(this.leaseMs))) === 1;
    if (!this.leader) {
      this.claimed = false;
      await pause(Math.min(this.leaseMs / 5, 1000), () => this.stopped);
      return;
    }
    if (!this.claimed) {
      await this.process(await stream.claim(STATE_GROUP, consumer, 0));
      this.claimed = true;
    }
    await this.process(
      await stream.read(STATE_GROUP, consumer, { count: this.count, blockMs: this.blockMs, client: this.opts.blockingClient }),
    );
  }

  /** Re-takes pending entries (ours included) before new ones once Redis answers again. */
  protected override failed(): void {
    this.claimed = false;
    this.leader = false;
  }

  private async process(batch: ParsedEntries): Promise<void> {
    if (batch.entries.length > 0) {
      await this.opts.store.applyEntries(batch.entries);
      await this.opts.stream.ack(
        STATE_GROUP,
        batch.entries.map((e) => e.id),
      );
      this.applied += batch.entries.length;
    }
    if (batch.invalid.length > 0) {
      await this.opts.stream.ack(STATE_GROUP, batch.invalid);
      this.invalid += batch.invalid.length;
    }
  }

  /** Stops after the current read and gives the lease up (so another replica takes over at once). */
  async stop(): Promise<void> {
    await this.halt();
    if (this.leader) {
      this.leader = false;
      await this.lease.wbRelease(this.opts.stream.keys.applierLease, this.opts.consumer).catch(() => {});
    }
  }
}
