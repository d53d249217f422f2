/**
 * A cross-process lock file so two pipeline runs on the same model never overlap. The file is
 * created exclusively and holds the owner's pid; a lock left by a process that died is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { WorkbenchError } from '../errors.js';

/** A held lock; release it in `finally`. */
export interface Lock {
  path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock at `path` or throws a WorkbenchError ("locked") naming the holder.
 * @param what - what the lock protects, for the message (e.g. "pipeline for model demo").
 */
export function acquireLock(path: string, what: string): Lock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; since?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
      } catch {
        /* half-written lock: treat as stale below */
      }
      if (holder.pid && holder.pid !== process.pid && alive(holder.pid)) {
        throw new WorkbenchError('locked', `${what} is already running (pid ${holder.pid} since ${holder.since}; lock ${path})`);
      }
      try {
        unlinkSync(path); // stale: its owner died
      } catch {
        /* someone else removed it first */
      }
    }
  }
  throw new WorkbenchError('locked', `${what}: could not take the lock ${path}`);
}
