import type { UserStateDefinition } from '../user-state.js';

/** A custom user state for tests: impressions per item (impressions count here, not in the history). */
export const shownState: UserStateDefinition<Record<string, number>> = {
  key: 'shown',
  version: 1,
  doc: 'impressions per item',
  init: () => ({}),
  update: (s, e) => {
    if (e.type === 'impression') s[e.itemId] = (s[e.itemId] ?? 0) + 1;
    return s;
  },
};
