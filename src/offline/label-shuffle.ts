/**
 * TEST HOOK, not a modelling option: destroys the training signal by shuffling item ids among the
 * events of the label windows, so a test can check that the gate refuses a candidate that learned
 * nothing. Validation and test windows are untouched, so the champion and the candidate are still
 * judged on real outcomes.
 */
import type { InteractionEvent } from '../data/schema.js';
import { Rng } from '../util/random.js';
import { protocolWindows, type WindowOptions } from './protocol-windows.js';

/**
 * A copy of `events` where the item ids of events in the label windows `[labelStart, validStart)`
 * are permuted among those events (seeded). Returns the events and how many were shuffled.
 */
export function shuffleLabelWindows(
  events: readonly InteractionEvent[],
  windows: WindowOptions | undefined,
  seed: number,
): { events: InteractionEvent[]; shuffled: number } {
  const w = protocolWindows(events, windows);
  const idx: number[] = [];
  events.forEach((e, i) => {
    if (e.ts >= w.labelStarts[0] && e.ts < w.validStart) idx.push(i);
  });
  const items = new Rng(seed).shuffle(idx.map((i) => events[i].itemId));
  const out = [...events];
  idx.forEach((i, j) => {
    out[i] = { ...events[i], itemId: items[j] };
  });
  return { events: out, shuffled: idx.length };
}
