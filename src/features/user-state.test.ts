import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { DAY_MS } from './popularity.js';
import { shownState as shown } from './testing/shown-state.js';
import { restoreUserState, writeUserStateSnapshot } from './user-state-snapshot.js';
import { MemoryUserStateStore, replayUntil } from './user-state-store.js';

const t0 = Date.UTC(2024, 0, 1);
const ev = (userId: string, itemId: string, type: InteractionEvent['type'], minutes: number, extra: Partial<InteractionEvent> = {}) => ({
  userId,
  itemId,
  type,
  ts: t0 + minutes * 60_000,
  ...extra,
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'user-state-'));
  dirs.push(d);
  return d;
};

describe('user state from events', () => {
  it('counts weight, distinct purchase baskets and sessions; impressions leave the history unchanged', () => {
    const store = new MemoryUserStateStore({ definitions: [shown] });
    store.apply([
      ev('u', 'a', 'view', 0),
      ev('u', 'a', 'purchase', 1),
      ev('u', 'a', 'purchase', 2), // same basket (30-minute gap rule): one purchase occasion
      ev('u', 'b', 'impression', 3),
      ev('u', 'a', 'purchase', 120), // a new basket
      ev('u', 'c', 'cart', 121, { sessionId: 's1' }),
      ev('u', 'c', 'purchase', 122, { sessionId: 's1' }),
    ]);
    const h = store.get('u')!.history;
    expect(h.events).toBe(6);
    expect(h.sessions).toBe(3);
    expect(h.items.get('a')).toMatchObject({ weight: 1 + 5 + 5 + 5, purchases: 2, lastTs: t0 + 120 * 60_000 });
    expect(h.items.get('c')).toMatchObject({ weight: 3 + 5, purchases: 1 });
    expect(h.items.has('b')).toBe(false);
    expect(store.get('u')!.custom.shown).toEqual({ b: 1 });
    expect(store.clock()).toBe(t0 + 122 * 60_000);
  });

  it('skips invalid events and counts them', () => {
    const store = new MemoryUserStateStore();
    const r = store.apply([ev('u', 'a', 'view', 0), { ...ev('', 'a', 'view', 1) }, { ...ev('u', 'a', 'view', 2), ts: Number.NaN }]);
    expect(r).toEqual({ applied: 1, skipped: 2 });
  });

  it('replayUntil reads nothing at or after the cutoff, and is the same as streaming the events in time order', () => {
    const events = [ev('u', 'b', 'view', 50), ev('u', 'a', 'purchase', 10), ev('v', 'a', 'view', 5), ev('u', 'c', 'purchase', 24 * 60)];
    const cutoff = t0 + DAY_MS;
    const offline = replayUntil(events, cutoff);
    expect(offline.get('u')!.history.items.has('c')).toBe(false);
    const online = new MemoryUserStateStore();
    for (const e of [...events].sort((x, y) => x.ts - y.ts).filter((e) => e.ts < cutoff)) online.apply([e]);
    expect(online.get('u')).toEqual(offline.get('u'));
    expect(online.get('v')).toEqual(offline.get('v'));
  });
});

