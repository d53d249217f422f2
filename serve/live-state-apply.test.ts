/**
 * Appended batches are applied to the live user state one per event-loop turn, in append order,
 * each append resolving only once its events are applied: the slices of one exposure flush become
 * durable together and, applied in one go, would hold every waiting request behind all of them.
 */
import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../src/data/schema.js';
import { registeredUserStates } from '../src/features/index.js';
import { LiveUserState } from './live-state.js';

const T = Date.UTC(2026, 0, 5);
const buy = (userId: string, i: number): InteractionEvent => ({ type: 'purchase', userId, itemId: `i${i}`, ts: T + i * 1000 });

describe('live user state applies', () => {
  it('apply appended batches one per turn, in order, before their append resolves', async () => {
    const live = new LiveUserState({ definitions: registeredUserStates() });
    const order: string[] = [];
    const apply = live.applyBatch.bind(live);
    live.applyBatch = (batch) => {
      apply(batch);
      order.push(`apply ${batch.events[0].userId}`);
      // Queued during the first apply: runs before the second one only if that waits for a turn.
      if (order.length === 1) setImmediate(() => order.push('other work'));
    };
    const sink = live.wrapSink({ append: async () => {} });
    const appends = ['a', 'b', 'c'].map((u, i) =>
      sink.append([buy(u, i)]).then(() => {
        expect(live.get(u)?.history.items.has(`i${i}`)).toBe(true);
        order.push(`resolved ${u}`);
      }),
    );
    await Promise.all(appends);
    expect(order).toEqual(['apply a', 'resolved a', 'other work', 'apply b', 'resolved b', 'apply c', 'resolved c']);
    expect(live.size).toBe(3);
  });
});
