import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlineRetailPath } from '../../paths.js';
import { main } from '../main.js';
import { type RecordingIO, recordingIO } from '../testing/recording-io.js';

function capture(cwd = process.cwd()): RecordingIO {
  return recordingIO(cwd, {});
}

function logFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-data-'));
  writeFileSync(
    path.join(dir, 'log.csv'),
    ['who,what,when,kind', 'u1,i1,2024-05-01T10:00:00Z,view', 'u1,i2,2024-05-01T10:05:00Z,purchase', 'u2,i1,1714600000,like', 'u3,i3'].join(
      '\n',
    ),
  );
  return dir;
}

describe('workbench data stats', () => {
  it('prints the load report and figures as JSON (relative --path resolved against the working directory)', async () => {
    const io = capture(logFile());
    const code = await main(
      ['data', 'stats', '--source', 'file', '--path', 'log.csv', '--map', 'user=who,item=what,timestamp=when,type=kind', '--json'],
      io,
    );
    expect(code).toBe(0);
    const out = JSON.parse(io.stdout.join('\n'));
    expect(out.report).toMatchObject({ source: 'file', rowsRead: 4, rowsKept: 2, rejected: { malformed_line: 1, unknown_type: 1 } });
    expect(out.stats).toMatchObject({ events: 2, users: 1, items: 2, eventsByType: { view: 1, purchase: 1 } });
    expect(io.stderr).toEqual([]);
  });

  it('prints a readable summary by default', async () => {
    const io = capture(logFile());
    expect(
      await main(['data', 'stats', '--source', 'file', '--path', 'log.csv', '--map', 'user=who,item=what,timestamp=when,type=kind'], io),
    ).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/rows read\s+4/);
    expect(text).toMatch(/unknown_type\s+1/);
    expect(text).toMatch(/line 5 \[malformed_line\] expected 4 fields, found 2/);
    expect(text).toMatch(/time range\s+2024-05-01T10:00:00.000Z/);
  });

  it('summarises the synthetic store by default', async () => {
    const io = capture();
    expect(await main(['data', 'stats', '--seed', '7', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('\n'));
    expect(out.report.params.seed).toBe(7);
    expect(out.stats.eventsByType.purchase).toBeGreaterThan(0);
  });

  it('exits 2 on bad usage and 1 with a one-line message on bad data', async () => {
    for (const argv of [
      ['data'],
      ['data', 'show'],
      ['data', 'stats', '--source', 'excel'],
      ['data', 'stats', '--source', 'file', '--map', 'user=a,item=b,timestamp=c'],
      ['data', 'stats', '--source', 'file', '--path', 'x.csv'],
      ['data', 'stats', '--source', 'file', '--path', 'x.csv', '--map', 'user=a'],
      ['data', 'stats', '--bogus'],
      ['data', 'stats', '--seed', 'abc'],
    ]) {
      const io = capture();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(/^workbench: /);
    }
    const io = capture(mkdtempSync(path.join(os.tmpdir(), 'cli-data-')));
    const code = await main(['data', 'stats', '--source', 'online-retail', '--path', 'missing.csv.gz'], io);
    expect(code).toBe(1);
    expect(io.stderr.at(-1)).toBe(`workbench: file not found: ${path.join(io.cwd, 'missing.csv.gz')}`);
  });

  const real = onlineRetailPath();
  it.skipIf(!existsSync(real))(
    `reports 541,909 rows read for the real Online Retail file${existsSync(real) ? '' : ' (SKIPPED: file absent)'}`,
    async () => {
      const io = capture();
      expect(await main(['data', 'stats', '--source', 'online-retail', '--json'], io)).toBe(0);
      const { report } = JSON.parse(io.stdout.join('\n'));
      expect(report.rowsRead).toBe(541_909);
      expect(report.rowsKept + Object.values(report.rejected as Record<string, number>).reduce((s, n) => s + n, 0)).toBe(541_909);
    },
  );
});
