import { describe, expect, it } from 'vitest';
import { Duck, sqlString } from './duckdb.js';
import type { InteractionEvent } from './schema.js';

describe('Duck', () => {
  it('loads events and aggregates them with plain JS numbers', async () => {
    const duck = await Duck.open();
    try {
      const events: InteractionEvent[] = [
        { userId: 'u1', itemId: 'a', ts: 1, type: 'purchase', sessionId: 's1', quantity: 2 },
        { userId: 'u1', itemId: 'b', ts: 2, type: 'purchase', sessionId: 's1' },
        { userId: 'u2', itemId: 'a', ts: 3, type: 'view' },
      ];
      await duck.loadEvents('ev', events);
      const rows = await duck.query<{ item_id: string; n: number; q: number | null }>(
        'select item_id, count(*) as n, sum(quantity) as q from ev group by 1 order by 1',
      );
      expect(rows).toEqual([
        { item_id: 'a', n: 2, q: 2 },
        { item_id: 'b', n: 1, q: null },
      ]);
      const p = await duck.query<{ n: number }>('select count(*) as n from ev where user_id = $1', ['u1']);
      expect(p[0].n).toBe(2);
    } finally {
      duck.close();
    }
  });

  it('quotes SQL string literals', () => {
    expect(sqlString("it's")).toBe("'it''s'");
  });
});
