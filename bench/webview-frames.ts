/**
 * Frames of the sample explorer at 100,000 rows, measured inside Chromium, against a 50 ms
 * target (20 frames a second while scrolling, filtering or brushing):
 * - long frames: the browser's own Long Animation Frames API reports every frame whose work
 *   (script, style, layout, paint) took over 50 ms; printed as how many, and the longest;
 * - latency: each step's time from the interaction to the end of the frame that shows it
 *   (requestAnimationFrame, then a task after that frame's rendering), vsync waits included;
 *   a filter's scatter is drawn in the frame after the table's, and its latency is to that one.
 */
import type { Page } from 'playwright-core';

const FRAME_TARGET_MS = 50;

/**
 * In-page helpers, as source text: page.evaluate sends expressions through DevTools, so the
 * page's strict CSP (no eval) does not apply to them.
 */
const HELPERS = `
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const task = () => new Promise((r) => setTimeout(r, 0));
  const timed = async (steps, act, frames = 1) => {
    await frame();
    await frame();
    const long = [];
    const watch = new PerformanceObserver((l) => long.push(...l.getEntries().map((e) => e.duration)));
    watch.observe({ type: 'long-animation-frame' });
    const t = [];
    for (let k = 0; k < steps; k++) {
      const t0 = performance.now();
      await act(k);
      for (let f = 0; f < frames; f++) await frame();
      t.push(performance.now() - t0);
    }
    long.push(...watch.takeRecords().map((e) => e.duration));
    watch.disconnect();
    return { t, long };
  };
  const pointer = (type, x, y) => {
    const o = document.querySelector('.scatter canvas.brush');
    const b = o.getBoundingClientRect();
    o.dispatchEvent(new PointerEvent(type, { clientX: b.left + x, clientY: b.top + y, button: 0, pointerId: 1, bubbles: true }));
  };
`;

/** The in-page scenarios: each returns its per-step ms. */
const SCENARIOS: Record<string, string> = {
  // 200 wheel-sized steps (3 rows) down the grid; the scroll event repaints the rows in view.
  'scroll the table, 200 steps of 3 rows': `timed(200, () => {
    const v = document.querySelector('.viewport');
    v.scrollTop += 72;
  })`,
  // A minimum of s typed and committed: filter 100k rows, redraw the table (one frame), then
  // the scatter's points (the next frame); timed to the second.
  'range filter: commit a minimum of s (20 values)': `timed(20, async (k) => {
    const t = document.querySelector('.min-s');
    t.value = ['0.1', '0.2', '0.3', ''][k % 4];
    t.dispatchEvent(new Event('change'));
    await task();
  }, 2)`,
  // The rectangle following the pointer over 100k points (overlay only).
  'brush: drag the rectangle (60 pointer moves)': `(async () => {
    pointer('pointerdown', 60, 60);
    const r = await timed(60, (k) => pointer('pointermove', 62 + 3 * k, 60 + 2 * k));
    pointer('pointerup', 62 + 3 * 59, 60 + 2 * 59);
    await frame();
    return r;
  })()`,
  // Releasing: test 100k screen positions, filter the table to the selection, redraw.
  'brush: release (select and filter the table, 20 drags)': `timed(20, (k) => {
    pointer('pointerdown', 40 + (k % 4) * 20, 40);
    pointer('pointermove', 200 + (k % 3) * 30, 240);
    pointer('pointerup', 200 + (k % 3) * 30, 240);
  })`,
};

const pct = (v: number[], q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))];

/** Runs each scenario on the explorer's page and prints its long frames and latency. */
export async function explorerFrames(page: Page): Promise<void> {
  const loaf = await page.evaluate(`PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')`);
  if (!loaf) console.log('    (this Chromium has no Long Animation Frames API: long frames not counted)');
  console.log(
    `  explorer frames at 100,000 rows (target ${FRAME_TARGET_MS} ms per frame): frames over it, the longest;` +
      ' then latency p50 / p95 / max ms',
  );
  for (const [what, body] of Object.entries(SCENARIOS)) {
    const r = (await page.evaluate(`(async () => { ${HELPERS} return await ${body}; })()`)) as {
      t: number[];
      long: number[];
    };
    const t = r.t.sort((a, b) => a - b);
    const [p50, p95, max] = [pct(t, 0.5), pct(t, 0.95), t[t.length - 1]];
    const long = r.long.length ? `${r.long.length}, longest ${Math.max(...r.long).toFixed(0)} ms` : 'none';
    console.log(
      `    ${what.padEnd(56)} over ${FRAME_TARGET_MS} ms: ${long.padEnd(20)} latency ` +
        `${p50.toFixed(1).padStart(6)} / ${p95.toFixed(1).padStart(6)} / ${max.toFixed(1).padStart(6)}` +
        `  (p95 ratio ${(p95 / FRAME_TARGET_MS).toFixed(2)})`,
    );
  }
  const shown = await page.textContent('.count');
  console.log(`    (after the last brush the table shows ${shown})`);
}
