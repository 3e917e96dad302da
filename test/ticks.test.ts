import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { niceTicks, timeTicks } from '../webview/ticks';

test('niceTicks: round steps that cover the data, printed exactly', () => {
  assert.deepEqual(niceTicks(0, 0.06), { lo: 0, hi: 0.06, ticks: [0, 0.02, 0.04, 0.06], decimals: 2 });
  assert.deepEqual(niceTicks(0, 0.59).ticks, [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(-0.13, 0.41).ticks, [-0.2, 0, 0.2, 0.4, 0.6]);
  const big = niceTicks(0, 1234);
  assert.deepEqual([big.ticks[0], big.ticks.at(-1), big.decimals], [0, 1500, 0]);
  for (const [lo, hi] of [
    [0, 0.05],
    [0, 0.7],
    [-1.3, 2.2],
    [0.001, 0.0037],
    [0, 13],
  ] as const) {
    const t = niceTicks(lo, hi);
    assert.ok(t.lo <= lo && t.hi >= hi, `[${lo}, ${hi}] inside [${t.lo}, ${t.hi}]`);
    assert.ok(t.ticks.length >= 3 && t.ticks.length <= 9, `${t.ticks.length} ticks for [${lo}, ${hi}]`);
    const steps = t.ticks.slice(1).map((v, i) => v - t.ticks[i]);
    for (const s of steps) assert.ok(Math.abs(s - steps[0]) < 1e-9, 'even steps');
  }
  assert.deepEqual(niceTicks(0.3, 0.3).ticks.length > 1, true, 'an empty range still gets an axis');
});

test('timeTicks: round local times inside the range, at most about + 1 of them, the day named once per day', () => {
  const saved = process.env.TZ;
  try {
    // A zone half an hour off UTC: ticks must fall on local round times, not UTC ones.
    for (const tz of ['UTC', 'Asia/Kolkata']) {
      process.env.TZ = tz;
      const t0 = new Date(2026, 10, 28, 22, 7, 13).getTime(); // Nov 28 22:07:13 local
      const cases: Array<[string, number, number]> = [
        ['50 seconds', 50_000, 10_000], // 5 s steps at most 5 → 15 s
        ['20 minutes', 20 * 60_000, 5 * 60_000],
        ['5 hours, across midnight', 5 * 3600_000, 3600_000],
        ['9 days', 9 * 86400_000, 2 * 86400_000],
      ];
      for (const [what, span, minStep] of cases) {
        const ticks = timeTicks(t0, t0 + span);
        assert.ok(ticks.length >= 2 && ticks.length <= 6, `${tz} ${what}: ${ticks.length} ticks`);
        const step = ticks[1].value - ticks[0].value;
        assert.ok(step >= minStep, `${tz} ${what}: step ${step} ms`);
        for (const t of ticks) {
          assert.ok(t.value >= t0 && t.value <= t0 + span, `${tz} ${what}: ${t.label} inside the range`);
          const d = new Date(t.value);
          const local = d.getHours() * 3600_000 + d.getMinutes() * 60_000 + d.getSeconds() * 1000;
          assert.equal(step >= 86400_000 ? local : local % step, 0, `${tz} ${what}: ${t.label} is a round local time`);
        }
        // The first label names its day; so does the first tick of each new day, and only that one.
        const days = ticks.map((t) => new Date(t.value).toDateString());
        ticks.forEach((t, i) => {
          const named = /^[A-Z][a-z]{2} \d{1,2}/.test(t.label);
          assert.equal(named, step >= 86400_000 || i === 0 || days[i] !== days[i - 1], `${tz} ${what}: "${t.label}"`);
        });
      }
      const midnight = timeTicks(t0, t0 + 5 * 3600_000).map((t) => t.label);
      assert.deepEqual(midnight, ['Nov 28 23:00', 'Nov 29 00:00', '01:00', '02:00', '03:00'], `${tz}: ${midnight}`);
      assert.deepEqual(timeTicks(t0, t0), [{ value: t0, label: 'Nov 28 22:07' }], 'one instant: one tick');
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
