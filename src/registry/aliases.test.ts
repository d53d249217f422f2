import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorMessage, NotFoundError } from '../errors.js';
import { removeAlias, rollbackAlias, setAlias } from './aliases.js';
import { aliasesFileSchema, readAliases, readAliasesFile } from './aliases-store.js';
import { loadVersion } from './load-version.js';
import { publishVersion } from './publish.js';
import { RegistryError } from './registry-error.js';
import { runChild, sampleInput, tempModelsDir } from './testing/models-dir.js';

describe('aliases', () => {
  let tmp: Awaited<ReturnType<typeof tempModelsDir>>;
  const aliasesJson = () => path.join(tmp.dir, 'demo', 'aliases.json');

  beforeEach(async () => {
    tmp = await tempModelsDir();
    for (let i = 1; i <= 4; i++) await publishVersion(tmp.dir, 'demo', sampleInput(i));
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('promotes, resolves through loadVersion, and rolls back step by step', async () => {
    expect(await readAliases(tmp.dir, 'demo')).toEqual({});
    expect(await setAlias(tmp.dir, 'demo', 'champion', 1)).toEqual({
      model: 'demo',
      alias: 'champion',
      previous: null,
      version: 1,
      changed: true,
    });
    await setAlias(tmp.dir, 'demo', 'champion', 2);
    expect(await setAlias(tmp.dir, 'demo', 'champion', 3)).toMatchObject({ previous: 2, version: 3, changed: true });
    await setAlias(tmp.dir, 'demo', 'challenger', 4);
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 3, challenger: 4 });
    expect((await loadVersion(tmp.dir, 'demo', { alias: 'champion' })).version).toBe(3);
    expect((await readAliasesFile(tmp.dir, 'demo')).aliases.champion.history.map((h) => h.version)).toEqual([1, 2]);

    expect(await rollbackAlias(tmp.dir, 'demo', 'champion')).toMatchObject({ previous: 3, version: 2 });
    expect(await rollbackAlias(tmp.dir, 'demo', 'champion')).toMatchObject({ previous: 2, version: 1 });
    await expect(rollbackAlias(tmp.dir, 'demo', 'champion')).rejects.toThrow(/alias "champion" of model "demo" has no earlier version/);
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 1, challenger: 4 });
    await expect(rollbackAlias(tmp.dir, 'demo', 'nobody')).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'treats %s as an ordinary alias name (never a prototype property)',
    async (alias) => {
      await expect(rollbackAlias(tmp.dir, 'demo', alias)).rejects.toBeInstanceOf(NotFoundError);
      await expect(loadVersion(tmp.dir, 'demo', { alias })).rejects.toBeInstanceOf(NotFoundError);
      expect(await setAlias(tmp.dir, 'demo', alias, 1)).toMatchObject({ previous: null, version: 1, changed: true });
      expect(await setAlias(tmp.dir, 'demo', alias, 2)).toMatchObject({ previous: 1, version: 2 });
      expect((await loadVersion(tmp.dir, 'demo', { alias })).version).toBe(2);
      expect(await rollbackAlias(tmp.dir, 'demo', alias)).toMatchObject({ previous: 2, version: 1 });
      expect(await removeAlias(tmp.dir, 'demo', alias)).toMatchObject({ previous: 1, version: null, changed: true });
      expect(await removeAlias(tmp.dir, 'demo', 'toLocaleString')).toMatchObject({ changed: false });
      expect(await readAliases(tmp.dir, 'demo')).toEqual({});
    },
  );

  it('setting the version an alias already names changes nothing', async () => {
    await setAlias(tmp.dir, 'demo', 'champion', 2);
    const before = await readFile(aliasesJson(), 'utf8');
    expect(await setAlias(tmp.dir, 'demo', 'champion', 2)).toMatchObject({ changed: false, version: 2 });
    expect(await readFile(aliasesJson(), 'utf8')).toBe(before);
  });

  it('refuses a version that does not exist or fails verification, leaving the alias unchanged', async () => {
    await setAlias(tmp.dir, 'demo', 'champion', 1);
    await expect(setAlias(tmp.dir, 'demo', 'champion', 9)).rejects.toThrow('model "demo" has no version 9 (versions: 1, 2, 3, 4)');
    await expect(setAlias(tmp.dir, 'nope', 'champion', 1)).rejects.toBeInstanceOf(NotFoundError);
    await writeFile(path.join(tmp.dir, 'demo', '3', 'warmup.json'), '[]');
    const err = await setAlias(tmp.dir, 'demo', 'champion', 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(errorMessage(err)).toMatch(/demo\/3\/warmup\.json: size mismatch/);
    await expect(setAlias(tmp.dir, 'demo', 'latest', 1)).rejects.toThrow(/alias "latest" is not allowed/);
    await expect(setAlias(tmp.dir, 'demo', '3', 1)).rejects.toThrow(/alias "3" is not allowed/);
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 1 });
  });

  it('rollback refuses a previous version that no longer verifies', async () => {
    await setAlias(tmp.dir, 'demo', 'champion', 1);
    await setAlias(tmp.dir, 'demo', 'champion', 2);
    await writeFile(path.join(tmp.dir, 'demo', '1', 'warmup.json'), '[{"userId":"x","k":1}]');
    await expect(rollbackAlias(tmp.dir, 'demo', 'champion')).rejects.toThrow(/demo\/1\/warmup\.json/);
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 2 });
  });

  it('removes an alias', async () => {
    await setAlias(tmp.dir, 'demo', 'challenger', 2);
    expect(await removeAlias(tmp.dir, 'demo', 'challenger')).toMatchObject({ previous: 2, version: null, changed: true });
    expect(await removeAlias(tmp.dir, 'demo', 'challenger')).toMatchObject({ changed: false });
    expect(await readAliases(tmp.dir, 'demo')).toEqual({});
  });

  it('refuses a malformed aliases.json naming the file', async () => {
    await writeFile(aliasesJson(), '{"formatVersion": 1, "aliases": {"champion": {"version": "x"}}}');
    await expect(readAliases(tmp.dir, 'demo')).rejects.toThrow(/aliases\.json: invalid aliases file: field "aliases\.champion\.version"/);
    await writeFile(aliasesJson(), '{');
    await expect(setAlias(tmp.dir, 'demo', 'champion', 1)).rejects.toThrow(/aliases\.json: malformed JSON/);
  });

  it('concurrent updates in one process lose nothing and leave valid JSON', async () => {
    const updates = [];
    for (let i = 0; i < 12; i++) updates.push(setAlias(tmp.dir, 'demo', `a${i}`, (i % 4) + 1));
    for (let v = 1; v <= 4; v++) updates.push(setAlias(tmp.dir, 'demo', 'champion', v));
    await Promise.all(updates);
    const file = aliasesFileSchema.parse(JSON.parse(await readFile(aliasesJson(), 'utf8')));
    for (let i = 0; i < 12; i++) expect(file.aliases[`a${i}`].version).toBe((i % 4) + 1);
    // Every champion change was recorded, in whatever order the lock granted them.
    const seen = [...file.aliases.champion.history.map((h) => h.version), file.aliases.champion.version];
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
  });

  it('concurrent updates from two processes lose nothing', async () => {
    const childVersions = Array.from({ length: 15 }, (_, i) => String((i % 4) + 1));
    const child = runChild(['set-aliases', tmp.dir, 'demo', 'challenger', ...childVersions]);
    let finished = false;
    void child.then(() => {
      finished = true;
    });
    // Keep updating until the child is done, so the two really overlap.
    let sets = 0;
    while (!finished) await setAlias(tmp.dir, 'demo', 'champion', (sets++ % 4) + 1);
    const { code, stderr } = await child;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const file = aliasesFileSchema.parse(JSON.parse(await readFile(aliasesJson(), 'utf8')));
    expect(file.aliases.challenger.version).toBe(3);
    expect(file.aliases.challenger.history).toHaveLength(14);
    expect(file.aliases.champion.version).toBe(((sets - 1) % 4) + 1);
    expect(file.aliases.champion.history).toHaveLength(Math.min(sets - 1, 20));
  });

  it('breaks a lock left by a dead process, and times out on a live holder', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const lock = path.join(tmp.dir, 'demo', '.lock');
    await writeFile(lock, JSON.stringify({ pid: dead, host: hostname(), id: 'old', at: new Date().toISOString() }));
    await setAlias(tmp.dir, 'demo', 'champion', 1);
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 1 });

    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), id: 'held', at: new Date().toISOString() }));
    const err = await setAlias(tmp.dir, 'demo', 'champion', 2, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect((err as RegistryError).code).toBe('registry_busy');
    expect(errorMessage(err)).toMatch(new RegExp(`\\.lock: still locked after 100 ms \\(held by pid ${process.pid}`));
    expect(await readAliases(tmp.dir, 'demo')).toEqual({ champion: 1 });
  });
});
