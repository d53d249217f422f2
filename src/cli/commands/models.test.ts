import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAliases } from '../../registry/aliases-store.js';
import { listVersions } from '../../registry/load-version.js';
import { publishVersion } from '../../registry/publish.js';
import { sampleInput, tempModelsDir } from '../../registry/testing/models-dir.js';
import { main } from '../main.js';
import { type RecordingIO, recordingIO } from '../testing/recording-io.js';
import { keyMetric } from './models.js';

function captureIO(modelsDir: string): RecordingIO {
  return recordingIO('/', { WORKBENCH_MODELS_DIR: modelsDir });
}

describe('workbench models', () => {
  let tmp: Awaited<ReturnType<typeof tempModelsDir>>;
  // The sample versions are tables without a ranker: promote and rollback skip the open-and-warm
  // check here (src/serving/servable-check.test.ts runs it on a real version).
  const run = async (...argv: string[]) => {
    const io = captureIO(tmp.dir);
    const moves = argv[0] === 'promote' || argv[0] === 'rollback';
    const code = await main(['models', ...argv, ...(moves ? ['--no-check'] : [])], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), stderr: io.stderr };
  };

  beforeEach(async () => {
    tmp = await tempModelsDir();
    await publishVersion(tmp.dir, 'demo', sampleInput(1, { metrics: { 'ndcg@10': 0.2 } }));
    await publishVersion(
      tmp.dir,
      'demo',
      sampleInput(2, { kind: 'cooccurrence', metrics: { models: { ltr: { 'ndcg@10': { mean: 0.3125 } } } } }),
    );
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('list shows versions, kinds, the key metric and aliases (text and --json)', async () => {
    expect((await run('promote', 'demo', '1')).code).toBe(0);
    const text = await run('list');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^demo: 2 versions; champion=1$/m);
    expect(text.out).toMatch(/^ {2}1 +popularity .* ndcg@10=0\.2000 +champion$/m);
    expect(text.out).toMatch(/^ {2}2 +cooccurrence .* models\.ltr\.ndcg@10\.mean=0\.3125$/m);
    const json = JSON.parse((await run('list', '--json')).out);
    expect(json.models[0]).toMatchObject({
      name: 'demo',
      aliases: { champion: 1 },
      versions: [
        { version: 1, kind: 'popularity', aliases: ['champion'], keyMetric: { name: 'ndcg@10', value: 0.2 } },
        { version: 2, kind: 'cooccurrence', aliases: [] },
      ],
    });
  });

  it('list marks a version whose manifest is broken instead of failing', async () => {
    await writeFile(path.join(tmp.dir, 'demo', '2', 'manifest.json'), '{oops');
    const r = await run('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}2 +BROKEN .*manifest\.json: malformed JSON/m);
  });

  it('show prints the verified manifest; a corrupted version exits 1 with the file named', async () => {
    const ok = await run('show', 'demo', '2', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ name: 'demo', version: 2, verified: true, manifest: { kind: 'cooccurrence', version: 2 } });
    const latest = await run('show', 'demo');
    expect(latest.out).toMatch(/^demo version 2 \(cooccurrence\)\nverified: 2 artifacts match their sha256/);
    await writeFile(path.join(tmp.dir, 'demo', '1', 'warmup.json'), '[{"userId":"zz","k":3}]');
    await run('promote', 'demo', '2', '--alias', 'challenger');
    expect((await run('show', 'demo', 'challenger')).out).toMatch(/^demo version 2 \(cooccurrence\) \[challenger\]/);
    const bad = await run('show', 'demo', '1');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/NOT VERIFIED: .*demo\/1\/warmup\.json: sha256 mismatch/);
    expect(bad.stderr).toHaveLength(1);
  });

  it('promote and rollback move an alias and refuse bad targets', async () => {
    expect((await run('promote', 'demo', '1')).out).toBe('demo: champion (unset) -> 1');
    expect((await run('promote', 'demo', '2', '--alias', 'champion')).out).toBe('demo: champion 1 -> 2');
    expect((await run('promote', 'demo', '2')).out).toBe('demo: champion already names version 2');
    expect(JSON.parse((await run('rollback', 'demo', '--json')).out)).toMatchObject({ alias: 'champion', previous: 2, version: 1 });
    const none = await run('rollback', 'demo');
    expect(none).toMatchObject({ code: 1, stderr: ['workbench: alias "champion" of model "demo" has no earlier version to roll back to'] });
    const missing = await run('promote', 'demo', '7');
    expect(missing).toMatchObject({ code: 1, stderr: ['workbench: model "demo" has no version 7 (versions: 1, 2)'] });
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 1 });
  });

  it('prune removes old versions (dry run first)', async () => {
    await publishVersion(tmp.dir, 'demo', sampleInput(3));
    const dry = await run('prune', 'demo', '--keep', '1', '--dry-run');
    expect(dry.out).toMatch(/^demo: would remove versions 1, 2$/m);
    expect(await listVersions(tmp.dir, 'demo')).toEqual([1, 2, 3]);
    const r = await run('prune', 'demo', '--keep', '1', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ removed: [1, 2], kept: [{ version: 3 }] });
    expect(await listVersions(tmp.dir, 'demo')).toEqual([3]);
  });

  it('bad usage exits 2 with one line; missing things exit 1 with one line', async () => {
    const usage: string[][] = [
      [],
      ['frobnicate'],
      ['promote', 'demo'],
      ['promote', 'demo', 'two'],
      ['prune', 'demo'],
      ['prune', 'demo', '--keep', '0'],
      ['list', '--keep', '3'],
      ['show'],
      ['show', 'demo', '1', 'extra'],
      ['show', 'demo', 'not/alias'],
      ['promote', 'demo', '1', '--alias', '9'],
      ['show', '../etc'],
    ];
    for (const argv of usage) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toHaveLength(1);
    }
    for (const argv of [
      ['show', 'nope'],
      ['show', 'demo', '9'],
      ['show', 'demo', 'champion'],
      ['list', 'nope'],
      ['prune', 'nope', '--keep', '1'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toHaveLength(1);
    }
    expect((await run('show', 'demo', '9')).err).toBe(`workbench: model "demo" has no version 9 in ${tmp.dir}`);
    expect(JSON.parse(await readFile(path.join(tmp.dir, 'demo', '1', 'manifest.json'), 'utf8')).version).toBe(1);
  });
});

describe('keyMetric', () => {
  it('prefers ndcg@10 wherever it is, reading a { mean } object as its mean', () => {
    expect(keyMetric({ auc: 0.8, 'NDCG@10': 0.3 })).toEqual({ name: 'NDCG@10', value: 0.3 });
    expect(keyMetric({ ltr: { 'ndcg@10': { mean: 0.4, lo: 0.3 } } })).toEqual({ name: 'ltr.ndcg@10.mean', value: 0.4 });
    expect(keyMetric({ loss: 1.5, other: 'x' })).toEqual({ name: 'loss', value: 1.5 });
    expect(keyMetric({})).toBeNull();
  });
});
