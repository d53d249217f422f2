/**
 * `UserStateStore` on Redis (a server or a Cluster), for replicas that share user state.
 *
 * The feature path is synchronous (a request computes features for hundreds of candidates in one
 * go) while Redis is a round trip away. Rather than make every feature read async, a request
 * first awaits `prefetch([userId])`: one HGET per user (plus the clock), decoded into a small
 * local LRU cache, and `get` then answers synchronously from it. Each request fetches afresh, so
 * what any replica applied is visible to the next request everywhere; the cache only bridges the
 * await and the synchronous scoring that follows.
 *
 * Writes come from the event stream (one applier, see state-applier.ts) through `applyEntries`:
 * read the user's row and the id of the last stream entry it includes, apply the newer entries
 * with the same `applyEvent` as offline replay, and write back with a compare-and-set on that id
 * (a Lua script on the user's one key, so it works on a Cluster), so a re-delivered entry is never
 * applied twice and a stale applier cannot overwrite a newer state.
 */
import type { InteractionEvent } from '../data/schema.js';
import { UsageError } from '../errors.js';
import { DEFAULT_SESSION_GAP_MINUTES } from '../features/training-window.js';
import { applyEvent, emptyUserState, invalidEventReason, type UserState, type UserStateDefinition } from '../features/user-state.js';
import { decodeUserRow, encodeUserRow } from '../features/user-state-codec.js';
import type { UserStateStore } from '../features/user-state-store.js';
import type { RedisClient } from './connection.js';
import { compareStreamIds, type RedisKeys, redisKeys } from './keys.js';

/** A stream entry: its id and the event. */
export interface StreamEntry {
  id: string;
  event: InteractionEvent;
}

/** Options of RedisUserStateStore. */
export interface RedisUserStateOptions {
  definitions?: readonly UserStateDefinition[];
  sessionGapMinutes?: number;
  /** Key prefix (default `wb`). */
  prefix?: string;
  /** Users kept decoded between prefetch and use (default 10,000). */
  cacheSize?: number;
}

const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'id')
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 's', ARGV[3])
return 1`;

const SEED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', '0-0', 's', ARGV[1])
return 1`;

const CLOCK_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or tonumber(ARGV[1]) > tonumber(cur) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

interface ScriptedClient {
  wbCas(key: string, baseId: string, newId: string, row: string): Promise<number>;
  wbClock(key: string, ts: string): Promise<number>;
  wbSeed(key: string, row: string): Promise<number>;
}

/** What the stored rows were written with (`meta` key). */
interface StoreMeta {
  sessionGapMinutes: number;
  states: string[];
}

/** See the module comment. */
export class RedisUserStateStore implements UserStateStore {
  readonly definitions: readonly UserStateDefinition[];
  readonly sessionGapMinutes: number;
  readonly keys: RedisKeys;
  private readonly gapMs: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, UserState>();
  private latest = Number.NEGATIVE_INFINITY;
  /** Definitions whose stored state is of the same version (the others start from init()). */
  private usable: readonly UserStateDefinition[];
  private readonly scripted: ScriptedClient;