describe('snapshot and event log', () => {
  it('restores exactly: snapshot, then the event-log lines after its watermark; a partial last line waits', () => {
    const stateDir = tmp();
    const eventsDir = tmp();
    const base = [ev('u', 'a', 'purchase', 0), ev('u', 'b', 'impression', 1)];
    const live = new MemoryUserStateStore({ definitions: [shown] });
    live.apply(base);
    writeUserStateSnapshot(stateDir, live);
    // Lines the service appended later: two valid, one malformed, one unterminated (a write in progress).
    const part = path.join(eventsDir, 'date=2024-01-01');
    mkdirSync(part, { recursive: true });
    const later = [ev('u', 'c', 'purchase', 5), ev('w', 'a', 'view', 6)];
    const partial = JSON.stringify(ev('u', 'd', 'view', 7));
    writeFileSync(path.join(part, 'part-1.jsonl'), `${later.map((e) => JSON.stringify(e)).join('\n')}\nnot json\n${partial.slice(0, 20)}`);
    const { store, report } = restoreUserState({ stateDir, eventsDir, definitions: [shown] });
    expect(report.snapshot).toMatch(/users\.snapshot\.jsonl$/);
    expect(report.tail).toMatchObject({ lines: 3, applied: 2, malformed: 1 });
    expect(report.tail.examples[0]).toMatchObject({ file: 'date=2024-01-01/part-1.jsonl', line: 3 });
    live.apply(later);
    expect(store.get('u')).toEqual(live.get('u'));
    expect(store.get('w')).toEqual(live.get('w'));
    expect(store.get('u')!.custom.shown).toEqual({ b: 1 });

    // The snapshot of the restored store includes those lines: restoring it again replays nothing twice.
    appendFileSync(path.join(part, 'part-1.jsonl'), `${partial.slice(20)}\n`);
    writeUserStateSnapshot(stateDir, store);
    const again = restoreUserState({ stateDir, eventsDir, definitions: [shown] });
    expect(again.report.tail.applied).toBe(1); // only the line completed since
    expect(again.store.get('u')!.history.items.get('c')).toEqual(store.get('u')!.history.items.get('c'));
    expect(again.store.get('u')!.history.items.has('d')).toBe(true);
  });

  it('keeps users named __proto__, constructor or toString through a snapshot (own properties only)', () => {
    const stateDir = tmp();
    const live = new MemoryUserStateStore({ definitions: [shown] });
    live.apply(['__proto__', 'constructor', 'toString'].map((u, i) => ev(u, 'a', 'purchase', i)));
    writeUserStateSnapshot(stateDir, live);
    const { store } = restoreUserState({ stateDir, definitions: [shown] });
    expect(store.userIds().sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(store.get('__proto__')).toEqual(live.get('__proto__'));
  });

  it('says which registered states a snapshot lacks, and refuses a malformed snapshot naming the file', () => {
    const stateDir = tmp();
    const s = new MemoryUserStateStore();
    s.apply([ev('u', 'a', 'view', 0)]);
    writeUserStateSnapshot(stateDir, s);
    const { store, report } = restoreUserState({ stateDir, definitions: [shown] });
    expect(report.missingStates).toEqual(['shown@1']);
    expect(store.get('u')!.custom.shown).toEqual({});
    writeFileSync(path.join(stateDir, 'users.snapshot.jsonl'), '{"format":"other"}\n');
    expect(() => restoreUserState({ stateDir, definitions: [] })).toThrow(/users\.snapshot\.jsonl.*format/);
  });

  it('streams a snapshot larger than its write and read chunks, one line per user, and round-trips it', () => {
    const stateDir = tmp();
    const live = new MemoryUserStateStore({ definitions: [shown] });
    const events: InteractionEvent[] = [];
    for (let u = 0; u < 3000; u++)
      for (let i = 0; i < 24; i++)
        events.push(ev(`user-${u}-é`, `item-${(u * 7 + i) % 500}`, i % 3 ? 'view' : 'impression', u + i) as InteractionEvent);
    live.apply(events);
    const file = writeUserStateSnapshot(stateDir, live);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(statSync(file).size).toBeGreaterThan(2 << 20); // more than two 1 MB chunks
    expect(lines).toHaveLength(3000 + 2); // header, one line per user, "" after the last newline
    expect(JSON.parse(lines[0])).toMatchObject({
      format: 'workbench.user-state',
      version: 2,
      users: 3000,
      states: [{ key: 'shown', version: 1 }],
    });
    const { store } = restoreUserState({ stateDir, definitions: [shown] });
    expect(store.size).toBe(3000);
    for (const id of ['user-0-é', 'user-1499-é', 'user-2999-é']) expect(store.get(id)).toEqual(live.get(id));
    expect(store.clock()).toBe(live.clock());
  });

  it('refuses a truncated snapshot and a malformed user line, naming the file and line', () => {
    const stateDir = tmp();
    const live = new MemoryUserStateStore();
    live.apply([ev('u', 'a', 'view', 0), ev('w', 'b', 'view', 1), ev('x', 'c', 'view', 2)]);
    const file = writeUserStateSnapshot(stateDir, live);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${lines.slice(0, 3).join('\n')}\n`);
    expect(() => restoreUserState({ stateDir, definitions: [] })).toThrow(/truncated: the header promises 3 users, the file holds 2/);
    writeFileSync(file, [lines[0], lines[1], '["w", 5]', lines[3], ''].join('\n'));
    expect(() => restoreUserState({ stateDir, definitions: [] })).toThrow(
      /users\.snapshot\.jsonl, line 3, field "users": user w is malformed/,
    );
  });

  it('reads a version 1 snapshot (one JSON object) and replaces it when it writes', () => {
    const stateDir = tmp();
    const v1 = {
      format: 'workbench.user-state',
      version: 1,
      sessionGapMinutes: 30,
      clock: 5000,
      states: [],
      watermark: { 'date=2024-01-01/part-1.jsonl': 2 },
      origin: { writer: 'old' },
      users: { u: [3, 1, 1000, 5000, [['s1', 0]], 0, 5000, [['a', 2, 1, 5000, 0]], {}] },
    };
    writeFileSync(path.join(stateDir, 'users.snapshot.json'), JSON.stringify(v1));
    const { store, report } = restoreUserState({ stateDir, definitions: [] });
    expect(report.snapshot).toMatch(/users\.snapshot\.json$/);
    expect(report.origin).toEqual({ writer: 'old' });
    expect(store.get('u')!.history.items.get('a')).toEqual({ weight: 2, purchases: 1, lastTs: 5000, lastPurchaseBasket: 0 });
    expect(store.watermark.get('date=2024-01-01/part-1.jsonl')).toBe(2);
    writeUserStateSnapshot(stateDir, store);
    expect(readdirSync(stateDir)).toEqual(['users.snapshot.jsonl']);
    expect(restoreUserState({ stateDir, definitions: [] }).store.get('u')).toEqual(store.get('u'));
  });
});
