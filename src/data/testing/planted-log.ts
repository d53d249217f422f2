/**
 * A planted-preference purchase log for known-answer tests of the file path: every user has a
 * hidden category and makes 80% of their purchases in it; the category is written only to the
 * catalogue file. Items are never bought twice by one user (a log without repeat purchases, like
 * most public rating logs), and there are no sessions, so co-occurrence must come from users.
 * The oracle knows each user's category and the generator's probabilities.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Ranker, RankRequest } from '../../models/ranker.js';
import { Rng } from '../../util/random.js';

/** Knobs of the planted log. */
export interface PlantedLogOptions {
  seed?: number;
  users?: number;
  categories?: number;
  itemsPerCategory?: number;
  /** Share of purchases in the user's hidden category (default 0.8). */
  inCategory?: number;
  /** Purchases per user, uniform in [min, max]. */
  purchases?: [number, number];
  days?: number;
}

/** The generated log: where the files are and what the oracle knows. */
export interface PlantedLog {
  eventsFile: string;
  itemsFile: string;
  /** --map and --items-map values for the files. */
  map: string;
  itemsMap: string;
  /** Scores every candidate by its true purchase probability for the user (0 for items they have). */
  oracle(history: (userId: string) => readonly string[]): Ranker;
}

/** Writes `events.csv` and `items.csv` into `dir`. */
export function writePlantedLog(dir: string, opts: PlantedLogOptions = {}): PlantedLog {
  const rng = new Rng(opts.seed ?? 11);
  const K = opts.categories ?? 8;
  const per = opts.itemsPerCategory ?? 50;
  const users = opts.users ?? 1500;
  const share = opts.inCategory ?? 0.8;
  const [minP, maxP] = opts.purchases ?? [6, 18];
  const days = opts.days ?? 120;
  const start = Date.UTC(2024, 0, 1);
  const items = Array.from({ length: K * per }, (_, i) => ({ id: `i${String(i).padStart(4, '0')}`, cat: i % K, rank: Math.floor(i / K) }));
  // Zipf-like popularity within a category; the same shape across categories.
  const pop = items.map((it) => 1 / (it.rank + 1) ** 0.8);
  const catTotal = Array.from({ length: K }, (_, c) => items.reduce((s, it, i) => s + (it.cat === c ? pop[i] : 0), 0));
  const allTotal = pop.reduce((s, x) => s + x, 0);
  const prob = (cat: number, i: number) => share * (items[i].cat === cat ? pop[i] / catTotal[cat] : 0) + (1 - share) * (pop[i] / allTotal);
  const hidden = new Map<string, number>();
  const lines = ['user,item,time'];
  for (let u = 0; u < users; u++) {
    const userId = `u${String(u).padStart(5, '0')}`;
    const cat = rng.int(K);
    hidden.set(userId, cat);
    const n = minP + rng.int(maxP - minP + 1);
    const bought = new Set<number>();
    const times = Array.from({ length: n }, () => start + Math.floor(rng.next() * days * 86_400_000)).sort((a, b) => a - b);
    for (const ts of times) {
      // Draw from the user's distribution over items not yet bought (no repeats).
      let total = 0;
      for (let i = 0; i < items.length; i++) if (!bought.has(i)) total += prob(cat, i);
      let x = rng.next() * total;
      let pick = -1;
      for (let i = 0; i < items.length; i++) {
        if (bought.has(i)) continue;
        pick = i;
        x -= prob(cat, i);
        if (x <= 0) break;
      }
      bought.add(pick);
      lines.push(`${userId},${items[pick].id},${new Date(ts).toISOString()}`);
    }
  }
  const eventsFile = path.join(dir, 'events.csv');
  const itemsFile = path.join(dir, 'items.csv');
  writeFileSync(eventsFile, `${lines.join('\n')}\n`);
  writeFileSync(itemsFile, `item,title,genre\n${items.map((it) => `${it.id},Item ${it.id},g${it.cat}`).join('\n')}\n`);
  const index = new Map(items.map((it, i) => [it.id, i]));
  return {
    eventsFile,
    itemsFile,
    map: 'user=user,item=item,timestamp=time,defaultType=purchase',
    itemsMap: 'item=item,title=title,attr=genre',
    oracle: (history) => ({
      name: 'oracle',
      score(req: RankRequest) {
        const cat = hidden.get(req.userId);
        const had = new Set(history(req.userId));
        return Float32Array.from(req.candidates, (id) => {
          const i = index.get(id);
          if (i === undefined || cat === undefined || had.has(id)) return 0;
          return prob(cat, i);
        });
      },
      dispose() {},
    }),
  };
}
