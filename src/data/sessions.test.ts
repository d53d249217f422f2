import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from './schema.js';
import { formatSessionGap, parseSessionGap, SESSION_GAP_USER_MINUTES, sessionProfile } from './sessions.js';

const H = 3_600_000;
const ev = (userId: string, itemId: string, h: number, sessionId?: string): InteractionEvent => ({
  userId,
  itemId,
  ts: h * H,
  type: 'purchase',
  ...(sessionId ? { sessionId } : {}),
});

describe('--session-gap', () => {
  it('parses durations, none and user, and prints them back', () => {
    expect(parseSessionGap('30m')).toBe(30);
    expect(parseSessionGap('2h')).toBe(120);
    expect(parseSessionGap('1d')).toBe(1440);
    expect(parseSessionGap('45')).toBe(45);
    expect(parseSessionGap('none')).toBe(0);
    expect(parseSessionGap('user')).toBe(SESSION_GAP_USER_MINUTES);
    expect(['30m', '2h', '1d', 'none', 'user'].map((t) => formatSessionGap(parseSessionGap(t)))).toEqual([
      '30m',
      '2h',
      '1d',
      'none',
      'user',
    ]);
    expect(() => parseSessionGap('soon')).toThrow(/--session-gap "soon" is not a duration/);
  });
});

describe('sessionProfile', () => {
  // u1: items at 0h, 0.25h, 3h; u2: items at 0h and 10h; u3: two items in one session id, 50h apart.
  const events = [
    ev('u1', 'a', 0),
    ev('u1', 'b', 0.25),
    ev('u1', 'c', 3),
    ev('u2', 'a', 0),
    ev('u2', 'd', 10),
    ev('u3', 'x', 0, 's'),
    ev('u3', 'y', 50, 's'),
  ];

  it('groups by session id first, then by the gap rule, and reports basket sizes', () => {
    const p30 = sessionProfile(events, 30);
    // u1: {a,b} {c}; u2: {a} {d}; u3: {x,y}.
    expect(p30).toMatchObject({ gap: '30m', baskets: 5, size: { p50: 1, max: 2 }, singleItemShare: 0.6 });
    expect(p30.fromSessionId).toBeCloseTo(2 / 7);
    expect(p30.warning).toMatch(/degenerate under --session-gap 30m.*median basket holds 1 item/);
    const user = sessionProfile(events, SESSION_GAP_USER_MINUTES);
    expect(user).toMatchObject({ gap: 'user', baskets: 3, size: { p50: 2, max: 3 }, singleItemShare: 0 });
    expect(user.warning).toBeUndefined();
    expect(sessionProfile(events, 0).baskets).toBe(6);
  });
});
