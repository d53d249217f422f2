import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLinearKindModule } from '../../models/testing/example-kind.js';
import { readManifest } from '../../registry/load-version.js';
import { main } from '../main.js';
import { recordingIO } from '../testing/recording-io.js';

let tmp: string;
let kindFile: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'train-cli-'));
  kindFile = await writeLinearKindModule(tmp);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('workbench train --kind', () => {
  it('exits 2 for a kind nobody registered, listing the registered ones', async () => {
    const io = recordingIO(tmp);
    expect(await main(['train', '--name', 'x', '--kind', 'ltr-gbdt'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(
      /--kind "ltr-gbdt" is not a registered model kind \(ltr-mlp, popularity, repeat, cooccurrence, attributes, item-knn, bpr, ltr-wide; WORKBENCH_MODEL_KINDS/,
    );
  });

  it('exits 1 naming a kind module that cannot be loaded', async () => {
    const io = recordingIO(tmp, { WORKBENCH_MODEL_KINDS: 'no-such-kinds.mts' });
    expect(await main(['train', '--name', 'x'], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/cannot load model kinds from no-such-kinds\.mts/);
  });

  it('trains and publishes a kind registered by a module in WORKBENCH_MODEL_KINDS', async () => {
    const io = recordingIO(tmp, { WORKBENCH_MODEL_KINDS: path.basename(kindFile) });
    const argv = ['train', '--name', 'shop', '--kind', 'ltr-linear', '--kind', 'popularity', '--models', 'models'];
    const code = await main([...argv, '--epochs', '1', '--max-train-users', '300', '--json'], io);
    expect(code, io.stderr.join('\n')).toBe(0);
    const out = JSON.parse(io.stdout.join('\n')) as {
      published: { kind: string; version: number }[];
      report: { models: { name: string }[] };
    };
    expect(out.published.map((p) => [p.kind, p.version])).toEqual([
      ['ltr-linear', 1],
      ['popularity', 2],
    ]);
    // Only the requested scorer kind was trained; the report has it next to every baseline.
    expect(out.report.models.map((m) => m.name)).toEqual([
      'popularity',
      'repeat',
      'cooccurrence',
      'attributes',
      'item-knn',
      'bpr',
      'ltr-linear',
    ]);
    const manifest = await readManifest(path.join(tmp, 'models'), 'shop', 1);
    expect(manifest.kind).toBe('ltr-linear');
    expect(manifest.lineage.tfjsBackend).toEqual(expect.any(String));
  }, 180_000);
});
