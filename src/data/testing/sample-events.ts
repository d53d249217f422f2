import type { InteractionEvent } from '../schema.js';

/** One day in ms. */
export const DAY = 86_400_000;
/** When the sample events start. */
export const T0 = Date.UTC(2026, 0, 10, 9);

/** Five events over three days using every optional column once (sorted by time). */
export const SAMPLE_EVENTS: InteractionEvent[] = [
  { userId: 'u1', itemId: 'a', ts: T0, type: 'impression', requestId: 'r1', position: 0, variant: 'champion' },
  { userId: 'u1', itemId: 'a', ts: T0 + 1000, type: 'click', requestId: 'r1', position: 0, variant: 'champion' },
  { userId: 'u2', itemId: 'b', ts: T0 + 2000, type: 'view', sessionId: 's9' },
  { userId: 'u1', itemId: 'a', ts: T0 + DAY, type: 'purchase', quantity: 2, price: 9.5 },
  { userId: 'u3', itemId: 'c', ts: T0 + 2 * DAY, type: 'cart', weight: 1.5 },
];
