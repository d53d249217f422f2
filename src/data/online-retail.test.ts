import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { onlineRetailPath } from '../paths.js';
import { loadOnlineRetail, ONLINE_RETAIL_REJECTIONS } from './online-retail.js';
import { categoryOf, colourOf } from './retail-attributes.js';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
/** One line per dirt kind; the comment says what the loader must do with it (line numbers from 2). */
const LINES = [
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom', // 2 kept
  '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom', // 3 kept
  '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom', // 4 missing_customer
  'C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-01 09:41:00,2.55,14527.0,United Kingdom', // 5 cancellation
  '536400,22139,RETROSPOT TEA SET CERAMIC 11 PC,-5,2010-12-01 10:00:00,4.25,14527.0,United Kingdom', // 6 non_positive_quantity
  '536401,22139,RETROSPOT TEA SET CERAMIC 11 PC,1,2010-12-01 10:00:00,0,14527.0,United Kingdom', // 7 non_positive_price
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom', // 8 duplicate of 2
  '536402,POST,POSTAGE,3,2010-12-01 10:05:00,18,12583.0,France', // 9 non_product
  '536403,BANK CHARGES,Bank Charges,1,2010-12-01 10:06:00,15,12583.0,France', // 10 non_product
  '536404,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2010-12-01 10:07:00,17.02,12583.0,United Kingdom', // 11 non_product
  '536405,85123a,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-02 09:00:00,2.95,13047.0,United Kingdom', // 12 kept, code upper-cased
  '536406,84029E,,4,2010-12-02 09:10:00,3.75,13047.0,United Kingdom', // 13 kept, description filled
  '536407,84029E,RED WOOLLY HOTTIE WHITE HEART.,2,2010-12-02 09:20:00,4.25,13047.0,United Kingdom', // 14 kept
  '536408,90999X,,1,2010-12-02 09:30:00,1.00,13047.0,United Kingdom', // 15 kept, no description anywhere
  '536409,22752,SET 7 BABUSHKA NESTING BOXES,2,2010-12', // 16 malformed_line (truncated)
  '536410,22752,"SET 7 BABUSHKA', // 17 malformed_line (truncated inside a quote)
  '536411,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,2010-13-01 08:26:00,4.25,17850.0,United Kingdom', // 18 bad_date
  '536412,21730,GLASS STAR FROSTED T-LIGHT HOLDER,six,2010-12-01 08:26:00,4.25,17850.0,United Kingdom', // 19 bad_quantity
  '536413,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,2010-12-01 08:26:00,4.25GBP,17850.0,United Kingdom', // 20 bad_price
  '536414,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,2010-12-01 08:26:00,4.25,ABC,United Kingdom', // 21 bad_customer
  `536415,22086,"PAPER CHAIN KIT 50'S CHRISTMAS ",80,2010-12-01 08:26:00,2.55,13047.0,"United Kingdom"`, // 22 kept (quoted)
  '536416,22086,X,1,2010-12-01 08:26:00,2.55,13047.0,United Kingdom,extra', // 23 malformed_line (extra field)
  ',22086,PAPER CHAIN KIT,1,2010-12-01 08:26:00,2.55,13047.0,United Kingdom', // 24 missing_invoice
];

function tempFile(name: string, content: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'retail-')), name);
  writeFileSync(file, content);
  return file;
}

