/**
 * Durable file-system primitives the registry is built on: write + fsync, fsync a directory so a
 * rename survives a crash, atomic replace (temp file + fsync + rename), sha256 of bytes and files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Hex sha256 of a byte string. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hex sha256 and size of a file, streamed (weights can be large). */
export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    bytes += buf.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A short random token for unique temporary names (not for anything that must repeat). */
export function randomToken(): string {
  return randomBytes(6).toString('hex');
}

/** Writes a file and fsyncs it before resolving (creating parent folders as needed). */
export async function writeFileDurable(file: string, data: Uint8Array | string, flag: 'w' | 'wx' = 'w'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const fh = await open(file, flag);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Fsyncs a directory, so entries created, renamed or removed in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` atomically: readers see the old content or the new, never a mix. The temp file
 * is a dot-file named after the process so a crashed writer's leftovers are recognisable.
 */
export async function atomicWriteFile(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomToken()}.tmp`);
  try {
    await writeFileDurable(tmp, data, 'wx');
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

/** Whether a pid is a live process on this host (one definition: src/util/lockfile.ts). */
export { pidAlive } from '../util/lockfile.js';

/** The errno code of an error, if any. */
export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
