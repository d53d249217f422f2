/**
 * The pipeline's run lock, so two runs on the same model never overlap: the project's one lock
 * file implementation (src/util/lockfile.ts), taken without waiting. A lock left by a process that
 * died is taken over, and two processes that both find it stale cannot both take it.
 */
import { WorkbenchError } from '../errors.js';
import { isFileLock, tryLockFile } from '../util/lockfile.js';

/** A held lock; release it in `finally`. */
export interface Lock {
  path: string;
  release(): Promise<void>;
}

/**
 * Takes the lock at `path` or throws a WorkbenchError ("locked") naming the holder.
 * @param what - what the lock protects, for the message (e.g. "pipeline for model demo").
 */
export async function acquireLock(path: string, what: string): Promise<Lock> {
  const result = await tryLockFile(path);
  if (isFileLock(result)) return { path, release: () => result.release() };
  const holder = result.holder;
  throw new WorkbenchError(
    'locked',
    holder
      ? `${what} is already running (pid ${holder.pid} on ${holder.host} since ${holder.at}; lock ${path})`
      : `${what}: could not take the lock ${path}`,
  );
}
