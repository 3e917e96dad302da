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

/** Round steps of wall time: seconds to weeks (ms). */
const TIME_STEPS = [
  1,
  5,
  15,
  30,
  60,
  300,
  900,
  1800,
  3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86400,
  2 * 86400,
  7 * 86400,
].map((s) => s * 1000);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** A time as a short label: "Nov 29" for day steps, "Nov 29 14:05" or "14:05" (or "14:05:30") within them. */
export function timeLabel(ms: number, step: number, withDay = false): string {
  const t = new Date(ms);
  const day = `${MONTHS[t.getMonth()]} ${t.getDate()}`;
  if (step >= 86400_000) return day;
  const clock = `${two(t.getHours())}:${two(t.getMinutes())}${step < 60_000 ? `:${two(t.getSeconds())}` : ''}`;
  return withDay ? `${day} ${clock}` : clock;
}

/**
 * Ticks of a wall-time axis (ms since the epoch) at round times, about `about` of them, each
 * labelled as a short date or time; the first label and those crossing midnight carry the day.
 */
export function timeTicks(lo: number, hi: number, about = 5): Array<{ value: number; label: string }> {
  if (!(hi > lo)) return [{ value: lo, label: timeLabel(lo, 60_000, true) }];
  const step = TIME_STEPS.find((s) => (hi - lo) / s <= about) ?? Math.ceil((hi - lo) / about / 86400_000) * 86400_000;
  // Day steps fall on local midnights; shorter ones on multiples of the step in local time.
  const offset = new Date(lo).getTimezoneOffset() * 60_000;
  const first = Math.ceil((lo - offset) / step) * step + offset;
  const out: Array<{ value: number; label: string }> = [];
  let lastDay = '';
  for (let v = first; v <= hi + 1e-6; v += step) {
    const day = new Date(v).toDateString();
    out.push({ value: v, label: timeLabel(v, step, day !== lastDay) });
    lastDay = day;
  }
  return out;
}
