/**
 * Row orders for large tables. Sorting 100k indices with a comparator function costs ~50 ms;
 * packing each row's float32 key and its index into one float64 and using the native
 * numeric sort costs a fraction of that.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A float32's bits as an unsigned integer that sorts like the float (negative values first). */
function sortable(v: number): number {
  f32[0] = v === 0 ? 0 : v; // -0 ties with 0, as in a numeric comparison
  const b = u32[0];
  return b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
}

const INDEX_BITS = 21; // 32 key bits + 21 index bits fit a float64's 53-bit integer range

/**
 * `rows` ordered by key[row], ascending or descending; ties keep ascending row order either
 * way. Keys are compared as float32.
 */
export function orderRows(rows: Int32Array, key: ArrayLike<number>, desc: boolean): Int32Array {
  const n = rows.length;
  let maxRow = 0;
  for (let k = 0; k < n; k++) maxRow = Math.max(maxRow, rows[k]);
  if (maxRow >= 2 ** INDEX_BITS) {
    const sign = desc ? -1 : 1;
    return Int32Array.from(rows).sort((a, b) => (Math.fround(key[a]) - Math.fround(key[b])) * sign || a - b);
  }
  const packed = new Float64Array(n);
  const scale = 2 ** INDEX_BITS;
  for (let k = 0; k < n; k++) {
    const i = rows[k],
      s = sortable(key[i]);
    packed[k] = (desc ? 0xffffffff - s : s) * scale + i;
  }
  packed.sort();
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = packed[k] % scale;
  return out;
}
