/**
 * Loader for the UCI Online Retail log (dataset 352): a UK online retailer's invoice lines,
 * 2010-12-01 to 2011-12-09. Streams the CSV (plain or gzip) once with a quote-aware splitter,
 * counts every row as kept or rejected by reason, applies a few counted corrections, and derives
 * a catalogue. See {@link loadOnlineRetail}.
 */
import { DataError } from '../errors.js';
import { readCsvFile } from './csv.js';
import { LoadReportBuilder } from './load-report.js';
import { categoryOf, colourOf } from './retail-attributes.js';
import type { Dataset, InteractionEvent, Item, LoadReport } from './schema.js';
import { parseDecimal, parseNaiveUtc } from './values.js';

/** The columns the loader needs (any order; extra columns are allowed). */
export const ONLINE_RETAIL_COLUMNS = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
  'Country',
] as const;

/**
 * Rejection reasons, in precedence order: a row is counted once, under the FIRST reason that
 * applies. Unreadable rows first (their other fields cannot be trusted), then business rules, and
 * duplicates last, so `duplicate` counts exact repeats of rows that would otherwise be kept.
 */
export const ONLINE_RETAIL_REJECTIONS = [
  /** Wrong number of fields, or a quote left open at the end of the line (a truncated line). */
  'malformed_line',
  /** InvoiceDate is not `YYYY-MM-DD HH:MM[:SS]` or is not a real date. */
  'bad_date',
  /** Quantity is not a number. */
  'bad_quantity',
  /** UnitPrice is not a number. */
  'bad_price',
  /** CustomerID is present but not an integer id (`17850` or `17850.0`). */
  'bad_customer',
  /** InvoiceNo is empty. */
  'missing_invoice',
  /** CustomerID is empty: the line cannot be attributed to a user. */
  'missing_customer',
  /** InvoiceNo starts with "C": a cancellation, not a purchase. */
  'cancellation',
  /** Quantity <= 0 outside a cancellation (stock adjustments, damages). */
  'non_positive_quantity',
  /** UnitPrice <= 0 (free samples, adjustments). */
  'non_positive_price',
  /** StockCode does not start with a 5-digit product number: POST, DOT, M, BANK CHARGES, AMAZONFEE, C2, CRUK, D, PADS, S, B, DCGS..., gift_... */
  'non_product',
  /** Field-for-field identical to an earlier kept line. */
  'duplicate',
] as const;

/** Rejection reason of an Online Retail row. */
export type OnlineRetailRejection = (typeof ONLINE_RETAIL_REJECTIONS)[number];

/** The load report plus the non-product codes that were rejected. */
export interface OnlineRetailReport extends LoadReport {
  /** Rejected non-product stock codes and their row counts, most frequent first. */
  nonProductCodes: Record<string, number>;
}

/** An Online Retail dataset (its report lists the non-product codes). */
export type OnlineRetailDataset = Dataset & { report: OnlineRetailReport };

const PRODUCT_CODE = /^\d{5}/;
const CUSTOMER = /^(\d+)(?:\.0*)?$/;
const NO_DESCRIPTION = '(no description)';

/** Kept rows, column-wise (cheaper than 400k small objects while we still fix them up). */
interface KeptRows {
  code: string[];
  description: string[];
  quantity: number[];
  ts: number[];
  price: number[];
  user: string[];
  invoice: string[];
}

type Columns = Record<(typeof ONLINE_RETAIL_COLUMNS)[number], number>;

/** A row that passed every check but the duplicate check. */
interface GoodRow {
  code: string;
  description: string;
  quantity: number;
  ts: number;
  price: number;
  user: string;
  invoice: string;
}

/** Why a row is rejected (the first reason in precedence order) and the code, for non-products. */
interface Rejection {
  reason: OnlineRetailRejection;
  detail: string;
  code: string;
}

