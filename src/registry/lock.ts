/**
 * A per-model lock file (`models/<name>/.lock`, created with O_EXCL) that serialises changes to
 * aliases and retention across processes and within one. A lock whose holder died on this host is
 * broken; see `withModelLock` for the rules.
 */

import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from './errors.js';
import { errnoCode, pidAlive, randomToken } from './fsutil.js';
import { LOCK_FILE } from './layout.js';

interface LockToken {
  pid: number;
  host: string;
  id: string;
  at: string;
}

/** Options for `withModelLock`. */
export interface LockOptions {
  /** Give up after this long (default 30 s) with a `registry_busy` RegistryError. */
  timeoutMs?: number;
  /** A lock older than this is broken even if its holder cannot be checked (other host). Default 10 min. */
  staleAfterMs?: number;
}

async function readToken(file: string): Promise<LockToken | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockToken;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock is stale: its holder is a dead process on this host, or it is older than
 * `staleAfterMs`. Returns the token judged stale (possibly unreadable: `{}`), or undefined.
 */
async function staleToken(file: string, staleAfterMs: number): Promise<{ token?: LockToken } | undefined> {
  let age: number;
  try {
    age = Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return undefined; // gone already: the next attempt will take it
  }
  const token = await readToken(file);
  if (age > staleAfterMs) return { token };
  // Unreadable content: the holder may be between create and write; only age makes it stale.
  if (!token) return age > 10_000 ? {} : undefined;
  return token.host === hostname() && !pidAlive(token.pid) ? { token } : undefined;
}

/**
 * Breaks a stale lock. Renaming it aside is atomic, so of several breakers only one wins; if what
 * it moved is not the lock it judged stale (a fresh one taken in between), it is linked back,
 * which fails harmlessly if yet another lock appeared meanwhile.
 */
async function breakLock(file: string, judged: LockToken | undefined): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomToken()}`;
  try {
    await rename(file, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  const moved = await readToken(aside);
  if (moved?.id !== judged?.id) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/**
 * Runs `fn` while holding the lock of the model directory `modelRoot` (which must exist). Waits
 * (polling) while another holder has it; breaks it when its holder died on this host or it is
 * older than `staleAfterMs`. Releases it whatever `fn` does.
 */
export async function withModelLock<T>(modelRoot: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleAfterMs = opts.staleAfterMs ?? 10 * 60_000;
  const file = path.join(modelRoot, LOCK_FILE);
  const token: LockToken = { pid: process.pid, host: hostname(), id: randomToken(), at: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(JSON.stringify(token));
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const stale = await staleToken(file, staleAfterMs);
    if (stale) {
      await breakLock(file, stale.token);
      continue;
    }
    if (Date.now() > deadline) {
      const holder = await readToken(file);
      throw new RegistryError(
        'registry_busy',
        `still locked after ${timeoutMs} ms${holder ? ` (held by pid ${holder.pid} on ${holder.host} since ${holder.at})` : ''}`,
        file,
      );
    }
    // Jittered back-off: waiters in one process must not wake in lock-step.
    await sleep(wait + Math.floor(Math.random() * wait));
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await fn();
  } finally {
    const current = await readToken(file);
    if (current?.id === token.id) await unlink(file).catch(() => undefined);
  }
}
