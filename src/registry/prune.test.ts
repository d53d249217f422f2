import { spawnSync } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollbackAlias, setAlias } from './aliases.js';
import { readAliasesFile } from './aliases-store.js';
import { listVersions, verifyVersion } from './load-version.js';
import { prune } from './prune.js';
import { publishVersion } from './publish.js';
import { sampleInput, tempModelsDir } from './testing/models-dir.js';

describe('prune (retention)', () => {
  let tmp: Awaited<ReturnType<typeof tempModelsDir>>;
  const root = () => path.join(tmp.dir, 'demo');

  beforeEach(async () => {
    tmp = await tempModelsDir();
    for (let i = 1; i <= 6; i++) await publishVersion(tmp.dir, 'demo', sampleInput(i));
    // champion: 1 -> 2 -> 3 (history [1, 2]); challenger: 5.
    for (const v of [1, 2, 3]) await setAlias(tmp.dir, 'demo', 'champion', v);
    await setAlias(tmp.dir, 'demo', 'challenger', 5);
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('keeps the newest N, aliased versions and rollback targets; drops deeper history', async () => {
    const r = await prune(tmp.dir, 'demo', { keepLast: 1 });
    expect(r.removed).toEqual([1, 4]);
    expect(r.kept).toEqual([
      { version: 2, reasons: ['rollback target of champion'] },
      { version: 3, reasons: ['alias champion'] },
      { version: 5, reasons: ['alias challenger'] },
      { version: 6, reasons: ['newest 1'] },
    ]);
    expect(r.historyDropped).toBe(1);
    expect(await listVersions(tmp.dir, 'demo')).toEqual([2, 3, 5, 6]);
    expect((await readdir(root())).filter((e) => e.startsWith('.'))).toEqual([]);
    const aliases = await readAliasesFile(tmp.dir, 'demo');
    expect(aliases.aliases.champion.history.map((h) => h.version)).toEqual([2]);
    for (const v of [2, 3, 5, 6]) await expect(verifyVersion(tmp.dir, 'demo', v)).resolves.toBeDefined();
    // Rollback still works after pruning, and versions keep counting up.
    expect(await rollbackAlias(tmp.dir, 'demo', 'champion')).toMatchObject({ version: 2 });
    expect((await publishVersion(tmp.dir, 'demo', sampleInput(7))).version).toBe(7);
  });

  it('dry run reports without changing anything', async () => {
    const r = await prune(tmp.dir, 'demo', { keepLast: 2, dryRun: true });
    expect(r).toMatchObject({ removed: [1, 4], dryRun: true });
    expect(await listVersions(tmp.dir, 'demo')).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await readAliasesFile(tmp.dir, 'demo')).aliases.champion.history).toHaveLength(2);
  });

  it('removes leftovers of dead processes and old ones, keeps live fresh staging', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const entries = {
      deadStaging: `.staging-${dead}-aaaaaa`,
      liveStaging: `.staging-${process.pid}-bbbbbb`,
      oldStaging: `.staging-${process.pid}-cccccc`,
      trash: `.trash-${process.pid}-dddddd-v9`,
      deadTmp: `.aliases.json.${dead}-eeeeee.tmp`,
    };
    for (const e of [entries.deadStaging, entries.liveStaging, entries.oldStaging, entries.trash]) await mkdir(path.join(root(), e));
    await writeFile(path.join(root(), entries.deadTmp), '{');
    const old = new Date(Date.now() - 48 * 3_600_000);
    await utimes(path.join(root(), entries.oldStaging), old, old);
    const r = await prune(tmp.dir, 'demo', { keepLast: 10 });
    expect(r.removed).toEqual([]);
    expect(r.cleaned).toEqual([entries.deadTmp, entries.deadStaging, entries.oldStaging, entries.trash].sort());
    expect((await readdir(root())).filter((e) => e.startsWith('.'))).toEqual([entries.liveStaging]);
  });

  it('refuses keepLast below 1 and does nothing for an unknown model', async () => {
    await expect(prune(tmp.dir, 'demo', { keepLast: 0 })).rejects.toThrow('keepLast must be an integer >= 1 (got 0)');
    expect(await prune(tmp.dir, 'nothing', { keepLast: 1 })).toMatchObject({ removed: [], kept: [] });
  });
});
