/**
 * One cross-process lock file for the whole project (the pipeline's run lock and the registry's
 * per-model lock). A lock is the file `path`, holding its owner's token `{pid, host, id, at}`.
 *
 * - Taking it is atomic and never leaves a half-written lock: the token is written to a private
 *   temp file, then hard-linked to `path` (link fails if `path` exists).
 * - While held, its mtime is refreshed every `staleAfterMs / 4` (a heartbeat), so a holder that
 *   runs for hours is never taken for dead, and a lock left on another host goes stale by age.
 * - A lock is stale when its holder is a dead process on this host, or its mtime is older than
 *   `staleAfterMs`. Breaking a stale lock is serialised by a second exclusive file
 *   (`path.takeover`): under it, the breaker re-reads the lock and removes it only if it still
 *   holds the very token judged stale. So two processes that both see a stale lock cannot both
 *   end up holding it (the old pipeline lock could be stolen that way). A takeover file older than
 *   `TAKEOVER_STALE_MS` (its holder died mid-takeover) is removed.
 * - Release runs under the takeover file too, and removes the lock only if it is still ours.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';

/** What a lock file holds. */
export interface LockToken {
  pid: number;
  host: string;
  /** Unique per acquisition. */
  id: string;
  /** When it was taken (ISO). */
  at: string;
}

/** Options of tryLockFile. */
export interface LockFileOptions {
  /** A lock whose mtime is older than this is stale whoever holds it (default 60 s; heartbeat every quarter). */
  staleAfterMs?: number;
}

/** A held lock. */
export interface FileLock {
  readonly path: string;
  readonly token: LockToken;
  /** Removes the lock if it is still ours (idempotent). */
  release(): Promise<void>;
}

/** The lock is held by someone else (`holder` undefined when its content is unreadable). */
export interface LockHeld {
  held: true;
  holder?: LockToken;
}

/** A takeover file older than this belongs to a process that died mid-takeover (the step takes microseconds). */
export const TAKEOVER_STALE_MS = 10_000;
const DEFAULT_STALE_MS = 60_000;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether `pid` is a live process on this host. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

async function readToken(file: string): Promise<LockToken | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<LockToken>;
    // Older lock files (pipeline: {pid, since}) have no id or host: this host, id from the pid.
    if (typeof value.pid !== 'number') return undefined;
    return { pid: value.pid, host: value.host ?? hostname(), id: value.id ?? `pid-${value.pid}`, at: value.at ?? '' };
  } catch {
    return undefined;
  }
}

/** Creates `file` exclusively with `content` (complete from the first moment it exists). */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Runs `fn` holding `path.takeover`; undefined when another process is taking over right now. */
async function underTakeover<T>(file: string, fn: () => Promise<T>): Promise<T | undefined> {
  const takeover = `${file}.takeover`;
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(takeover, 'wx');
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    const age = await stat(takeover).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_STALE_MS) await unlink(takeover).catch(() => undefined);
    return undefined;
  }
  await fh.close();
  try {
    return await fn();
  } finally {
    await unlink(takeover).catch(() => undefined);
  }
}

function isStale(token: LockToken | undefined, ageMs: number, staleAfterMs: number): boolean {
  if (ageMs > staleAfterMs) return true;
  // Unreadable content cannot come from this module (link makes it whole); a second's grace for foreign writers.
  if (!token) return ageMs > 1000;
  return token.host === hostname() && !pidAlive(token.pid);
}

/**
 * Takes the lock at `path` if it is free or stale; otherwise reports who holds it. Never waits.
 * The caller retries (registry) or gives up (pipeline).
 */
export async function tryLockFile(path: string, options: LockFileOptions = {}): Promise<FileLock | LockHeld> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_MS;
  const token: LockToken = { pid: process.pid, host: hostname(), id: randomBytes(8).toString('hex'), at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, JSON.stringify(token))) return held(path, token, staleAfterMs);
    const judged = await readToken(path);
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => -1,
    );
    if (age < 0) continue; // released meanwhile: try again
    if (!isStale(judged, age, staleAfterMs)) return { held: true, holder: judged };
    const broke = await underTakeover(path, async () => {
      // Re-read under the takeover file: remove only the very lock judged stale.
      const now = await readToken(path);
      if (now?.id !== judged?.id) return false;
      await unlink(path).catch(() => undefined);
      return true;
    });
    if (broke === undefined) return { held: true, holder: judged }; // someone else is taking over
  }
  return { held: true, holder: await readToken(path) };
}

function held(path: string, token: LockToken, staleAfterMs: number): FileLock {
  const beat = setInterval(
    () => {
      const now = new Date();
      void utimes(path, now, now).catch(() => undefined);
    },
    Math.max(50, Math.floor(staleAfterMs / 4)),
  );
  beat.unref();
  let released: Promise<void> | undefined;
  return {
    path,
    token,
    release() {
      released ??= (async () => {
        clearInterval(beat);
        for (let i = 0; i < 200; i++) {
          const done = await underTakeover(path, async () => {
            if ((await readToken(path))?.id === token.id) await unlink(path).catch(() => undefined);
            return true;
          });
          if (done) return;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      return released;
    },
  };
}

/** Whether a tryLockFile result is a held lock of ours. */
export function isFileLock(result: FileLock | LockHeld): result is FileLock {
  return !('held' in result);
}
