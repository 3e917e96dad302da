/**
 * Axis ticks at round values (1, 2 or 5 times a power of ten), and a domain widened to
 * the ticks around it, so gridlines read 0.00, 0.05, 0.10 rather than 0.00, 0.04, 0.08.
 */
export function niceTicks(
  lo: number,
  hi: number,
  about = 4,
): { lo: number; hi: number; ticks: number[]; decimals: number } {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / about;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw * 0.999)!;
  const first = Math.floor(lo / step + 1e-9) * step,
    last = Math.ceil(hi / step - 1e-9) * step;
  const n = Math.round((last - first) / step);
  // Rounded so ticks print exactly (0.30000000000000004 becomes 0.3).
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((first + i * step).toFixed(decimals)));
  return { lo: ticks[0], hi: ticks[n], ticks, decimals };
}
