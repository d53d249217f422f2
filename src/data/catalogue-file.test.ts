import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseCatalogueMapping } from './catalogue-file.js';
import { loadEventFile } from './file.js';
import { parseColumnMapping } from './mapping.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function file(name: string, text: string): string {
  const p = path.join(root, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

const EVENTS =
  'user\titem\twhen\tstore\nu1\tA\t2024-01-01T00:00:00Z\tnorth\nu1\tB\t2024-01-02T00:00:00Z\tsouth\nu2\tZ\t2024-01-03T00:00:00Z\tnorth\n';
const MAP = parseColumnMapping('user=user,item=item,timestamp=when,defaultType=purchase');

describe('--items-map', () => {
  it('takes item, title, price, the built-in attributes and any number of attr columns', () => {
    expect(parseCatalogueMapping('item=id,title=name,price=p,category=cat,attr=genre,attr=decade')).toEqual({
      item: 'id',
      title: 'name',
      price: 'p',
      category: 'cat',
      attrs: ['genre', 'decade'],
    });
  });

  it('names what is wrong', () => {
    expect(() => parseCatalogueMapping('title=name')).toThrow(/missing "item=<column>"/);
    expect(() => parseCatalogueMapping('item=id,colour')).toThrow(/"colour" is not key=column/);
    expect(() => parseCatalogueMapping('item=id,size=s')).toThrow(/unknown key "size"/);
    expect(() => parseCatalogueMapping('item=id,attr=g,attr=g')).toThrow(/attr "g" is listed twice/);
    expect(() => parseCatalogueMapping('item=id,item=x')).toThrow(UsageError);
  });
});

describe('a catalogue file (--items)', () => {
  it('brings attributes in from CSV, counting rejected rows and items on either side only', async () => {
    const events = file('events.tsv', EVENTS);
    const items = file(
      'items.csv',
      'id,name,price,genre,decade,notes\nA,Alpha,10,rock,1970s,x\nB,Beta,,jazz,,y\nA,Again,5,pop,1980s,z\n,Nameless,1,rock,1990s,w\nC,Gamma,cheap,rock,1990s,v\nD,Delta,3,folk,1960s,u\n',
    );
    const ds = await loadEventFile(events, MAP, {
      items: { path: items, mapping: parseCatalogueMapping('item=id,title=name,price=price,attr=genre,attr=decade') },
    });
    expect(ds.items).toEqual([
      { itemId: 'A', title: 'Alpha', price: 10, attributes: { genre: 'rock', decade: '1970s' } },
      { itemId: 'B', title: 'Beta', attributes: { genre: 'jazz' } },
      { itemId: 'D', title: 'Delta', price: 3, attributes: { genre: 'folk', decade: '1960s' } },
      { itemId: 'Z', title: 'Z' },
    ]);
    const c = ds.report.catalogue;
    expect(c).toMatchObject({
      rowsRead: 6,
      rowsKept: 3,
      rejected: { missing_item: 1, duplicate_item: 1, bad_price: 1 },
      attributes: ['genre', 'decade'],
      itemsWithoutCatalogueRow: 1,
      itemsWithoutEvents: 1,
      ignoredColumns: ['notes'],
    });
    expect(c?.examples.map((x) => [x.reason, x.line])).toEqual([
      ['duplicate_item', 4],
      ['missing_item', 5],
      ['bad_price', 6],
    ]);
    expect(c?.examples.find((x) => x.reason === 'bad_price')?.detail).toMatch(/field "price": "cheap" is not a price/);
    expect(ds.report.warnings.join('\n')).toMatch(/catalogue: 1 item\(s\) with events have no catalogue row.*Z/);
    expect(ds.report.warnings.join('\n')).toMatch(/catalogue: columns not in --items-map, ignored: notes/);
    // The event file's extra column is reported too.
    expect(ds.report.ignoredColumns).toEqual(['store']);
    expect(ds.report.warnings.join('\n')).toMatch(/columns not in --map, ignored: store/);
  });

  it('reads JSON lines and TSV catalogues, and names a missing column', async () => {
    const events = file('events.tsv', EVENTS);
    const jsonl = file('items.jsonl', '{"sku":"A","genre":"rock"}\n{"sku":"B"}\n');
    const a = await loadEventFile(events, MAP, { items: { path: jsonl, mapping: parseCatalogueMapping('item=sku,attr=genre') } });
    expect(a.items.slice(0, 2)).toEqual([
      { itemId: 'A', title: 'A', attributes: { genre: 'rock' } },
      { itemId: 'B', title: 'B', attributes: {} },
    ]);
    const tsv = file('items.tsv', 'sku\tgenre\nA\trock\n');
    const b = await loadEventFile(events, MAP, { items: { path: tsv, mapping: parseCatalogueMapping('item=sku,category=genre') } });
    expect(b.items[0]).toEqual({ itemId: 'A', title: 'A', category: 'rock' });
    await expect(loadEventFile(events, MAP, { items: { path: tsv, mapping: parseCatalogueMapping('item=sku,attr=era') } })).rejects.toThrow(
      /missing column "era"; columns found: sku, genre/,
    );
  });
});
