import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from './lock.js';

describe('acquireLock', () => {
  it('refuses a second holder while the first is alive, and frees on release', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lock-')), 'run.lock');
    const a = acquireLock(file, 'pipeline');
    // Simulate another live process holding it: our parent's pid is alive.
    writeFileSync(file, JSON.stringify({ pid: process.ppid, since: 'then' }));
    expect(() => acquireLock(file, 'pipeline for demo')).toThrow(/pipeline for demo is already running \(pid/);
    a.release();
    expect(existsSync(file)).toBe(false);
    acquireLock(file, 'pipeline').release();
  });

  it('takes over a lock whose owner died', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lock-')), 'run.lock');
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, since: 'long ago' }));
    const l = acquireLock(file, 'pipeline');
    expect(existsSync(file)).toBe(true);
    l.release();
  });
});
