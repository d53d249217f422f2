/**
 * Encoded snapshot rows kept between the snapshots of one store: a user's row is encoded again
 * only after they changed, so a periodic snapshot in the service costs the users who changed
 * since the last one (plus listing every row), not re-encoding every user on the event loop.
 */
import type { UserState, UserStateDefinition } from './user-state.js';
import { encodeUserRow } from './user-state-codec.js';

/** A user's line in a snapshot (`[userId, row]` as JSON). */
function snapshotRow(userId: string, state: Readonly<UserState>, definitions: readonly UserStateDefinition[]): string {
  return JSON.stringify([userId, encodeUserRow(state, definitions)]);
}

/** What SnapshotRows reads users from (a MemoryUserStateStore). */
export interface SnapshotSource {
  readonly definitions: readonly UserStateDefinition[];
  userIds(): string[];
  get(userId: string): Readonly<UserState> | undefined;
}

/** See the module comment. Rows are valid for one store: start a new cache when the store is replaced. */
export class SnapshotRows {
  private readonly rows = new Map<string, string>();
  private readonly stale = new Set<string>();

  /** Marks a user whose state changed since their row was encoded. */
  changed(userId: string): void {
    this.stale.add(userId);
  }

  /** Every user's row, as of now: cached rows for unchanged users, fresh ones for the others. */
  rowsOf(store: SnapshotSource): string[] {
    const out: string[] = [];
    for (const id of store.userIds()) {
      let row = this.rows.get(id);
      if (row === undefined || this.stale.has(id)) {
        row = snapshotRow(id, store.get(id) as UserState, store.definitions);
        this.rows.set(id, row);
      }
      out.push(row);
    }
    this.stale.clear();
    return out;
  }
}
