/**
 * The shared event stream on Redis Streams. `append` adds a request's events in one MULTI/EXEC
 * (all or nothing) and resolves only when Redis has them on disk: the service requires the AOF
 * with `appendfsync always` (checked on start, `checkDurability`), so the EXEC reply comes after
 * the fsync. (`WAIT` was the alternative; it counts replicas that received the write, not disks,
 * and a lone master has none.) Two consumer groups read the stream: `state` (the applier, which
 * updates user state) and `archive` (the Parquet archiver). Entries are trimmed only once both
 * groups have acknowledged them.
 */
import { type InteractionEvent, interactionEventSchema } from '../data/schema.js';
import { errorMessage, UsageError } from '../errors.js';
import { masters, type RedisClient } from './connection.js';
import { compareStreamIds, type RedisKeys, redisKeys } from './keys.js';
import type { StreamEntry } from './user-state-redis.js';

/** The consumer group that applies events to user state. */
export const STATE_GROUP = 'state';
/** The consumer group that writes the Parquet archive. */
export const ARCHIVE_GROUP = 'archive';

type RawEntry = [id: string, fields: string[] | null];

/** Entries that are not an event (should not happen: counted by the consumers, then acknowledged). */
export interface ParsedEntries {
  entries: StreamEntry[];
  /** Ids of entries without a valid event (or deleted while pending). */
  invalid: string[];
}

/** A Redis reply of alternating names and values as a map. */
function fieldMap(reply: readonly unknown[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), reply[i + 1]);
  return out;
}

function parse(raw: readonly RawEntry[]): ParsedEntries {
  const out: ParsedEntries = { entries: [], invalid: [] };
  for (const [id, fields] of raw) {
    const i = fields ? fields.indexOf('e') : -1;
    let value: unknown;
    try {
      value = i >= 0 && fields ? JSON.parse(fields[i + 1]) : undefined;
    } catch {
      value = undefined;
    }
    const ok = interactionEventSchema.safeParse(value);
    if (ok.success) out.entries.push({ id, event: ok.data });
    else out.invalid.push(id);
  }
  return out;
}

/**
 * Checks every master keeps an AOF fsync'ed on every write (`appendonly yes`, `appendfsync always`).
 * @throws UsageError naming the node and setting otherwise, or when CONFIG is not allowed
 *   (managed Redis: pass `trust` after checking the provider's durability yourself).
 */
export async function checkDurability(client: RedisClient): Promise<void> {
  for (const node of masters(client)) {
    const where = `${node.options.host}:${node.options.port}`;
    let conf: string[];
    try {
      conf = [...((await node.config('GET', 'appendonly')) as string[]), ...((await node.config('GET', 'appendfsync')) as string[])];
    } catch (err) {
      throw new UsageError(
        `cannot read the durability settings of Redis at ${where} (${errorMessage(err)}); set WORKBENCH_REDIS_DURABILITY=trust if the provider fsyncs every write`,
      );
    }
    const get = (k: string) => conf[conf.indexOf(k) + 1];
    if (get('appendonly') !== 'yes' || get('appendfsync') !== 'always')
      throw new UsageError(
        `Redis at ${where} has appendonly=${get('appendonly')} appendfsync=${get('appendfsync')}: the service answers 202 only once an event is on disk, which needs appendonly yes and appendfsync always`,
      );
  }
}

/** See the module comment. */
export class RedisEventStream {
  readonly keys: RedisKeys;

  constructor(
    readonly client: RedisClient,
    opts: { prefix?: string } = {},
  ) {
    this.keys = redisKeys(opts.prefix);
  }

  /** Creates the stream and both consumer groups (from its start) unless they exist. */
  async ensureGroups(): Promise<void> {
    for (const group of [STATE_GROUP, ARCHIVE_GROUP]) {
      try {
        await this.client.xgroup('CREATE', this.keys.events, group, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test(errorMessage(err))) throw err;
      }
    }
  }