/** Checks one well-formed row against every rule except duplication, in precedence order. */
function checkRow(f: string[], col: Columns, dates: Map<string, number>): GoodRow | Rejection {
  const code = f[col.StockCode].trim();
  const no = (reason: OnlineRetailRejection, detail: string): Rejection => ({ reason, detail, code });
  const dateText = f[col.InvoiceDate];
  let ts = dates.get(dateText);
  if (ts === undefined) {
    ts = parseNaiveUtc(dateText.trim()) ?? Number.NaN;
    dates.set(dateText, ts);
  }
  if (Number.isNaN(ts)) return no('bad_date', `field "InvoiceDate": "${dateText}" is not a YYYY-MM-DD HH:MM:SS date`);
  const quantity = parseDecimal(f[col.Quantity]);
  if (quantity === undefined) return no('bad_quantity', `field "Quantity": "${f[col.Quantity]}" is not a number`);
  const price = parseDecimal(f[col.UnitPrice]);
  if (price === undefined) return no('bad_price', `field "UnitPrice": "${f[col.UnitPrice]}" is not a number`);
  const customerText = f[col.CustomerID].trim();
  const user = customerText ? CUSTOMER.exec(customerText)?.[1] : '';
  if (user === undefined) return no('bad_customer', `field "CustomerID": "${customerText}" is not a customer id`);
  const invoice = f[col.InvoiceNo].trim();
  if (!invoice) return no('missing_invoice', 'field "InvoiceNo" is empty');
  if (!user) return no('missing_customer', `field "CustomerID" is empty (invoice ${invoice})`);
  if (invoice[0] === 'C' || invoice[0] === 'c') return no('cancellation', `field "InvoiceNo": "${invoice}" is a cancellation`);
  if (quantity <= 0) return no('non_positive_quantity', `field "Quantity": ${quantity} <= 0`);
  if (price <= 0) return no('non_positive_price', `field "UnitPrice": ${price} <= 0`);
  const description = f[col.Description].trim();
  if (!PRODUCT_CODE.test(code)) return no('non_product', `field "StockCode": "${code}" (${description}) has no 5-digit product number`);
  return { code, description, quantity, ts, price, user, invoice };
}

function headerIndex(fields: string[], file: string): Columns {
  const names = fields.map((f) => f.trim());
  const index = {} as Columns;
  for (const col of ONLINE_RETAIL_COLUMNS) {
    const i = names.indexOf(col);
    if (i < 0) throw new DataError(`missing column "${col}"; columns found: ${names.join(', ')}`, { file, line: 1, field: col });
    index[col] = i;
  }
  return index;
}

