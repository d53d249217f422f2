/**
 * The per-model lock (`models/<name>/.lock`) that serialises changes to aliases and retention
 * across processes and within one: the project's one lock file implementation
 * (src/util/lockfile.ts: atomic create, heartbeat, stale takeover that cannot be stolen), waited for.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isFileLock, type LockToken, tryLockFile } from '../util/lockfile.js';
import { LOCK_FILE } from './layout.js';
import { RegistryError } from './registry-error.js';

/** Options for `withModelLock`. */
export interface LockOptions {
  /** Give up after this long (default 30 s) with a `registry_busy` RegistryError. */
  timeoutMs?: number;
  /**
   * A lock not refreshed for this long is broken even if its holder cannot be checked (other host).
   * Holders refresh it every quarter of this. Default 60 s.
   */
  staleAfterMs?: number;
}

/**
 * Runs `fn` while holding the lock of the model directory `modelRoot` (which must exist). Waits
 * (polling, jittered) while another holder has it; breaks it when its holder died on this host or
 * it went unrefreshed for `staleAfterMs`. Releases it whatever `fn` does.
 */
export async function withModelLock<T>(modelRoot: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const file = path.join(modelRoot, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    const result = await tryLockFile(file, { staleAfterMs: opts.staleAfterMs });
    if (isFileLock(result)) {
      try {
        return await fn();
      } finally {
        await result.release();
      }
    }
    if (Date.now() > deadline) throw busy(file, timeoutMs, result.holder);
    // Jittered back-off: waiters in one process must not wake in lock-step.
    await sleep(wait + Math.floor(Math.random() * wait));
    wait = Math.min(wait * 2, 50);
  }
}

function busy(file: string, timeoutMs: number, holder: LockToken | undefined): RegistryError {
  return new RegistryError(
    'registry_busy',
    `still locked after ${timeoutMs} ms${holder ? ` (held by pid ${holder.pid} on ${holder.host} since ${holder.at})` : ''}`,
    file,
  );
}