describe('loadOnlineRetail on hand-made dirt', () => {
  const text = `${[HEADER, ...LINES].join('\n')}\n`;

  it('counts every row once: kept or rejected by the first reason that applies', async () => {
    const { report } = await loadOnlineRetail(tempFile('r.csv', text));
    expect(report.rowsRead).toBe(23);
    expect(report.rowsKept).toBe(7);
    expect(report.rejected).toEqual({
      malformed_line: 3,
      bad_date: 1,
      bad_quantity: 1,
      bad_price: 1,
      bad_customer: 1,
      missing_invoice: 1,
      missing_customer: 1,
      cancellation: 1,
      non_positive_quantity: 1,
      non_positive_price: 1,
      non_product: 3,
      duplicate: 1,
    });
    expect(Object.keys(report.rejected)).toEqual([...ONLINE_RETAIL_REJECTIONS]);
    expect(report.nonProductCodes).toEqual({ 'BANK CHARGES': 1, POST: 1, gift_0001_20: 1 });
    expect(report.warnings.join('\n')).toMatch(/non-product stock codes rejected: .*POST \(1\)/);
  });

  it('names the line and field of every malformed row', async () => {
    const { report } = await loadOnlineRetail(tempFile('r.csv', text));
    const at = (reason: string) => report.examples.filter((x) => x.reason === reason).map((x) => [x.line, x.detail]);
    expect(at('malformed_line')).toEqual([
      [16, expect.stringContaining('expected 8 fields, found 5')],
      [17, expect.stringContaining('unterminated quote')],
      [23, expect.stringContaining('expected 8 fields, found 9')],
    ]);
    expect(at('bad_date')).toEqual([[18, 'field "InvoiceDate": "2010-13-01 08:26:00" is not a YYYY-MM-DD HH:MM:SS date']]);
    expect(at('bad_quantity')).toEqual([[19, 'field "Quantity": "six" is not a number']]);
    expect(at('bad_price')).toEqual([[20, 'field "UnitPrice": "4.25GBP" is not a number']]);
    expect(at('bad_customer')).toEqual([[21, 'field "CustomerID": "ABC" is not a customer id']]);
    expect(at('duplicate')).toEqual([[8, 'identical to line 2']]);
    expect(at('missing_invoice')).toEqual([[24, 'field "InvoiceNo" is empty']]);
  });

  it('turns kept lines into purchase events sorted by time, with counted corrections', async () => {
    const ds = await loadOnlineRetail(tempFile('r.csv', text));
    expect(ds.report.corrections).toEqual({ stock_code_uppercased: 1, description_filled: 1, description_unknown: 1 });
    expect(ds.events.map((e) => e.itemId)).toEqual(['85123A', '71053', '22086', '85123A', '84029E', '84029E', '90999X']);
    expect(ds.events[0]).toEqual({
      userId: '17850',
      itemId: '85123A',
      ts: Date.UTC(2010, 11, 1, 8, 26),
      type: 'purchase',
      quantity: 6,
      price: 2.55,
      sessionId: '536365',
    });
    expect(ds.events.every((e, i) => i === 0 || e.ts >= ds.events[i - 1].ts)).toBe(true);
  });

  it('builds one item per kept code: most common description, median price, colour and category', async () => {
    const { items } = await loadOnlineRetail(tempFile('r.csv', text));
    expect(items).toEqual([
      { itemId: '22086', title: "PAPER CHAIN KIT 50'S CHRISTMAS", category: 'kit', price: 2.55 },
      { itemId: '71053', title: 'WHITE METAL LANTERN', colour: 'white', category: 'lights', price: 3.39 },
      { itemId: '84029E', title: 'RED WOOLLY HOTTIE WHITE HEART.', colour: 'red', category: 'other', price: 4 },
      { itemId: '85123A', title: 'WHITE HANGING HEART T-LIGHT HOLDER', colour: 'white', category: 'holder', price: 2.75 },
      { itemId: '90999X', title: '(no description)', category: 'other', price: 1 },
    ]);
  });

  it('reads a gzip copy identically (detected from the bytes) and hashes the file as stored', async () => {
    const plain = await loadOnlineRetail(tempFile('r.csv', text));
    const gz = await loadOnlineRetail(tempFile('r.csv.gz', gzipSync(text)));
    expect(gz.events).toEqual(plain.events);
    expect(gz.report.rejected).toEqual(plain.report.rejected);
    expect(gz.report.sha256).not.toBe(plain.report.sha256);
    expect(plain.report.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a clear DataError for a wrong path, an empty file, a header alone and a missing column', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir-xyz', 'retail.csv');
    const notFound = await loadOnlineRetail(missing).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(DataError);
    expect((notFound as DataError).message).toBe(`file not found: ${missing}`);
    await expect(loadOnlineRetail(tempFile('e.csv', ''))).rejects.toThrow(/empty file/);
    await expect(loadOnlineRetail(tempFile('h.csv', `${HEADER}\n`))).rejects.toThrow(/no data rows/);
    const noCustomer = HEADER.replace(',CustomerID', '');
    const err = await loadOnlineRetail(tempFile('m.csv', `${noCustomer}\n${LINES[0]}\n`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).field).toBe('CustomerID');
    expect((err as DataError).message).toMatch(/missing column "CustomerID"; columns found: InvoiceNo, StockCode, .*Country/);
  });
});

describe('retail attributes', () => {
  it('takes the first colour word and the last product-type word', () => {
    expect(colourOf('JUMBO BAG RED RETROSPOT')).toBe('red');
    expect(colourOf('PINK/IVORY HEART')).toBe('pink');
    expect(colourOf('PAPER CHAIN KIT')).toBeUndefined();
    expect(categoryOf('JUMBO BAG RED RETROSPOT')).toBe('bag');
    expect(categoryOf('SET OF 3 CAKE TINS PANTRY DESIGN')).toBe('tin');
    expect(categoryOf('KNITTED UNION FLAG HOT WATER BOTTLE')).toBe('bottle');
    expect(categoryOf('INFLATABLE POLITICAL GLOBE')).toBe('other');
  });
});

const REAL = onlineRetailPath();
const hasReal = existsSync(REAL);

describe.skipIf(!hasReal)(`the real Online Retail file${hasReal ? '' : ` (SKIPPED: not found at ${REAL})`}`, () => {
  it('reads all 541,909 rows and accounts for every one', async () => {
    const ds = await loadOnlineRetail(REAL);
    const r = ds.report;
    expect(r.rowsRead).toBe(541_909);
    expect(r.rowsKept + Object.values(r.rejected).reduce((s, n) => s + n, 0)).toBe(541_909);
    expect(r.sha256).toBe('737745256ddb4410bfe4e29f2dcb72329b7486e584837f1e84f9a07416cf7d45');
    expect(r.rejected.missing_customer).toBe(135_080); // README: 135,080 rows without CustomerID
    expect(r.rejected.cancellation).toBeGreaterThan(8_000);
    expect(r.rejected.duplicate).toBeGreaterThan(5_000);
    expect(Object.keys(r.nonProductCodes)).toEqual(expect.arrayContaining(['POST', 'M', 'C2', 'DOT', 'BANK CHARGES']));
    expect(ds.events).toHaveLength(r.rowsKept);
    expect(new Set(ds.items.map((i) => i.itemId)).size).toBe(new Set(ds.events.map((e) => e.itemId)).size);
    expect(ds.events.every((e) => (e.quantity ?? 0) > 0 && (e.price ?? 0) > 0 && /^\d+$/.test(e.userId))).toBe(true);
  });
});
