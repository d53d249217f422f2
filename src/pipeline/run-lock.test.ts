import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from './run-lock.js';

const dirs: string[] = [];
const lockFile = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lock-'));
  dirs.push(dir);
  return path.join(dir, 'run.lock');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('acquireLock', () => {
  it('refuses a second holder while the first is alive, and frees on release', async () => {
    const file = lockFile();
    const a = await acquireLock(file, 'pipeline');
    await expect(acquireLock(file, 'pipeline for demo')).rejects.toThrow(/pipeline for demo is already running \(pid \d+ on /);
    await a.release();
    expect(existsSync(file)).toBe(false);
    await (await acquireLock(file, 'pipeline')).release();
  });

  it('takes over a lock whose owner died (also in the old {pid, since} format)', async () => {
    const file = lockFile();
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, since: 'long ago' }));
    const l = await acquireLock(file, 'pipeline');
    expect(existsSync(file)).toBe(true);
    await l.release();
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), id: 'x', at: 'then' }));
    await (await acquireLock(file, 'pipeline')).release();
  });
});
