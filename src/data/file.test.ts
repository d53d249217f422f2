import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { Duck, sqlString } from './duckdb.js';
import { type ColumnMapping, formatOf, loadEventFile } from './file.js';
import { parseColumnMapping } from './mapping.js';

const T = Date.UTC(2024, 2, 1, 12, 0, 0);
const MAP: ColumnMapping = { user: 'uid', item: 'sku', timestamp: 'when', type: 'kind', weight: 'w', session: 'sess' };

function dir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'evfile-'));
}

const CSV = [
  'uid,sku,when,kind,w,sess',
  `alice,A1,2024-03-01T12:00:00Z,purchase,2,s1`, // 2 kept (ISO, UTC)
  `bob,"B,2",${T / 1000 + 60},View,,s2`, // 3 kept (epoch seconds, quoted id, type in any case)
  `carol,C3,${T + 120_000},cart,1.5,`, // 4 kept (epoch ms)
  `,A1,${T},view,,s3`, // 5 missing_user
  `dave,,${T},view,,s3`, // 6 missing_item
  `erin,A1,,view,,s3`, // 7 missing_timestamp
  `erin,A1,last tuesday,view,,s3`, // 8 bad_timestamp
  `frank,A1,${T},like,,s3`, // 9 unknown_type
  `gina,A1,${T},,,s3`, // 10 missing_type
  `hank,A1,${T},view,heavy,s3`, // 11 bad_weight
  `ivan,A1,${T}`, // 12 malformed_line
  `judy,A1,2024-03-01T13:00:00+01:00,view,,s4`, // 13 kept (ISO with offset = T)
].join('\n');

