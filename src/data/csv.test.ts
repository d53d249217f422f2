import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type CsvOptions, CsvSplitter, readCsvFile } from './csv.js';

type Rec = { fields: string[]; line: number; problem?: string };

function split(chunks: string[], options?: CsvOptions): { records: Rec[]; blank: number } {
  const records: Rec[] = [];
  const s = new CsvSplitter((fields, line, problem) => records.push(problem ? { fields, line, problem } : { fields, line }), options);
  for (const c of chunks) s.push(c);
  s.end();
  return { records, blank: s.blankLines };
}

const SAMPLE = ['a,b,c', '1,"x, y",3', '2,"say ""hi""",', '', '3,"",plain', '4,"multi', 'line",5', 'last,no,newline'].join('\r\n');

describe('CsvSplitter', () => {
  it('splits RFC 4180 records with quotes, escaped quotes, empty fields, CRLF and quoted line breaks', () => {
    const { records, blank } = split([SAMPLE]);
    expect(records).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['1', 'x, y', '3'], line: 2 },
      { fields: ['2', 'say "hi"', ''], line: 3 },
      { fields: ['3', '', 'plain'], line: 5 },
      { fields: ['4', 'multi\r\nline', '5'], line: 6 },
      { fields: ['last', 'no', 'newline'], line: 8 },
    ]);
    expect(blank).toBe(1);
  });

  it('gives the same records whatever the chunk boundaries (every split point, and one char at a time)', () => {
    const whole = split([SAMPLE]).records;
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      expect(split([SAMPLE.slice(0, cut), SAMPLE.slice(cut)]).records).toEqual(whole);
    }
    expect(split([...SAMPLE]).records).toEqual(whole);
  });

  it('without multiline, a quote left open ends at the line break and is reported, keeping later lines intact', () => {
    const { records } = split(['a,"broken\nb,c\n'], { multiline: false });
    expect(records).toEqual([
      { fields: ['a', 'broken'], line: 1, problem: 'unterminated quote' },
      { fields: ['b', 'c'], line: 2 },
    ]);
  });

  it('reports a quote still open at the end of the input', () => {
    const { records } = split(['x,y\n1,"never closed']);
    expect(records[1]).toEqual({ fields: ['1', 'never closed'], line: 2, problem: 'unterminated quote' });
  });

  it('keeps a stray quote inside an unquoted field literally', () => {
    expect(split(['RECORD FRAME 7" SINGLE,2\n']).records[0].fields).toEqual(['RECORD FRAME 7" SINGLE', '2']);
  });
});

describe('readCsvFile', () => {
  it('reads plain and gzip files alike and hashes the bytes on disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'csv-'));
    const text = 'h1,h2\n1,"a,b"\n2,c\n';
    writeFileSync(path.join(dir, 'a.csv'), text);
    writeFileSync(path.join(dir, 'a.csv.gz'), gzipSync(text));
    const plain: string[][] = [];
    const gz: string[][] = [];
    const d1 = await readCsvFile(path.join(dir, 'a.csv'), (f) => plain.push(f));
    const d2 = await readCsvFile(path.join(dir, 'a.csv.gz'), (f) => gz.push(f));
    expect(plain).toEqual([
      ['h1', 'h2'],
      ['1', 'a,b'],
      ['2', 'c'],
    ]);
    expect(gz).toEqual(plain);
    expect(d1.sha256).not.toBe(d2.sha256);
    expect(d1.bytes).toBe(text.length);
  });
});
