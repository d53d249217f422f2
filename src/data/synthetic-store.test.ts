import { describe, expect, it } from 'vitest';
import { hashString } from '../util/random.js';
import { EVENT_STRENGTH, type InteractionEvent, type Item } from './schema.js';
import { generateSyntheticStore, SYNTHETIC_DEFAULTS, sortByTime } from './synthetic-store.js';

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('generateSyntheticStore', () => {
  const ds = generateSyntheticStore();

  it('is deterministic per seed and differs across seeds', () => {
    const a = generateSyntheticStore({ seed: 7, users: 150, items: 80, weeks: 3 });
    const b = generateSyntheticStore({ seed: 7, users: 150, items: 80, weeks: 3 });
    const c = generateSyntheticStore({ seed: 8, users: 150, items: 80, weeks: 3 });
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(b.items).toEqual(a.items);
    expect(b.truth.affinity('u0005', 'i0007')).toBe(a.truth.affinity('u0005', 'i0007'));
    expect(JSON.stringify(c.events)).not.toBe(JSON.stringify(a.events));
  });

  it('gives, per seed, the very events of the O(users x items) generator it replaced', () => {
    // FNV-1a hashes of JSON.stringify(events) from that generator (src/data/synthetic.ts at 1805f7e,
    // which bench/synthetic-legacy.ts loads from git history): the same model, drawn with the same uniforms.
    const small = generateSyntheticStore({ seed: 7, users: 150, items: 80, weeks: 3 });
    expect(small.events).toHaveLength(2333);
    expect(hashString(JSON.stringify(small.events))).toBe(640027860);
    expect(ds.events).toHaveLength(103_399);
    expect(hashString(JSON.stringify(ds.events))).toBe(274089773);
  });

  it('has the default shape: ~2,000 users, 600 fashion items with brand, colour, category and price, 10 weeks', () => {
    expect(ds.items).toHaveLength(600);
    const distinct = (k: keyof Item) => new Set(ds.items.map((i) => i[k])).size;
    expect(distinct('brand')).toBe(12);
    expect(distinct('colour')).toBe(10);
    expect(new Set(ds.items.map((i) => i.category))).toEqual(
      new Set(['dresses', 'tops', 'jeans', 'shoes', 'bags', 'coats', 'knitwear', 'accessories']),
    );
    const users = new Set(ds.events.map((e) => e.userId));
    expect(users.size).toBeGreaterThan(1900);
    expect(users.size).toBeLessThanOrEqual(2000);
    const { start, weeks } = SYNTHETIC_DEFAULTS;
    expect(ds.events[0].ts).toBeGreaterThanOrEqual(start);
    expect(ds.events[ds.events.length - 1].ts).toBeLessThan(start + weeks * 7 * 86_400_000);
    expect(ds.events.every((e, i) => i === 0 || e.ts >= ds.events[i - 1].ts)).toBe(true);
    expect(ds.events.every((e) => e.sessionId !== undefined)).toBe(true);
    expect(ds.report).toMatchObject({
      source: 'synthetic',
      rejected: {},
      warnings: [],
      corrections: {},
      params: { seed: 42, users: 2000 },
    });
    expect(ds.report.rowsKept).toBe(ds.events.length);
  });

  it('prices depend on the category (coats cost more than accessories)', () => {
    const median = (cat: string) => {
      const p = ds.items.filter((i) => i.category === cat).map((i) => i.price ?? 0);
      p.sort((a, b) => a - b);
      return p[p.length >> 1];
    };
    expect(median('coats')).toBeGreaterThan(2 * median('accessories'));
  });

  it('has a funnel: views > wishlist/cart > purchases, each purchase after a cart add in the same session', () => {
    const by = (t: InteractionEvent['type']) => ds.events.filter((e) => e.type === t);
    const [views, carts, purchases] = [by('view'), by('cart'), by('purchase')];
    expect(views.length).toBeGreaterThan(carts.length);
    expect(carts.length).toBeGreaterThan(purchases.length);
    expect(by('wishlist').length).toBeGreaterThan(0);
    expect(purchases.length).toBeGreaterThan(2000);
    const carted = new Map(carts.map((e) => [`${e.sessionId}|${e.userId}|${e.itemId}`, e.ts]));
    for (const p of purchases) expect(carted.get(`${p.sessionId}|${p.userId}|${p.itemId}`)).toBeLessThan(p.ts);
    expect(purchases.every((p) => p.quantity === 1 && (p.price ?? 0) > 0)).toBe(true);
  });

  it('keeps the true affinity in [0, 1]; actions rise with it; liked items are bought again', () => {
    const aff = (e: InteractionEvent) => ds.truth.affinity(e.userId, e.itemId);
    expect(ds.truth.affinity('nobody', 'i0001')).toBe(0);
    expect(ds.truth.affinity('u0001', 'nothing')).toBe(0);
    const random: number[] = [];
    for (let u = 1; u <= 200; u++)
      for (let i = 1; i <= 600; i += 7) random.push(ds.truth.affinity(`u${String(u).padStart(4, '0')}`, `i${String(i).padStart(4, '0')}`));
    expect(Math.min(...random)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...random)).toBeLessThanOrEqual(1);
    const views = mean(ds.events.filter((e) => e.type === 'view').map(aff));
    const purchases = mean(ds.events.filter((e) => e.type === 'purchase').map(aff));
    expect(views).toBeGreaterThan(mean(random) + 0.1);
    expect(purchases).toBeGreaterThan(views + 0.1);
    const seen = new Set<string>();
    let repeats = 0;
    for (const e of ds.events) {
      if (e.type !== 'purchase') continue;
      const k = `${e.userId}|${e.itemId}`;
      if (seen.has(k)) repeats++;
      seen.add(k);
    }
    expect(repeats).toBeGreaterThan(50);
  });

  it('is learnable: attribute affinities from history beat popularity at predicting future purchases', () => {
    const cutoff = SYNTHETIC_DEFAULTS.start + 8 * 7 * 86_400_000; // train on 8 weeks, test on the last 2
    const train = ds.events.filter((e) => e.ts < cutoff);
    const future = new Map<string, Set<string>>();
    for (const e of ds.events) {
      if (e.ts < cutoff || e.type !== 'purchase') continue;
      const s = future.get(e.userId) ?? new Set<string>();
      future.set(e.userId, s.add(e.itemId));
    }
    const items = new Map(ds.items.map((i) => [i.itemId, i]));
    const pop = new Map<string, number>();
    type Profile = { total: number; shares: Map<string, number> };
    const profiles = new Map<string, Profile>();
    for (const e of train) {
      const w = EVENT_STRENGTH[e.type];
      pop.set(e.itemId, (pop.get(e.itemId) ?? 0) + w);
      const p = profiles.get(e.userId) ?? { total: 0, shares: new Map<string, number>() };
      profiles.set(e.userId, p);
      p.total += w;
      const it = items.get(e.itemId) as Item;
      for (const key of [`b:${it.brand}`, `c:${it.colour}`, `k:${it.category}`]) p.shares.set(key, (p.shares.get(key) ?? 0) + w);
    }
    const maxPop = Math.max(...pop.values());
    const recall = (score: (u: string, it: Item) => number) => {
      const r: number[] = [];
      for (const [u, bought] of future) {
        if (!profiles.has(u)) continue;
        const top = ds.items
          .map((it) => ({ id: it.itemId, s: score(u, it) }))
          .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
          .slice(0, 10);
        r.push(top.filter((t) => bought.has(t.id)).length / bought.size);
      }
      return mean(r);
    };
    const popularity = recall((_u, it) => pop.get(it.itemId) ?? 0);
    const attributes = recall((u, it) => {
      const p = profiles.get(u) as Profile;
      const share = (k: string) => (p.shares.get(k) ?? 0) / p.total;
      return share(`b:${it.brand}`) + share(`c:${it.colour}`) + share(`k:${it.category}`) + (0.3 * (pop.get(it.itemId) ?? 0)) / maxPop;
    });
    const oracle = recall((u, it) => ds.truth.affinity(u, it.itemId));
    expect(popularity).toBeGreaterThan(0.05); // a reasonable baseline...
    expect(attributes).toBeGreaterThan(1.4 * popularity); // ...clearly beaten by learned tastes
    expect(oracle).toBeGreaterThan(attributes); // and there is headroom left for better models
  });

  it('builds nothing of size users x items: 300 users over 200,000 items in seconds', () => {
    // The generator used to build a users x items affinity matrix and scan the catalogue in every
    // session: this took about a minute. Now a user's affinities are computed for the categories
    // they browse only, and a session draws from block sums instead of scanning its pool.
    const t0 = performance.now();
    const big = generateSyntheticStore({ users: 300, items: 200_000, weeks: 4 });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(big.items).toHaveLength(200_000);
    expect(big.events.length).toBeGreaterThan(3000);
    expect(big.truth.affinity('u0300', 'i200000')).toBeGreaterThan(0);
  }, 60_000);

  it('sorts events by time stably (radix), and falls back to a comparison sort for non-integer times', () => {
    const ev = (ts: number, itemId: string): InteractionEvent => ({ userId: 'u', itemId, ts, type: 'view' });
    const origin = Date.UTC(2025, 0, 6);
    const events = [5, 0x1_0000_0005, 3, 5, 0x1_0002, 0, 3].map((d, j) => ev(origin + d, `i${j}`));
    const expected = [...events].sort((a, b) => a.ts - b.ts);
    expect(sortByTime([...events], origin).map((e) => e.itemId)).toEqual(expected.map((e) => e.itemId));
    expect(sortByTime([...events], origin).map((e) => e.itemId)).toEqual(['i5', 'i2', 'i6', 'i0', 'i3', 'i4', 'i1']);
    const fractional = [ev(2.5, 'a'), ev(1, 'b'), ev(2.5, 'c')];
    expect(sortByTime(fractional, 0).map((e) => e.itemId)).toEqual(['b', 'a', 'c']);
    expect(sortByTime([], origin)).toEqual([]);
  });

  it('rejects nonsense sizes', () => {
    expect(() => generateSyntheticStore({ users: 0 })).toThrow(/users must be a positive integer, got 0/);
  });
});