describe('loadEventFile', () => {
  it('loads a CSV with a mapping, counting every rejected row with its line and field', async () => {
    const file = path.join(dir(), 'events.csv');
    writeFileSync(file, `${CSV}\n`);
    const ds = await loadEventFile(file, MAP);
    expect(ds.report.rowsRead).toBe(12);
    expect(ds.report.rowsKept).toBe(4);
    expect(ds.report.rejected).toEqual({
      malformed_line: 1,
      missing_user: 1,
      missing_item: 1,
      missing_timestamp: 1,
      bad_timestamp: 1,
      missing_type: 1,
      unknown_type: 1,
      bad_weight: 1,
    });
    const ex = Object.fromEntries(ds.report.examples.map((x) => [x.reason, `${x.line}: ${x.detail}`]));
    expect(ex).toMatchObject({
      malformed_line: '12: expected 6 fields, found 3',
      missing_user: '5: field "uid" is ""',
      bad_timestamp: '8: field "when": "last tuesday" is not an ISO date-time, epoch seconds or epoch ms',
      unknown_type: '9: field "kind": "like" is not one of view, wishlist, cart, purchase, impression, click',
      bad_weight: '11: field "w": "heavy" is not a number',
    });
    expect(ds.report.warnings.join('\n')).toContain('"like" (1)');
    expect(ds.events).toEqual([
      { userId: 'alice', itemId: 'A1', ts: T, type: 'purchase', weight: 2, sessionId: 's1' },
      { userId: 'judy', itemId: 'A1', ts: T, type: 'view', sessionId: 's4' },
      { userId: 'bob', itemId: 'B,2', ts: T + 60_000, type: 'view', sessionId: 's2' },
      { userId: 'carol', itemId: 'C3', ts: T + 120_000, type: 'cart', weight: 1.5 },
    ]);
    expect(ds.items).toEqual([
      { itemId: 'A1', title: 'A1' },
      { itemId: 'B,2', title: 'B,2' },
      { itemId: 'C3', title: 'C3' },
    ]);
    expect(ds.report.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('loads JSONL (gzip too), counting torn and non-object lines', async () => {
    const d = dir();
    const lines = [
      JSON.stringify({ uid: 'alice', sku: 'A1', when: '2024-03-01T12:00:00Z', kind: 'click', sess: 's1' }),
      JSON.stringify({ uid: 42, sku: 'B2', when: T, kind: 'purchase', w: 3 }),
      '[1, 2]',
      JSON.stringify({ uid: 'carol', sku: 'C3', when: T, kind: 'teleport' }),
      '{"uid": "dave", "sku": "D4", "wh',
    ];
    writeFileSync(path.join(d, 'a.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(path.join(d, 'a.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`));
    for (const name of ['a.jsonl', 'a.jsonl.gz']) {
      const ds = await loadEventFile(path.join(d, name), MAP);
      expect(ds.report).toMatchObject({ rowsRead: 5, rowsKept: 2, rejected: { malformed_line: 2, unknown_type: 1 } });
      expect(ds.report.examples.filter((x) => x.reason === 'malformed_line').map((x) => x.line)).toEqual([3, 5]);
      expect(ds.events).toEqual([
        { userId: 'alice', itemId: 'A1', ts: T, type: 'click', sessionId: 's1' },
        { userId: '42', itemId: 'B2', ts: T, type: 'purchase', weight: 3 },
      ]);
    }
  });

  it('loads a Parquet file (native timestamps and epoch columns) written by DuckDB', async () => {
    const file = path.join(dir(), 'events.parquet');
    const duck = await Duck.open();
    try {
      await duck.run(`copy (select * from (values
          ('alice', 'A1', timestamp '2024-03-01 12:00:00', 'purchase', ${T}::bigint),
          ('bob', 'B2', timestamp '2024-03-01 12:01:00', 'view', ${T + 60_000}::bigint),
          ('carol', 'C3', null, 'view', null)
        ) t(uid, sku, seen_at, kind, epoch_ms)) to ${sqlString(file)} (format parquet)`);
    } finally {
      duck.close();
    }
    const byTimestamp = await loadEventFile(file, { user: 'uid', item: 'sku', timestamp: 'seen_at', type: 'kind' });
    expect(byTimestamp.events).toEqual([
      { userId: 'alice', itemId: 'A1', ts: T, type: 'purchase' },
      { userId: 'bob', itemId: 'B2', ts: T + 60_000, type: 'view' },
    ]);
    expect(byTimestamp.report).toMatchObject({ rowsRead: 3, rowsKept: 2, rejected: { missing_timestamp: 1 } });
    expect(byTimestamp.report.examples[0]).toMatchObject({ line: 3, detail: expect.stringContaining('row 3') });
    const byEpoch = await loadEventFile(file, { user: 'uid', item: 'sku', timestamp: 'epoch_ms', defaultType: 'purchase' });
    expect(byEpoch.events.map((e) => [e.ts, e.type])).toEqual([
      [T, 'purchase'],
      [T + 60_000, 'purchase'],
    ]);
  });

  it('reads a glob of partitions and names the file in examples', async () => {
    const d = dir();
    for (const [day, body] of [
      ['2024-03-01', `${JSON.stringify({ uid: 'a', sku: 'x', when: T, kind: 'view' })}\n`],
      ['2024-03-02', `${JSON.stringify({ uid: 'b', sku: 'y', when: T + 86_400_000, kind: 'view' })}\nnot json\n`],
    ]) {
      mkdirSync(path.join(d, `date=${day}`));
      writeFileSync(path.join(d, `date=${day}`, 'part-0.jsonl'), body);
    }
    const ds = await loadEventFile(path.join(d, 'date=*', '*.jsonl'), { user: 'uid', item: 'sku', timestamp: 'when', type: 'kind' });
    expect(ds.events.map((e) => e.userId)).toEqual(['a', 'b']);
    expect(ds.report.rejected).toEqual({ malformed_line: 1 });
    expect(ds.report.examples[0]).toMatchObject({ line: 2, detail: expect.stringMatching(/^part-0\.jsonl: invalid JSON/) });
    expect(ds.report.warnings).toContain('2 files read');
  });

  it('names a missing mapped column and the columns found, in every format', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'a.csv'), 'uid,sku,time\nu,i,1\n');
    writeFileSync(path.join(d, 'a.jsonl'), '{"uid":"u","sku":"i","time":1}\n');
    const mapping = { user: 'uid', item: 'sku', timestamp: 'when' };
    for (const name of ['a.csv', 'a.jsonl']) {
      const err = await loadEventFile(path.join(d, name), mapping).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toMatch(/missing column "when"; columns found: uid, sku, time/);
      expect((err as DataError).field).toBe('when');
    }
    // JSON lines may omit an optional key, but a mapped key that no line has is a mistake.
    const typo = await loadEventFile(path.join(d, 'a.jsonl'), { user: 'uid', item: 'sku', timestamp: 'time', session: 'sesion' }).catch(
      (e: unknown) => e,
    );
    expect((typo as DataError).message).toMatch(/missing column "sesion"; columns found: uid, sku, time/);
  });

  it('gives one-line DataErrors for a wrong path, no match, an empty file and an unknown extension', async () => {
    const d = dir();
    const missing = path.join(d, 'nope.csv');
    await expect(loadEventFile(missing, MAP)).rejects.toThrow(`file not found: ${missing}`);
    await expect(loadEventFile(path.join(d, '*.jsonl'), MAP)).rejects.toThrow(/file not found: .*no file matches/);
    writeFileSync(path.join(d, 'empty.csv'), '');
    await expect(loadEventFile(path.join(d, 'empty.csv'), MAP)).rejects.toThrow(/empty file/);
    writeFileSync(path.join(d, 'x.xlsx'), 'x');
    await expect(loadEventFile(path.join(d, 'x.xlsx'), MAP)).rejects.toThrow(/unsupported file type/);
  });

  it('knows formats by extension', () => {
    expect(['a.csv', 'a.CSV.gz', 'a.jsonl', 'b.ndjson.gz', 'c.parquet', 'd.txt'].map(formatOf)).toEqual([
      'csv',
      'csv',
      'jsonl',
      'jsonl',
      'parquet',
      undefined,
    ]);
  });
});

describe('parseColumnMapping', () => {
  it('parses --map values and refuses incomplete or unknown keys', () => {
    expect(parseColumnMapping('user=uid,item=sku,timestamp=when,type=kind')).toEqual({
      user: 'uid',
      item: 'sku',
      timestamp: 'when',
      type: 'kind',
    });
    expect(() => parseColumnMapping('user=uid,item=sku')).toThrow(/missing "timestamp=<column>"/);
    expect(() => parseColumnMapping('user=uid,item=sku,timestamp=t,colour=c')).toThrow(/unknown key "colour"/);
    expect(() => parseColumnMapping('user=uid,item=sku,timestamp=t,defaultType=buy')).toThrow(/defaultType "buy"/);
  });
});

describe('delimiters, extra columns and relevance', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'evfile-delim-'));
  const TSV = 'uid\tsku\twhen\tgenre\nalice\tA1\t2024-03-01T12:00:00Z\trock\nbob\tB2\t2024-03-02T12:00:00Z\tjazz\n';
  const mapping = parseColumnMapping('user=uid,item=sku,timestamp=when,defaultType=purchase');

  it('reads .tsv files as tab-separated, and other delimiters when told', async () => {
    const tsv = path.join(tmp, 'log.tsv');
    writeFileSync(tsv, TSV);
    expect((await loadEventFile(tsv, mapping)).events.map((e) => e.itemId)).toEqual(['A1', 'B2']);
    const semi = path.join(tmp, 'log.csv');
    writeFileSync(semi, TSV.replaceAll('\t', ';'));
    expect((await loadEventFile(semi, mapping, { delimiter: ';' })).events.map((e) => e.userId)).toEqual(['alice', 'bob']);
  });

  it('says when a .csv is really tab-separated', async () => {
    const csv = path.join(tmp, 'tabbed.csv');
    writeFileSync(csv, TSV);
    await expect(loadEventFile(csv, mapping)).rejects.toThrow(/missing column "uid".*the header looks tab-separated: pass --delimiter tab/);
    expect((await loadEventFile(csv, mapping, { delimiter: 'tab' })).events).toHaveLength(2);
  });

  it('lists the columns it did not read, and warns when no event counts as relevant', async () => {
    const tsv = path.join(tmp, 'views.tsv');
    writeFileSync(tsv, TSV);
    const ds = await loadEventFile(tsv, parseColumnMapping('user=uid,item=sku,timestamp=when'));
    expect(ds.report.ignoredColumns).toEqual(['genre']);
    expect(ds.report.eventTypes).toEqual({ view: 2 });
    expect(ds.report.warnings.join('\n')).toMatch(
      /no event counts as relevant: .* purchase events, and this log has view 2.*type=COL.*defaultType=purchase/,
    );
  });

  it('afterwards removes its folder', () => {
    rmSync(tmp, { recursive: true, force: true });
  });
});
