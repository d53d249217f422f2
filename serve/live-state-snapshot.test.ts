/**
 * The service's periodic user-state snapshot: captured at one instant (rows and watermark agree)
 * and written off the event loop, so events applied while the file is written belong to the next
 * snapshot, never half to this one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../src/data/schema.js';
import { registeredUserStates } from '../src/features/index.js';
import { restoreUserState } from '../src/features/user-state-snapshot.js';
import { LiveUserState } from './live-state.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'live-snapshot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T = Date.UTC(2026, 0, 5);
const FILE = 'date=2026-01-05/part-test.jsonl';
const batch = (events: InteractionEvent[]) => ({ events, files: events.map(() => FILE) });
const buy = (userId: string, itemId: string, i: number): InteractionEvent => ({ type: 'purchase', userId, itemId, ts: T + i * 1000 });

describe('live user state snapshots', () => {
  it('hold exactly the events applied before the capture, with their watermark', async () => {
    const stateDir = path.join(root, 'state');
    const live = new LiveUserState({ definitions: registeredUserStates(), stateDir, snapshotEveryMs: 0 });
    live.restore();
    live.applyBatch(batch([buy('a', 'i1', 0), buy('b', 'i2', 1)]));
    const writing = live.snapshotIfDirty();
    // Applied while the first snapshot is being written: not in it.
    live.applyBatch(batch([buy('a', 'i3', 2), buy('c', 'i1', 3)]));
    await writing;
    const first = restoreUserState({ stateDir, definitions: registeredUserStates() }).store;
    expect(first.userIds().sort()).toEqual(['a', 'b']);
    expect([...(first.get('a')?.history.items.keys() ?? [])]).toEqual(['i1']);
    expect(first.watermark.get(FILE)).toBe(2);

    await live.close();
    const last = restoreUserState({ stateDir, definitions: registeredUserStates() }).store;
    expect(last.userIds().sort()).toEqual(['a', 'b', 'c']);
    expect([...(last.get('a')?.history.items.keys() ?? [])].sort()).toEqual(['i1', 'i3']);
    expect(last.watermark.get(FILE)).toBe(4);
  });
});
