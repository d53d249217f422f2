/**
 * The pipeline's gate, alias policy, lock and failure handling on a small synthetic store. The
 * end-to-end loop with the service is in pipeline-e2e.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticStore } from '../data/synthetic-store.js';
import { errorMessage } from '../errors.js';
import { tf } from '../models/backend.js';
import { createScorer } from '../models/ltr/index.js';
import { setAlias } from '../registry/aliases.js';
import { readAliases } from '../registry/aliases-store.js';
import { layersModelFiles } from '../registry/io-handlers.js';
import { listVersions, readManifest } from '../registry/load-version.js';
import { publishVersion } from '../registry/publish.js';
import { PipelineRunError, type RunPipelineOptions, runPipeline } from './pipeline-run.js';
import { listRunRecords } from './run-record.js';

const dataset = generateSyntheticStore({ users: 600, items: 150, weeks: 6 });
const training = { epochs: 3, patience: 1, bootstrapResamples: 100 };
let root: string;
let base: Omit<RunPipelineOptions, 'name'>;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'pipeline-run-'));
  base = {
    modelsDir: path.join(root, 'models'),
    runsDir: path.join(root, 'runs'),
    eventsDir: path.join(root, 'events'),
    dataset,
    training,
    // These runs retrain on the same data on purpose; the skip of an unchanged run is tested below.
    force: true,
  };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runPipeline: nothing new', () => {
  it('skips publishing when no fresh events arrived and the inputs are unchanged, unless forced', async () => {
    const opts = { ...base, force: false, name: 'same', minImprovement: -1 };
    const first = await runPipeline(opts);
    expect(first.record.published?.version).toBe(1);
    const lines: string[] = [];
    const again = await runPipeline({ ...opts, log: (l) => lines.push(l) });
    expect(again.record.status).toBe('skipped');
    expect(again.record.skipped).toMatch(new RegExp(`nothing new since run ${first.record.runId}`));
    expect(again.record.published).toBeUndefined();
    expect(lines.some((l) => l.startsWith('nothing new since run'))).toBe(true);
    expect(await listVersions(base.modelsDir, 'same')).toEqual([1]);
    // Other parameters are other inputs; so is --force.
    expect((await runPipeline({ ...opts, minImprovement: -0.5 })).record.published?.version).toBe(2);
    expect((await runPipeline({ ...opts, minImprovement: -0.5, force: true })).record.published?.version).toBe(3);
  });
});

describe('runPipeline: progress', () => {
  it('shows training as one bar over the epoch budget whose last line is the stage time, other stages logged once', async () => {
    const bar: string[] = [];
    const lines: string[] = [];
    const progress = { write: (t: string) => bar.push(t), isTTY: false, intervalMs: 0 };
    await runPipeline({ ...base, name: 'progress', log: (l) => lines.push(l), progress });
    const barLines = bar.join('').split('\n');
    expect(barLines.filter((l) => l.startsWith('train-ranker: done, '))).toHaveLength(1);
    expect(barLines).toContainEqual(expect.stringMatching(/^train-ranker: 0\/3 epochs 0%/));
    expect(barLines.find((l) => l.startsWith('train-ranker: done'))).toMatch(/^train-ranker: done, [1-3]\/3 epochs/);
    // The epoch lines still reach the log; the stage time is not also logged there.
    expect(lines.filter((l) => /^epoch \d+: loss/.test(l)).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('train-ranker:'))).toEqual([]);
    for (const stage of ['features', 'tune-baselines', 'evaluate']) {
      expect(lines.filter((l) => l.startsWith(`${stage}: `))).toHaveLength(1);
    }
  });
});

describe('runPipeline: gate and alias policy', () => {
  it('warm-starts from the champion weights unless told not to', async () => {
    const first = await runPipeline({ ...base, name: 'w' });
    expect(first.record.params.warmStart).toBe(true);
    const lines: string[] = [];
    const warm = await runPipeline({ ...base, name: 'w', log: (l) => lines.push(l) });
    expect(lines.some((l) => /warm start from version 1's weights/.test(l))).toBe(true);
    expect(warm.record.status).toBe('succeeded');
    const coldLines: string[] = [];
    const cold = await runPipeline({ ...base, name: 'w', warmStart: false, log: (l) => coldLines.push(l) });
    expect(cold.record.params.warmStart).toBe(false);
    expect(coldLines.some((l) => /warm start/.test(l))).toBe(false);
  });

  it('first run becomes champion; the next run rebuilds it on the same test cases and refuses a candidate below the bar', async () => {
    const first = await runPipeline({ ...base, name: 'g' });
    expect(first.record).toMatchObject({ status: 'succeeded', published: { version: 1, aliases: ['champion'] } });
    expect(first.record.gate).toMatchObject({ promoted: true, champion: null });
    expect(first.record.gate?.reason).toMatch(/no champion to compare with \(no version yet\)/);
    const manifest = await readManifest(base.modelsDir, 'g', 1);
    expect(manifest.run).toEqual({ id: first.record.runId, path: first.recordPath });
    expect(first.record.stages.map((s) => s.stage)).toEqual(
      expect.arrayContaining(['load-base', 'load-events', 'train-evaluate', 'gate', 'publish', 'aliases']),
    );
    // The learning curve (what the UI's run page plots): one point per epoch run, with validation NDCG.
    const curve = first.record.learningCurve ?? [];
    expect(curve.length).toBeGreaterThanOrEqual(1);
    expect(curve.length).toBeLessThanOrEqual(training.epochs);
    expect(curve.map((p) => p.epoch)).toEqual(curve.map((_, i) => i + 1));
    for (const p of curve) {
      expect(Number.isFinite(p.loss)).toBe(true);
      expect(p.valid).toBeGreaterThan(0);
    }
    expect(curve.map((p) => p.epoch)).toContain(first.record.bestEpoch);

    const before = tf.memory().numTensors;
    const second = await runPipeline({ ...base, name: 'g', policy: 'champion', minImprovement: 0.5 });
    expect(tf.memory().numTensors).toBe(before);
    const gate = second.record.gate;
    expect(second.record.champion).toMatchObject({ version: 1, kind: 'ltr-mlp', comparable: true });
    // Same data, same windows: v1 loaded from its directory scores exactly what it scored as run 1's candidate.
    expect(gate?.champion).toBeCloseTo(first.record.gate?.candidate ?? Number.NaN, 10);
    expect(gate?.promoted).toBe(false);
    expect(gate?.reason).toContain('x (1 + 0.5)');
    expect(second.record.published).toEqual({ version: 2, aliases: [] });
    expect(await readAliases(base.modelsDir, 'g')).toEqual({ champion: 1 });
  });

  it('refuses a candidate trained on shuffled labels: champion unchanged, the record says why', async () => {
    const { record } = await runPipeline({ ...base, name: 'g', policy: 'champion', shuffleLabels: true });
    expect(record.counts.shuffledLabelEvents).toBeGreaterThan(100);
    expect(record.gate?.promoted).toBe(false);
    expect(record.gate?.candidate).toBeLessThan((record.gate?.champion ?? 0) * 0.95);
    expect(record.gate?.reason).toMatch(/^refused: candidate ndcg@10 .* < champion v1 .*; champion unchanged$/);
    expect(record.warnings.some((w) => w.startsWith('TEST HOOK'))).toBe(true);
    expect((await readAliases(base.modelsDir, 'g')).champion).toBe(1);
  });

  it('policy challenger moves only `challenger` past the gate; policy champion moves `champion`', async () => {
    const a = await runPipeline({ ...base, name: 'g', minImprovement: -1 });
    expect(a.record.gate?.promoted).toBe(true);
    expect(a.record.published?.aliases).toEqual(['challenger']);
    expect(await readAliases(base.modelsDir, 'g')).toEqual({ champion: 1, challenger: a.record.published?.version });
    const b = await runPipeline({ ...base, name: 'g', minImprovement: -1, policy: 'champion' });
    expect(b.record.published?.aliases).toEqual(['champion']);
    expect((await readAliases(base.modelsDir, 'g')).champion).toBe(b.record.published?.version);
  });
});

describe('runPipeline: a champion that cannot be compared', () => {
  it('an LTR champion with features this code lacks is reported and treated as no champion', async () => {
    const model = createScorer({ inputDim: 2, hidden: [4], seed: 1 });
    const files = await layersModelFiles(model);
    model.dispose();
    const contract = { version: 1, names: ['old_a', 'old_b'], normalisation: { mean: [0, 0], std: [1, 1] } };
    const lineage = { data: { source: 'synthetic' }, gitCommit: null, producer: 'test' };
    await publishVersion(base.modelsDir, 'inc', { files, manifest: { kind: 'ltr-mlp', featureContract: contract, lineage } });
    await setAlias(base.modelsDir, 'inc', 'champion', 1);
    const { record } = await runPipeline({ ...base, name: 'inc' });
    expect(record.champion).toMatchObject({ version: 1, kind: 'ltr-mlp', comparable: false });
    expect(record.champion?.note).toMatch(
      /^champion v1 cannot be compared on this run's features: .*the model needs feature "old_a" \(version 1\), which this code does not define/,
    );
    expect(record.gate).toMatchObject({ promoted: true, champion: null });
    expect(record.gate?.reason).toMatch(/^no champion to compare with \(champion v1 cannot be compared/);
    expect(record.published).toEqual({ version: 2, aliases: ['champion'] });
  });
});

describe('runPipeline: lock and failures', () => {
  it('a second concurrent run of the same model fails fast with a clear message and a failed record', async () => {
    let firstDone = false;
    const first = runPipeline({ ...base, name: 'lk' }).finally(() => {
      firstDone = true;
    });
    const lockFile = path.join(base.modelsDir, 'lk', '.pipeline.lock');
    while (!existsSync(lockFile) && !firstDone) await new Promise((r) => setTimeout(r, 5));
    const err = await runPipeline({ ...base, name: 'lk' }).catch((e: unknown) => e);
    expect(firstDone).toBe(false);
    expect(err).toBeInstanceOf(PipelineRunError);
    expect((err as PipelineRunError).code).toBe('locked');
    expect(errorMessage(err)).toMatch(/the pipeline for model "lk" is already running/);
    expect((err as PipelineRunError).record).toMatchObject({ status: 'failed' });
    expect((await first).record.published?.version).toBe(1);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('a lock held by another live process is refused, naming its pid', async () => {
    const lockFile = path.join(base.modelsDir, 'lk', '.pipeline.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, since: '2026-01-01T00:00:00Z' }));
    try {
      await expect(runPipeline({ ...base, name: 'lk' })).rejects.toThrow(new RegExp(`already running \\(pid ${process.ppid} `));
      expect(await listVersions(base.modelsDir, 'lk')).toEqual([1]);
    } finally {
      rmSync(lockFile);
    }
  });

  it('a failing run (bad data path) publishes nothing, moves no alias, and records why', async () => {
    const missing = path.join(root, 'no-such-file.csv.gz');
    const opts = { ...base, dataset: undefined, data: { source: 'online-retail' as const, path: missing } };
    const err = await runPipeline({ ...opts, name: 'g' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineRunError);
    const { record, recordPath } = err as PipelineRunError;
    expect(record.status).toBe('failed');
    expect(record.error).toContain(missing);
    expect(JSON.parse(readFileSync(recordPath, 'utf8'))).toMatchObject({ status: 'failed', error: record.error });
    expect(await listVersions(base.modelsDir, 'g')).toEqual([1, 2, 3, 4, 5]);
    expect(existsSync(path.join(base.modelsDir, 'g', '.pipeline.lock'))).toBe(false);
    // A new model whose first run fails leaves no trace in the models directory.
    await expect(runPipeline({ ...opts, name: 'fresh' })).rejects.toThrow(PipelineRunError);
    expect(existsSync(path.join(base.modelsDir, 'fresh'))).toBe(false);
    // The next run reads fresh events from where the last SUCCESSFUL run stopped.
    const g = listRunRecords(base.runsDir, 'g').records;
    expect(g.filter((r) => r.status === 'failed')).toHaveLength(1);
  });
});