/** Most frequent value; ties go to the value seen first. */
function mode(counts: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestN = 0;
  for (const [v, n] of counts) {
    if (n > bestN) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/**
 * Loads the Online Retail CSV (`.csv` or `.csv.gz`; gzip is detected from the bytes).
 *
 * Every kept invoice line becomes one `purchase` event: userId = CustomerID without ".0",
 * itemId = StockCode (upper-cased), ts = InvoiceDate, quantity, price = UnitPrice,
 * sessionId = InvoiceNo. InvoiceDate is naive UK local time; it is read AS IF it were UTC (so
 * ts is off by one hour during British Summer Time, and day boundaries match the data's own).
 *
 * Every row is counted: `rowsKept + sum(rejected) === rowsRead` (541,909 for the real file);
 * reasons and their precedence are {@link ONLINE_RETAIL_REJECTIONS}, with up to 5 examples each
 * (line number and field). Corrections on kept rows, counted in `report.corrections`:
 * `stock_code_uppercased` (codes that differ only in case are unified to upper case) and
 * `description_filled` / `description_unknown` (an empty description takes the most common
 * description of the same code, else "(no description)").
 *
 * Items: one per kept stock code, title = most common description, price = median unit price,
 * colour and category derived from the title (see retail-attributes.ts); no brand.
 *
 * @throws DataError for a missing, empty or unreadable file, or a header without a needed column.
 */
export async function loadOnlineRetail(path: string): Promise<OnlineRetailDataset> {
  const b = new LoadReportBuilder('online-retail');
  const kept: KeptRows = { code: [], description: [], quantity: [], ts: [], price: [], user: [], invoice: [] };
  const nonProduct = new Map<string, number>();
  const seen = new Map<string, number>(); // exact row text -> line first kept
  const dates = new Map<string, number>(); // invoice dates repeat a lot: parse each once
  let col: Columns | undefined;
  let width = 0;

  const onRecord = (f: string[], line: number, problem?: string): void => {
    if (!col) {
      col = headerIndex(f, path);
      width = f.length;
      return;
    }
    b.read();
    if (problem || f.length !== width) {
      const what = problem ? `${problem}, ${f.length} fields` : `expected ${width} fields, found ${f.length}`;
      b.reject('malformed_line', line, `${what} (truncated or broken line)`);
      return;
    }
    const row = checkRow(f, col, dates);
    if ('reason' in row) {
      if (row.reason === 'non_product') nonProduct.set(row.code, (nonProduct.get(row.code) ?? 0) + 1);
      b.reject(row.reason, line, row.detail);
      return;
    }
    const key = f.join('\u0000');
    const first = seen.get(key);
    if (first !== undefined) {
      b.reject('duplicate', line, `identical to line ${first}`);
      return;
    }
    seen.set(key, line);
    b.keep();
    kept.code.push(row.code);
    kept.description.push(row.description);
    kept.quantity.push(row.quantity);
    kept.ts.push(row.ts);
    kept.price.push(row.price);
    kept.user.push(row.user);
    kept.invoice.push(row.invoice);
  };

  const digest = await readCsvFile(path, onRecord, { multiline: false });
  if (!col) throw new DataError(`empty file: ${path}`);
  if (b.rowsRead === 0) throw new DataError(`no data rows after the header: ${path}`);
  if (digest.blankLines) b.warn(`${digest.blankLines} blank line(s) skipped (no data)`);
  seen.clear();

  const { items, events } = assemble(kept, b);
  if (nonProduct.size) {
    const list = [...nonProduct].sort((a, c) => c[1] - a[1]).map(([code, n]) => `${code} (${n})`);
    b.warn(`non-product stock codes rejected: ${list.join(', ')}`);
  }
  b.warn('InvoiceDate is naive UK local time, read as UTC');
  const report: OnlineRetailReport = {
    ...b.build({ path, sha256: digest.sha256, order: ONLINE_RETAIL_REJECTIONS }),
    nonProductCodes: sortedCounts(nonProduct),
  };
  return { source: 'online-retail', events, items, report };
}

/** Applies the counted corrections and builds events (sorted by ts) and the catalogue. */
function assemble(kept: KeptRows, b: LoadReportBuilder): { items: Item[]; events: InteractionEvent[] } {
  const n = kept.code.length;
  const variants = new Map<string, Set<string>>();
  let uppercased = 0;
  for (let i = 0; i < n; i++) {
    const raw = kept.code[i];
    const code = raw.toUpperCase();
    if (code !== raw) {
      uppercased++;
      kept.code[i] = code;
    }
    const v = variants.get(code);
    if (v) v.add(raw);
    else variants.set(code, new Set([raw]));
  }
  b.correct('stock_code_uppercased', uppercased);
  const merged = [...variants.values()].filter((v) => v.size > 1).length;
  if (merged) b.warn(`${merged} stock code(s) appeared in more than one letter case and were unified to upper case`);

  // Per code: description counts (non-empty only) and unit prices.
  const descriptions = new Map<string, Map<string, number>>();
  const prices = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const code = kept.code[i];
    const p = prices.get(code);
    if (p) p.push(kept.price[i]);
    else prices.set(code, [kept.price[i]]);
    const d = kept.description[i];
    let counts = descriptions.get(code);
    if (!counts) {
      counts = new Map();
      descriptions.set(code, counts);
    }
    if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  const titles = new Map<string, string>();
  for (const [code, counts] of descriptions) titles.set(code, mode(counts) ?? NO_DESCRIPTION);
  let filled = 0;
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    if (kept.description[i]) continue;
    const title = titles.get(kept.code[i]) ?? NO_DESCRIPTION;
    if (title === NO_DESCRIPTION) unknown++;
    else filled++;
  }
  b.correct('description_filled', filled);
  b.correct('description_unknown', unknown);

  const items: Item[] = [...titles.keys()].sort().map((itemId) => {
    const title = titles.get(itemId) ?? NO_DESCRIPTION;
    const colour = colourOf(title);
    return {
      itemId,
      title,
      ...(colour ? { colour } : {}),
      category: categoryOf(title),
      price: median(prices.get(itemId) ?? []),
    };
  });

  const events: InteractionEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    events[i] = {
      userId: kept.user[i],
      itemId: kept.code[i],
      ts: kept.ts[i],
      type: 'purchase',
      quantity: kept.quantity[i],
      price: kept.price[i],
      sessionId: kept.invoice[i],
    };
  }
  events.sort((a, c) => a.ts - c.ts); // stable: file order within a timestamp
  return { items, events };
}
