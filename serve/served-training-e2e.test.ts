/**
 * Training from served features (`pipeline run --train-from served|both`) on a small synthetic
 * store: a published version serves shoppers through the service's own serving code (serveRanking,
 * impressionEvents) with feature logging on, in the label window of the next run, so the logged
 * vectors can be trained on; the pipeline recomputes every one of them with the version that
 * served it and trains only when all are equal. A tampered vector stops the run, naming it.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogWriter } from '../src/data/eventlog-writer.js';
import type { InteractionEvent } from '../src/data/schema.js';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { registeredUserStates } from '../src/features/index.js';
import { restoreUserState } from '../src/features/user-state-snapshot.js';
import { protocolWindows } from '../src/offline/protocol-windows.js';
import { PipelineRunError, type RunPipelineOptions, runPipeline } from '../src/pipeline/pipeline-run.js';
import { seedUserState } from '../src/pipeline/seed-state.js';
import { listVersions, loadVersion } from '../src/registry/load-version.js';
import { openServable } from '../src/serving/servable-factory.js';
import { Rng } from '../src/util/random.js';
import { impressionEvents, serveRanking } from './served-list.js';

const root = mkdtempSync(path.join(tmpdir(), 'served-training-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dataset = generateSyntheticStore({ users: 600, items: 150, weeks: 6 });
const windows = protocolWindows(dataset.events);
/** Served requests start three days before the next run's validation window: inside its label windows. */
const servedFrom = windows.validStart - 3 * 86_400_000;
const K = 8;

const base: Omit<RunPipelineOptions, 'eventsDir'> = {
  name: 'shop',
  modelsDir: path.join(root, 'models'),
  runsDir: path.join(root, 'runs'),
  stateDir: path.join(root, 'state'),
  dataset,
  training: { epochs: 2, patience: 1, bootstrapResamples: 50, maxValidUsers: 150 },
  minImprovement: -1,
  force: true,
  // The synthetic store's days are near today's: the runs after the first read up to its end.
  now: () => windows.end,
};

/** v1 serves 300 shoppers (one request each, feature logging on); clicks and purchases follow. */
async function serveShoppers(eventsDir: string): Promise<number> {
  const { store } = restoreUserState({ stateDir: base.stateDir, definitions: registeredUserStates() });
  const model = await openServable(await loadVersion(base.modelsDir, 'shop', { alias: 'champion' }), { users: store });
  const writer = new EventLogWriter(eventsDir);
  const rng = new Rng(5);
  const users = [...new Set(dataset.events.filter((e) => e.ts < servedFrom).map((e) => e.userId))].sort().slice(0, 300);
  try {
    for (const [i, userId] of users.entries()) {
      const ts = servedFrom + i * 60_000;
      const requestId = `req-${i}`;
      const variant = { name: 'main', weight: 1, alias: 'champion', logFeatures: 1 };
      const served = serveRanking(model, { userId, k: K }, variant, requestId);
      const events: InteractionEvent[] = impressionEvents(served, { userId, requestId, variant: 'main', ts });
      served.items.forEach((it, position) => {
        if (!rng.chance(0.4 / (1 + position))) return;
        events.push({ userId, itemId: it.itemId, ts: ts + 1000, type: 'click', requestId, position, variant: 'main' });
        if (rng.chance(0.3)) events.push({ userId, itemId: it.itemId, ts: ts + 2000, type: 'purchase', requestId, variant: 'main' });
      });
      store.apply(events); // as the service applies what it accepts
      await writer.append(events);
    }
  } finally {
    await writer.close();
    model.dispose();
  }
  return users.length;
}

describe('pipeline run --train-from served|both', () => {
  it('trains on the logged vectors once they equal the recomputed ones; a differing vector stops the run and is named', async () => {
    const eventsDir = path.join(root, 'events');
    seedUserState(base.stateDir as string, dataset, servedFrom);
    // v1, the champion; its run ends where the served traffic begins, so the next run reads it as fresh.
    await runPipeline({ ...base, eventsDir, now: () => servedFrom });
    const users = await serveShoppers(eventsDir);

    const lines: string[] = [];
    const both = await runPipeline({ ...base, eventsDir, trainFrom: 'both', log: (l) => lines.push(l) });
    const sf = both.record.servedFeatures;
    expect(sf?.requests).toBe(users);
    expect(sf?.vectors).toBe(users * K);
    expect(sf?.mismatched).toBe(0);
    expect(sf?.checks.map((c) => c.version)).toEqual([1]);
    expect(sf?.groups).toBeGreaterThan(50);
    expect(sf?.groups).toBe(users - (sf?.withoutPairs ?? 0));
    // All of them lie in the label windows, before validation: every one is trained on.
    expect(sf?.trained).toEqual({ groups: sf?.groups, inValidationOrTest: 0 });
    expect(both.record.params.trainFrom).toBe('both');
    expect(both.record.published?.version).toBe(2);
    const counts = lines.find((l) => l.startsWith('training groups:')) ?? '';
    const total = Number(/^training groups: (\d+)/.exec(counts)?.[1]);
    expect(lines).toContain(`served groups: ${sf?.groups} (0 later ones in the validation or test window left out)`);

    // Served only: the ranker learns from nothing else. (Own run records: a run reads what is new since the last one.)
    const servedOnly = await runPipeline({
      ...base,
      runsDir: path.join(root, 'runs-served'),
      eventsDir,
      trainFrom: 'served',
      log: (l) => lines.push(l),
    });
    expect(servedOnly.record.servedFeatures?.trained?.groups).toBe(sf?.groups);
    expect(lines.filter((l) => l.startsWith('training groups:')).at(-1)).toBe(
      `training groups: ${sf?.groups} (${sf?.groups} served), features: 23`,
    );
    expect(total).toBeGreaterThan(sf?.groups ?? 0);

    // One logged value changed: the run fails before training and names request, item, feature, both values.
    const tampered = path.join(root, 'events-tampered');
    cpSync(eventsDir, tampered, { recursive: true });
    const part = readdirSync(tampered, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.jsonl')) ?? '';
    const text = readFileSync(path.join(tampered, part), 'utf8').split('\n');
    const at = text.findIndex((l) => l.includes('"features"'));
    const changed = JSON.parse(text[at]) as InteractionEvent & { features: number[] };
    const logged = changed.features[2] + 0.5;
    changed.features[2] = logged;
    text[at] = JSON.stringify(changed);
    writeFileSync(path.join(tampered, part), text.join('\n'));
    const before = await listVersions(base.modelsDir, 'shop');
    const failed = await runPipeline({ ...base, runsDir: path.join(root, 'runs-tampered'), eventsDir: tampered, trainFrom: 'both' }).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(PipelineRunError);
    const err = failed as PipelineRunError;
    expect(err.record.servedFeatures?.mismatched).toBe(1);
    const example = err.record.servedFeatures?.checks[0].examples[0];
    expect(example).toMatchObject({ requestId: changed.requestId, itemId: changed.itemId, logged });
    expect(err.message).toContain(
      `1 of ${users * K} logged feature vectors of "shop" differ from what the feature code recomputes for the same requests; not training on them. ` +
        `First: request ${changed.requestId} item ${changed.itemId} (v1): ${example?.feature} logged ${logged}, recomputed ${example?.recomputed}`,
    );
    expect(await listVersions(base.modelsDir, 'shop')).toEqual(before);
  }, 600_000);
});
