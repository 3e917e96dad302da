/** Copy the given rows of a row-major [n x d] matrix into a new [rows x d] matrix. */
export function gatherRows(x: Float32Array, d: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * d, rows[i] * d + d), i * d);
  return out;
}

/** Row-wise concatenation of [n x da] and [n x db] into [n x (da + db)]. */
export function concatColumns(a: Float32Array, da: number, b: Float32Array, db: number, n: number): Float32Array {
  const out = new Float32Array(n * (da + db));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * da, i * da + da), i * (da + db));
    out.set(b.subarray(i * db, i * db + db), i * (da + db) + da);
  }
  return out;
}

/** Copy into shared memory so worker threads read the array without a copy. */
export function toShared(a: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}
