import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.js';
import { isFileLock, tryLockFile } from './lockfile.js';

/** Above Linux's largest pid (2^22): never a live process. */
const DEAD_PID = 2 ** 22 + 12_345;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lockfile-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const staleLock = (file: string) =>
  writeFileSync(file, JSON.stringify({ pid: DEAD_PID, host: hostname(), id: 'dead', at: '2020-01-01T00:00:00.000Z' }));

function contender(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', path.join('src', 'util', 'testing', 'lockfile-child.ts'), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('tryLockFile', () => {
  it('takes a free lock, reports a live holder, and frees on release', async () => {
    const file = path.join(tempDir(), 'run.lock');
    const a = await tryLockFile(file);
    expect(isFileLock(a)).toBe(true);
    const b = await tryLockFile(file);
    expect(b).toMatchObject({ held: true, holder: { pid: process.pid, host: hostname() } });
    if (isFileLock(a)) await a.release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock whose holder died, or that went unrefreshed past staleAfterMs', async () => {
    const file = path.join(tempDir(), 'run.lock');
    staleLock(file);
    const a = await tryLockFile(file);
    expect(isFileLock(a)).toBe(true);
    if (isFileLock(a)) await a.release();
    // A live holder on another host: stale only by age.
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere', id: 'x', at: 'then' }));
    expect(isFileLock(await tryLockFile(file))).toBe(false);
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    expect(isFileLock(await tryLockFile(file, { staleAfterMs: 60_000 }))).toBe(true);
  });

  it('gives a stale lock to exactly one of several processes racing for it', async () => {
    const dir = tempDir();
    const rounds = 40;
    for (let r = 0; r < rounds; r++) staleLock(path.join(dir, `lock-${r}`));
    const out = path.join(dir, 'acquired.txt');
    writeFileSync(out, '');
    // Far enough ahead for every child to have started (tsx compiles on start).
    const startAt = Date.now() + 8000;
    const contenders = 3;
    const codes = await Promise.all(
      Array.from({ length: contenders }, () => contender([dir, String(rounds), String(startAt), '25', out, String(contenders)])),
    );
    expect(codes).toEqual([0, 0, 0]);
    const perRound = new Map<string, number>();
    for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
      const r = line.split(' ')[0];
      perRound.set(r, (perRound.get(r) ?? 0) + 1);
    }
    const doubles = [...perRound].filter(([, n]) => n > 1).map(([r]) => r);
    expect(doubles).toEqual([]);
    expect(perRound.size).toBe(rounds);
  }, 60_000);
});
