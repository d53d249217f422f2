import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchedLines, jsonLogger } from './logger.js';

describe('batchedLines', () => {
  it('writes the lines of one event-loop turn in one write, in order, and nothing before the turn ends', async () => {
    const writes: string[] = [];
    const logger = jsonLogger(batchedLines((chunk) => writes.push(chunk)));
    for (let i = 0; i < 5; i++) logger.info('request', { i });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(writes[0].split('\n').map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    logger.info('later', { i: 5 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  });

  it('writes at once when maxBytes wait, and on flush()', () => {
    const writes: string[] = [];
    const lines = batchedLines((chunk) => writes.push(chunk), { maxBytes: 10 });
    lines('12345');
    expect(writes).toEqual([]);
    lines('67890');
    expect(writes).toEqual(['12345\n67890']);
    lines('x');
    lines.flush();
    expect(writes).toEqual(['12345\n67890', 'x']);
  });

  it('writes what is queued when the process exits, before the next turn', () => {
    const code = `
      import { batchedLines } from './serve/logger.ts';
      const lines = batchedLines((chunk) => process.stdout.write(chunk + '\\n'));
      lines('first'); lines('second');
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.stdout).toBe('first\nsecond\n');
  });
});
