import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { SnapshotRows, type SnapshotSource } from './snapshot-rows.js';
import { snapshotLines } from './user-state-snapshot.js';
import { MemoryUserStateStore } from './user-state-store.js';

const T = Date.UTC(2026, 0, 5);
const ev = (userId: string, itemId: string, i: number): InteractionEvent => ({ type: 'purchase', userId, itemId, ts: T + i * 60_000 });

/** `store` as a snapshot source that counts the users it reads. */
function counting(store: MemoryUserStateStore): SnapshotSource & { reads: number } {
  const src = {
    reads: 0,
    definitions: store.definitions,
    userIds: () => store.userIds(),
    get: (id: string) => {
      src.reads++;
      return store.get(id);
    },
  };
  return src;
}

describe('snapshot rows kept between snapshots', () => {
  it('give the very lines a full encoding gives, re-encoding only the users marked changed', () => {
    const store = new MemoryUserStateStore();
    store.apply([ev('a', 'i1', 0), ev('b', 'i2', 1), ev('c', 'i3', 2)]);
    const rows = new SnapshotRows();
    const src = counting(store);
    expect(rows.rowsOf(src)).toEqual(snapshotLines(store).slice(1));
    expect(src.reads).toBe(3);

    store.apply([ev('b', 'i4', 3), ev('d', 'i1', 4)]);
    rows.changed('b');
    src.reads = 0;
    const again = rows.rowsOf(src);
    expect(src.reads).toBe(2); // b (changed) and d (new); a and c come from the cache
    expect(again).toEqual(snapshotLines(store).slice(1));

    src.reads = 0;
    rows.rowsOf(src);
    expect(src.reads).toBe(0);
  });

  it('put the header with the watermark first', () => {
    const store = new MemoryUserStateStore();
    store.apply([ev('a', 'i1', 0)]);
    store.advance('date=2026-01-05/part-x.jsonl', 1);
    const [header, ...users] = snapshotLines(store, { writer: 'test' }, new SnapshotRows());
    expect(JSON.parse(header)).toMatchObject({ users: 1, watermark: { 'date=2026-01-05/part-x.jsonl': 1 }, origin: { writer: 'test' } });
    expect(users).toHaveLength(1);
  });
});
