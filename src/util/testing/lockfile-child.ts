/**
 * Test support (not product code): one contender in src/util/lockfile.test.ts's race
 * (`node --import tsx/esm src/util/testing/lockfile-child.ts <dir> <rounds> <startAtMs> <stepMs> <outFile> <contenders>`).
 * Round r starts at startAt + r * stepMs in every contender; each tries to take `<dir>/lock-<r>`
 * (a stale lock the test left) and appends `r` to outFile when it got it. Locks are never released:
 * two lines for one round mean two holders at once. A contender stays alive until every contender
 * has finished its rounds: one that exited would leave its locks held by a dead pid, which the
 * slower ones would rightly take over.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isFileLock, tryLockFile } from '../lockfile.js';

const [dir, rounds, startAt, stepMs, outFile, contenders] = process.argv.slice(2);
for (let r = 0; r < Number(rounds); r++) {
  const at = Number(startAt) + r * Number(stepMs);
  while (Date.now() < at) {
    // Busy-wait: every contender starts the round within a millisecond or so of the others.
  }
  if (isFileLock(await tryLockFile(path.join(dir, `lock-${r}`)))) appendFileSync(outFile, `${r} ${process.pid}\n`);
}
const doneFile = path.join(dir, 'done.txt');
appendFileSync(doneFile, `${process.pid}\n`);
const deadline = Date.now() + 30_000;
while (readFileSync(doneFile, 'utf8').split('\n').filter(Boolean).length < Number(contenders) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.exit(0);
