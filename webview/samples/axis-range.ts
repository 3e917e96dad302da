/**
 * The explorer scatter's axis range: the 0.5 % to 99.5 % quantiles of the shown values, so one
 * outlier does not squash the bulk. Found by selection (linear time), not a sort: at 100k rows
 * sorting two axes' values took most of a filter's frame.
 */

/** Moves the k-th smallest value of v[lo..hi] to v[k], smaller ones before it; returns it. */
export function selectKth(v: Float32Array, k: number, lo = 0, hi = v.length - 1): number {
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant input stays linear.
    const mid = (lo + hi) >> 1;
    const a = v[lo],
      b = v[mid],
      c = v[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i++] = v[j];
        v[j--] = t;
      }
    }
    // Now v[lo..j] <= pivot <= v[i..hi], and v[j+1..i-1] equal the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

/**
 * The axis [lo, hi] over v[at[k]] (finite values only), from the 0.5 % to the 99.5 % quantile
 * when there are 1000 values or more (all of them when fewer), padded by 2 %; and how many
 * values lie beyond it.
 */
export function axisRange(v: Float32Array, at: Int32Array): [number, number, number] {
  const vals = new Float32Array(at.length);
  let n = 0,
    min = Infinity,
    max = -Infinity;
  for (let k = 0; k < at.length; k++) {
    const x = v[at[k]];
    if (!Number.isFinite(x)) continue;
    vals[n++] = x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (!n) return [-1, 1, 0];
  const cut = n >= 1000 ? Math.floor(0.005 * n) : 0;
  let lo = cut ? selectKth(vals, cut, 0, n - 1) : min,
    hi = cut ? selectKth(vals, n - 1 - cut, cut, n - 1) : max;
  if (!(hi > lo)) [lo, hi] = [min, max];
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = 0.02 * (hi - lo);
  let out = 0;
  for (let k = 0; k < n; k++) if (vals[k] < lo - pad || vals[k] > hi + pad) out++;
  return [lo - pad, hi + pad, out];
}