  /**
   * Appends the events atomically; resolves with their entry ids once Redis has them durably.
   * @throws the Redis error (nothing was added) when Redis is unreachable or refuses.
   */
  async append(events: readonly InteractionEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const multi = this.client.multi();
    for (const e of events) multi.xadd(this.keys.events, '*', 'e', JSON.stringify(e));
    const replies = await multi.exec();
    if (!replies) throw new Error('Redis discarded the transaction');
    return replies.map(([err, id]) => {
      if (err) throw err;
      return id as string;
    });
  }

  /**
   * Reads new entries for `consumer` of `group` (`from` '>' for never-delivered ones, '0' for the
   * consumer's own pending ones), waiting up to `blockMs` for some.
   */
  async read(
    group: string,
    consumer: string,
    opts: { count: number; blockMs: number; from?: string; client?: RedisClient },
  ): Promise<ParsedEntries> {
    const c = opts.client ?? this.client;
    const reply = (await c.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      opts.count,
      'BLOCK',
      opts.blockMs,
      'STREAMS',
      this.keys.events,
      opts.from ?? '>',
    )) as [string, RawEntry[]][] | null;
    return parse(reply?.[0]?.[1] ?? []);
  }

  /** Takes over every entry of `group` pending for at least `minIdleMs` (any consumer), oldest first. */
  async claim(group: string, consumer: string, minIdleMs: number, max = 10_000): Promise<ParsedEntries> {
    const all: RawEntry[] = [];
    const deleted: string[] = [];
    let cursor = '0-0';
    do {
      const [next, entries, gone] = (await this.client.xautoclaim(this.keys.events, group, consumer, minIdleMs, cursor, 'COUNT', 500)) as [
        string,
        RawEntry[],
        string[]?,
      ];
      all.push(...entries);
      deleted.push(...(gone ?? []));
      cursor = next;
    } while (cursor !== '0-0' && all.length < max);
    const parsed = parse(all);
    parsed.invalid.push(...deleted);
    return parsed;
  }

  /** Acknowledges entries of `group`. */
  async ack(group: string, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) await this.client.xack(this.keys.events, group, ...ids.slice(i, i + 1000));
  }

  /**
   * Deletes the entries every group has acknowledged (older than each group's first pending entry
   * and not after its last delivered one).
   * @returns entries deleted.
   */
  async trim(): Promise<number> {
    const groups = (await this.client.xinfo('GROUPS', this.keys.events)) as unknown[][];
    let safe: string | undefined;
    for (const g of groups) {
      const info = fieldMap(g);
      const name = String(info.get('name'));
      let bound: string;
      if (Number(info.get('pending')) > 0) {
        const first = (await this.client.xpending(this.keys.events, name, '-', '+', 1)) as [string, ...unknown[]][];
        bound = first[0][0];
      } else {
        const [ms, seq] = String(info.get('last-delivered-id')).split('-');
        bound = `${ms}-${Number(seq) + 1}`;
      }
      if (safe === undefined || compareStreamIds(bound, safe) < 0) safe = bound;
    }
    if (safe === undefined || safe === '0-1') return 0;
    return (await this.client.xtrim(this.keys.events, 'MINID', safe)) as number;
  }

  /** Entries in the stream and per group: pending (delivered, unacknowledged) and lag (never delivered). */
  async info(): Promise<{ length: number; groups: Record<string, { pending: number; lag: number | null }> }> {
    const length = await this.client.xlen(this.keys.events);
    const groups: Record<string, { pending: number; lag: number | null }> = {};
    for (const g of (await this.client.xinfo('GROUPS', this.keys.events)) as unknown[][]) {
      const info = fieldMap(g);
      const lag = info.get('lag');
      groups[String(info.get('name'))] = {
        pending: Number(info.get('pending')),
        lag: lag === null || lag === undefined ? null : Number(lag),
      };
    }
    return { length, groups };
  }
}
