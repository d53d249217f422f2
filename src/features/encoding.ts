/**
 * Typed arrays as compact, JSON-safe values: little-endian bytes in base64 (a Float32 costs 5.3
 * characters instead of ~10 as a JSON number, and NaN survives). Used by the feature tables that
 * travel in every published model directory.
 */
import { DataError } from '../errors.js';

/** Element types the feature tables use. */
export type DType = 'float32' | 'float64' | 'int32';

/** One encoded typed array. `length` is the element count, checked on decode. */
export interface EncodedArray {
  dtype: DType;
  length: number;
  base64: string;
}

type ArrayOf<D extends DType> = D extends 'float32' ? Float32Array : D extends 'float64' ? Float64Array : Int32Array;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/** Encodes a typed array (the platform is little-endian: x64 and arm64 alike). */
export function encodeArray(values: Float32Array | Float64Array | Int32Array): EncodedArray {
  const dtype: DType = values instanceof Float32Array ? 'float32' : values instanceof Float64Array ? 'float64' : 'int32';
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return { dtype, length: values.length, base64: bytes.toString('base64') };
}

/**
 * Decodes an encoded array, checking its type and length.
 * @param field - where the value sits in the tables, named in the error if it is malformed.
 * @throws DataError when the value is not an EncodedArray of `dtype` with `length` elements.
 */
export function decodeArray<D extends DType>(value: unknown, dtype: D, length: number | undefined, field: string): ArrayOf<D> {
  const v = value as Partial<EncodedArray> | undefined;
  if (!v || typeof v !== 'object' || typeof v.base64 !== 'string' || typeof v.length !== 'number') {
    throw new DataError('expected an encoded array {dtype, length, base64}', { file: 'feature tables', field });
  }
  if (v.dtype !== dtype) throw new DataError(`expected dtype ${dtype}, got ${String(v.dtype)}`, { file: 'feature tables', field });
  if (length !== undefined && v.length !== length) {
    throw new DataError(`expected ${length} values, got ${v.length}`, { file: 'feature tables', field });
  }
  const bytes = Buffer.from(v.base64, 'base64');
  if (bytes.length !== v.length * BYTES[dtype]) {
    throw new DataError(`base64 holds ${bytes.length} bytes, expected ${v.length * BYTES[dtype]}`, { file: 'feature tables', field });
  }
  // Copy into a fresh (aligned) buffer: Buffer.from may return a slice of a shared pool.
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  const out = dtype === 'float32' ? new Float32Array(buf) : dtype === 'float64' ? new Float64Array(buf) : new Int32Array(buf);
  return out as ArrayOf<D>;
}
