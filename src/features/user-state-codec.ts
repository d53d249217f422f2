/**
 * One user's state as plain JSON (a compact row): what the snapshot file holds per user and what a
 * shared store (Redis) keeps under the user's key. The history's Map and the infinities of an
 * empty history do not survive JSON, so they are encoded explicitly; custom states go through
 * their definition's toJSON/fromJSON.
 */
import { DataError } from '../errors.js';
import type { HistoryItemState, UserState, UserStateDefinition } from './user-state.js';

type HistoryItemRow = [itemId: string, weight: number, purchases: number, lastTs: number, lastPurchaseBasket: number];

/** The JSON form of one user's state. */
export type UserRow = [
  events: number,
  sessions: number,
  firstTs: number | null,
  lastTs: number | null,
  recentSessions: [string, number][],
  gapBasket: number,
  gapLastTs: number | null,
  items: HistoryItemRow[],
  custom: Record<string, unknown>,
];

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Encodes one user's state (custom states of `definitions` only). */
export function encodeUserRow(s: Readonly<UserState>, definitions: readonly UserStateDefinition[]): UserRow {
  const h = s.history;
  const items: HistoryItemRow[] = [];
  for (const [itemId, it] of h.items) items.push([itemId, it.weight, it.purchases, it.lastTs, it.lastPurchaseBasket]);
  const custom: Record<string, unknown> = {};
  for (const d of definitions) custom[d.key] = d.toJSON ? d.toJSON(s.custom[d.key]) : s.custom[d.key];
  return [
    h.events,
    h.sessions,
    finiteOrNull(h.firstTs),
    finiteOrNull(h.lastTs),
    h.recentSessions.map(([id, b]) => [id, b] as [string, number]),
    h.gapBasket,
    finiteOrNull(h.gapLastTs),
    items,
    custom,
  ];
}

/**
 * Decodes one user's row. Custom states in `usable` are read from the row, the other definitions
 * start from init() (a row written by another version of that state). `line`: where in `file`.
 * @throws DataError naming the user when the row is malformed.
 */
export function decodeUserRow(
  id: string,
  row: unknown,
  definitions: readonly UserStateDefinition[],
  usable: readonly UserStateDefinition[],
  file: string,
  line?: number,
): UserState {
  const where = { file, field: 'users', ...(line === undefined ? {} : { line }) };
  if (!Array.isArray(row) || row.length !== 9 || !Array.isArray(row[4]) || !Array.isArray(row[7]))
    throw new DataError(`user ${id} is malformed`, where);
  const items = new Map<string, HistoryItemState>();
  for (const it of row[7]) {
    if (!Array.isArray(it) || typeof it[0] !== 'string' || it.slice(1).some((x) => typeof x !== 'number'))
      throw new DataError(`user ${id} has a malformed history item`, where);
    items.set(it[0], { weight: it[1], purchases: it[2], lastTs: it[3], lastPurchaseBasket: it[4] });
  }
  const custom: Record<string, unknown> = {};
  for (const d of definitions) {
    const raw = row[8]?.[d.key];
    custom[d.key] = usable.includes(d) && raw !== undefined ? (d.fromJSON ? d.fromJSON(raw) : raw) : d.init();
  }
  return {
    history: {
      events: row[0],
      sessions: row[1],
      firstTs: row[2] ?? Number.POSITIVE_INFINITY,
      lastTs: row[3] ?? Number.NEGATIVE_INFINITY,
      recentSessions: (row[4] as unknown[][]).map(([sid, b]) => [String(sid), Number(b)] as [string, number]),
      gapBasket: row[5],
      gapLastTs: row[6] ?? Number.NEGATIVE_INFINITY,
      items,
    },
    custom,
  };
}
