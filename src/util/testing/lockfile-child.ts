/**
 * Test support (not product code): one contender in src/util/lockfile.test.ts's race
 * (`node --import tsx/esm src/util/testing/lockfile-child.ts <dir> <rounds> <startAtMs> <stepMs> <outFile>`).
 * Round r starts at startAt + r * stepMs in every contender; each tries to take `<dir>/lock-<r>`
 * (a stale lock the test left) and appends `r` to outFile when it got it. Locks are never released:
 * two lines for one round mean two holders at once.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { isFileLock, tryLockFile } from '../lockfile.js';

const [dir, rounds, startAt, stepMs, outFile] = process.argv.slice(2);
for (let r = 0; r < Number(rounds); r++) {
  const at = Number(startAt) + r * Number(stepMs);
  while (Date.now() < at) {
    // Busy-wait: every contender starts the round within a millisecond or so of the others.
  }
  if (isFileLock(await tryLockFile(path.join(dir, `lock-${r}`)))) appendFileSync(outFile, `${r} ${process.pid}\n`);
}
process.exit(0);