  constructor(
    readonly client: RedisClient,
    opts: RedisUserStateOptions = {},
  ) {
    this.definitions = [...(opts.definitions ?? [])];
    this.usable = this.definitions;
    this.sessionGapMinutes = opts.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES;
    if (!(this.sessionGapMinutes > 0)) throw new UsageError(`sessionGapMinutes must be positive, got ${this.sessionGapMinutes}`);
    this.gapMs = this.sessionGapMinutes * 60_000;
    this.cacheSize = opts.cacheSize ?? 10_000;
    this.keys = redisKeys(opts.prefix);
    if (!('wbCas' in client)) {
      client.defineCommand('wbCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
      client.defineCommand('wbClock', { numberOfKeys: 1, lua: CLOCK_SCRIPT });
      client.defineCommand('wbSeed', { numberOfKeys: 1, lua: SEED_SCRIPT });
    }
    this.scripted = client as unknown as ScriptedClient;
  }

  /**
   * Checks the stored rows were written with these definitions (or records them on a fresh
   * Redis). Custom states of another version start from init() for every user.
   * @returns the states whose stored form is not usable (empty when all match), and whether this
   *   call found Redis fresh (exactly one of several replicas starting together does).
   */
  async open(): Promise<string[]> {
    return (await this.openFresh()).stale;
  }

  /** open(), also saying whether this call recorded the definitions on a fresh Redis. */
  async openFresh(): Promise<{ stale: string[]; fresh: boolean }> {
    const want: StoreMeta = { sessionGapMinutes: this.sessionGapMinutes, states: this.definitions.map((d) => `${d.key}@${d.version}`) };
    if ((await this.client.set(this.keys.meta, JSON.stringify(want), 'NX')) === 'OK') return { stale: [], fresh: true };
    const raw = (await this.client.get(this.keys.meta)) as string;
    const have = JSON.parse(raw) as StoreMeta;
    if (have.sessionGapMinutes !== this.sessionGapMinutes)
      throw new UsageError(
        `Redis user state was built with a ${have.sessionGapMinutes}-minute session gap, this service uses ${this.sessionGapMinutes}`,
      );
    const held = new Set(have.states);
    this.usable = this.definitions.filter((d) => held.has(`${d.key}@${d.version}`));
    return { stale: this.definitions.filter((d) => !this.usable.includes(d)).map((d) => `${d.key}@${d.version}`), fresh: false };
  }

  get size(): number {
    return this.cache.size;
  }

  /** The user's state as of their last prefetch (undefined: no state, or not prefetched). */
  get(userId: string): Readonly<UserState> | undefined {
    return this.cache.get(userId);
  }

  /** The users held locally (those prefetched lately), not every user in Redis. */
  userIds(): string[] {
    return [...this.cache.keys()];
  }

  clock(): number {
    return this.latest;
  }

  /** Not supported: shared state changes only through the event stream (see applyEntries). */
  apply(_events: readonly InteractionEvent[]): { applied: number; skipped: number } {
    throw new UsageError('RedisUserStateStore.apply: shared user state is written by the event stream (append to it instead)');
  }

  /**
   * Loads the users' state (and the clock) from Redis so that `get` answers with it.
   * @throws the Redis error when Redis cannot be read; those users are then dropped from the cache,
   *   so `get` reports no state rather than a stale one.
   */
  async prefetch(userIds: readonly string[]): Promise<void> {
    try {
      const [clock, ...rows] = await Promise.all([
        this.client.get(this.keys.clock),
        ...userIds.map((id) => this.client.hget(this.keys.user(id), 's')),
      ]);
      if (clock !== null) this.latest = Math.max(this.latest, Number(clock));
      userIds.forEach((id, i) => {
        const row = rows[i];
        this.cache.delete(id);
        if (row !== null) this.remember(id, this.decode(id, row));
      });
    } catch (err) {
      for (const id of userIds) this.cache.delete(id);
      throw err;
    }
  }

  private remember(id: string, state: UserState): void {
    this.cache.set(id, state);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  private decode(id: string, row: string): UserState {
    return decodeUserRow(id, JSON.parse(row), this.definitions, this.usable, this.keys.user(id));
  }

  /** The stored state and the id of the last stream entry it includes ('' for a user without a row). */
  async read(userId: string): Promise<{ state: UserState | undefined; id: string }> {
    const [row, id] = await this.client.hmget(this.keys.user(userId), 's', 'id');
    return { state: row === null ? undefined : this.decode(userId, row), id: id ?? '' };
  }

  /**
   * Applies stream entries (in stream order) to their users: entries a user's row already includes
   * are skipped, the rest applied and written with a compare-and-set (retried when another writer
   * got there first). Invalid events are skipped and counted.
   */
  async applyEntries(entries: readonly StreamEntry[]): Promise<{ applied: number; skipped: number }> {
    const byUser = new Map<string, StreamEntry[]>();
    let latest = Number.NEGATIVE_INFINITY;
    for (const en of entries) {
      if (invalidEventReason(en.event) !== undefined) continue;
      const list = byUser.get(en.event.userId);
      if (list) list.push(en);
      else byUser.set(en.event.userId, [en]);
      if (en.event.ts > latest) latest = en.event.ts;
    }
    const counts = await Promise.all([...byUser].map(([userId, list]) => this.applyUser(userId, list)));
    if (latest > Number.NEGATIVE_INFINITY) await this.scripted.wbClock(this.keys.clock, String(latest));
    const applied = counts.reduce((a, b) => a + b, 0);
    // Skipped: invalid, or already included in the user's row (a re-delivery).
    return { applied, skipped: entries.length - applied };
  }

  private async applyUser(userId: string, list: readonly StreamEntry[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const { state, id } = await this.read(userId);
      const fresh = id === '' ? list : list.filter((en) => compareStreamIds(en.id, id) > 0);
      if (fresh.length === 0) return 0;
      const s = state ?? emptyUserState(this.definitions);
      for (const en of fresh) applyEvent(s, en.event, this.definitions, this.gapMs);
      const row = JSON.stringify(encodeUserRow(s, this.definitions));
      if ((await this.scripted.wbCas(this.keys.user(userId), id, fresh[fresh.length - 1].id, row)) === 1) return fresh.length;
      if (attempt >= 5) throw new Error(`user ${userId}: state kept changing under the applier (5 compare-and-set conflicts)`);
    }
  }

  /**
   * Writes users' states as they are (seeding Redis from a snapshot or a replay), marked as
   * including no stream entry, `batch` users per round trip. With `onlyNew`, a user who already
   * has a row (e.g. the applier got there first) is left as is.
   * @returns how many users were written.
   */
  async putUsers(
    users: Iterable<[string, Readonly<UserState>]>,
    opts: { clock?: number; batch?: number; onlyNew?: boolean } = {},
  ): Promise<number> {
    const batch = opts.batch ?? 1000;
    let n = 0;
    let pending: Promise<unknown>[] = [];
    for (const [id, s] of users) {
      const row = JSON.stringify(encodeUserRow(s, this.definitions));
      const key = this.keys.user(id);
      pending.push(opts.onlyNew ? this.scripted.wbSeed(key, row) : this.client.hset(key, 's', row, 'id', '0-0'));
      n++;
      if (pending.length >= batch) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
    if (opts.clock !== undefined && Number.isFinite(opts.clock)) await this.scripted.wbClock(this.keys.clock, String(opts.clock));
    return n;
  }
}
