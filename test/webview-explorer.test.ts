/**
 * The sample explorer's filters in a real Chromium: min/max ranges per interaction, the id
 * filter (dump ids or row numbers), Export filtered CSV, linked brushing on the scatter, and
 * the keyboard reaching every control by its accessible name.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { SampleData } from '../src/shared/protocol';
import { Rng } from '../src/core/rng';
import { DARK_THEME, choose, countShown, openPanel, posted, setTheme, sharedBrowser } from './webview-page';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
declare const document: {
  activeElement: { getAttribute(n: string): string | null; tagName: string } | null;
  querySelector(s: string): {
    getContext(c: '2d'): { getImageData(...a: number[]): { data: Uint8ClampedArray } };
    getAttribute(n: string): string | null;
  };
};

const { missing, browser } = sharedBrowser('webview explorer tests');

/** n samples in three classes (one named like a formula), values from `values` or random. */
function data(n: number, values?: (i: number) => [number, number, number, number]): SampleData {
  const rng = new Rng(7);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const v = Array.from(
    { length: n },
    (_, i) => values?.(i) ?? [rng.next(), 0.3 * rng.next(), 0.2 * rng.next(), rng.next()],
  );
  const col = (j: number) => Float32Array.from(v, (x) => x[j]);
  const perClass = [0, 1, 2].map((c) => ({ class: c, n: n / 3, R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 }));
  return {
    run: 'late',
    file: '/runs/late/epoch-3.safetensors',
    epoch: 3,
    n,
    r: col(0),
    u1: col(1),
    u2: col(2),
    s: col(3),
    y,
    classNames: ['cat', '=HYPERLINK("x")', 'bird'],
    perClass,
    dataset: { R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 },
  };
}

const open = (d: SampleData) =>
  openPanel(browser(), 'samples', [{ type: 'init', view: 'samples', title: 'Samples', data: d }], '.tr', 1280);

/** Types into a field named `label` and commits it with Enter. */
async function commit(page: Page, label: string, value: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Enter');
}

/** Waits until the count reads `shown` of the total. */
async function waitCount(page: Page, shown: number): Promise<void> {
  for (let t = 0; t < 100 && (await countShown(page)) !== shown; t++) await page.waitForTimeout(50);
  assert.equal(await countShown(page), shown);
}

/** The colours of the explorer scatter's points inside its plot area (pixels at least 80 % opaque). */
function pointColors(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // The frame is 360 x 300 CSS px with 32 px margins, drawn at 2x: the plot's inside, frame excluded.
    const px = document.querySelector('.scatter canvas').getContext('2d').getImageData(66, 66, 588, 468).data;
    const seen = new Set<string>();
    for (let o = 0; o < px.length; o += 4) if (px[o + 3] >= 204) seen.add(`${px[o]},${px[o + 1]},${px[o + 2]}`);
    return [...seen];
  });
}

test('range filters keep exactly the rows in range, combined with the class filter', { skip: missing }, async () => {
  const d = data(3000);
  const { page, errors } = await open(d);
  assert.ok((await pointColors(page)).length >= 3, 'three classes, three colours (and blends) on the scatter');
  await commit(page, 'Minimum s', '0.25');
  await commit(page, 'Maximum r', '0.6');
  const inRange = (i: number) => d.s[i] >= 0.25 && d.r[i] <= 0.6;
  await waitCount(page, d.y.filter((_, i) => inRange(i)).length);
  assert.match((await page.textContent('.count')) ?? '', /^[\d,]+ of 3,000 samples$/);
  await choose(page, '.filter-class', 'bird');
  await waitCount(page, d.y.filter((c, i) => c === 2 && inRange(i)).length);
  const shown = (await page.$$eval('.tr', (t) => t.map((x) => Number(x.getAttribute('data-index'))))).slice(0, 20);
  assert.ok(shown.length > 5 && shown.every((i) => inRange(i) && d.y[i] === 2));
  // The scatter follows in the next frame, with only those points: one class, one colour.
  const n = d.y.filter((c, i) => c === 2 && inRange(i)).length;
  await page.waitForFunction(
    (k) => document.querySelector('.scatter canvas').getAttribute('aria-label')?.endsWith(`for ${k} samples`),
    n,
  );
  assert.equal((await pointColors(page)).length, 1, 'only the class shown has points on the scatter');
  // The fields kept their text through the redraws; emptying one lifts its bound.
  assert.equal(await page.getByLabel('Minimum s', { exact: true }).inputValue(), '0.25');
  await commit(page, 'Minimum s', '');
  await waitCount(page, d.y.filter((c, i) => c === 2 && d.r[i] <= 0.6).length);
  assert.deepEqual(errors, []);
  await page.close();
});

test('id filter matches row numbers without ids, and the dump ids with them', { skip: missing }, async () => {
  const d = data(300);
  let { page } = await open(d);
  await commit(page, 'Filter samples', '12, 40-55');
  await waitCount(page, 17);
  const rows = await page.$$eval('.tr', (t) => t.map((x) => Number(x.getAttribute('data-index'))));
  assert.deepEqual(rows, [12, ...Array.from({ length: 16 }, (_, k) => 40 + k)]);
  await commit(page, 'Filter samples', '12, x9');
  await waitCount(page, 1);
  assert.match((await page.textContent('.ids-note')) ?? '', /not understood: x9/);
  await page.close();
  // Ids past float32's exact integers: 5e9 + 7 i.
  d.ids = Float64Array.from({ length: d.n }, (_, i) => 5_000_000_000 + 7 * i);
  ({ page } = await open(d));
  await commit(page, 'Filter samples', '5000000007, 5000000070-5000000100');
  const want = Array.from(d.ids.keys()).filter(
    (i) => d.ids![i] === 5_000_000_007 || (d.ids![i] >= 5_000_000_070 && d.ids![i] <= 5_000_000_100),
  );
  assert.deepEqual(want, [1, 10, 11, 12, 13, 14]);
  await waitCount(page, want.length);
  assert.deepEqual(await page.$$eval('.tr', (t) => t.map((x) => Number(x.getAttribute('data-index')))), want);
  await page.close();
});

/** A CSV line's cells (RFC 4180 quoting). */
function cells(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let m = re.exec(line); m && m.index < line.length; m = re.exec(line)) {
    out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
    if (!m[2]) break;
  }
  return out;
}

test(
  'Export filtered CSV holds exactly the rows shown, in their order, formulas neutralised',
  { skip: missing },
  async () => {
    const d = data(600);
    d.ids = Float64Array.from({ length: d.n }, (_, i) => 1000 + i);
    const { page } = await open(d);
    await commit(page, 'Minimum r', '0.5');
    await page.click('.th[data-col="s"]'); // s, descending
    const want = Array.from(d.r.keys())
      .filter((i) => d.r[i] >= 0.5)
      .sort((a, b) => d.s[b] - d.s[a] || a - b);
    await waitCount(page, want.length);
    await page.getByRole('button', { name: 'Export filtered CSV' }).click();
    const m = (await posted(page)).find((x) => x.type === 'export') as { format: string; content: string };
    assert.equal(m.format, 'csv');
    const lines = m.content.trimEnd().split('\n');
    assert.equal(lines[0], 'row,id,class,r,u1,u2,s,dominant');
    assert.equal(lines.length - 1, want.length);
    const names = ['cat', '\'=HYPERLINK("x")', 'bird'];
    lines.slice(1).forEach((line, k) => {
      const c = cells(line),
        i = want[k];
      assert.equal(Number(c[0]), i);
      assert.equal(Number(c[1]), 1000 + i);
      assert.equal(c[2], names[d.y[i]]);
      ['r', 'u1', 'u2', 's'].forEach((key, j) => assert.equal(Math.fround(Number(c[3 + j])), d[key as 'r'][i]));
      assert.ok(['r', 'u1', 'u2', 's'].includes(c[7]));
    });
    assert.ok(
      lines.some((l) => l.includes(`"'=HYPERLINK(""x"")"`)),
      'the formula-like class name is quoted with a leading quote',
    );
    await page.close();
  },
);

/** Drags a rectangle on the explorer's scatter from a to b (CSS px of the scatter). */
async function dragOnScatter(page: Page, a: [number, number], b: [number, number]): Promise<void> {
  // Measured each time: a click may have scrolled the page.
  const box = (await page.locator('.scatter canvas.brush').boundingBox())!;
  await page.mouse.move(box.x + a[0], box.y + a[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + b[0], box.y + b[1], { steps: 3 });
  await page.mouse.up();
}

/** 100 samples on a 10 x 10 grid of r and s values 0..9 (u1, u2 small), for brushing. */
const grid = () => data(100, (i) => [i % 10, 0.01, 0.02, Math.floor(i / 10)]);

/** Screen position of data (x, y) on the scatter of the grid (the scatter's frame and 2 % padding). */
const gridPx = (x: number, y: number): [number, number] => {
  const lo = -0.18,
    span = 9.36;
  return [32 + ((x - lo) / span) * 296, 300 - 32 - ((y - lo) / span) * 236];
};

test(
  'brushing selects the points inside the rectangle; Clear selection and Escape restore (dark theme)',
  { skip: missing },
  async () => {
    const d = grid();
    const { page, errors } = await open(d);
    await page.emulateMedia({ colorScheme: 'dark' });
    const drag = (a: [number, number], b: [number, number]) => dragOnScatter(page, a, b);
    const want = Array.from(d.r.keys()).filter((i) => d.r[i] > 2.5 && d.r[i] < 5.5 && d.s[i] > 3.5 && d.s[i] < 6.5);
    assert.equal(want.length, 9);
    await drag(gridPx(2.5, 6.5), gridPx(5.5, 3.5));
    await waitCount(page, 9);
    const rows = await page.$$eval('.tr', (t) => t.map((x) => Number(x.getAttribute('data-index'))));
    assert.deepEqual(rows, want);
    assert.match((await page.textContent('.selection-note')) ?? '', /9 samples selected/);
    // The table's selected row is ringed on the scatter's overlay, around its point.
    await page.click(`.tr[data-index="${want[4]}"]`);
    const [px, py] = gridPx(d.r[want[4]], d.s[want[4]]);
    const ringed = await page.evaluate(
      ([x, y]) => {
        const img = document
          .querySelector('.scatter canvas.brush')
          .getContext('2d')
          .getImageData(2 * x - 16, 2 * y - 16, 32, 32).data;
        let k = 0;
        for (let i = 3; i < img.length; i += 4) if (img[i] > 200) k++;
        return k;
      },
      [px, py],
    );
    assert.ok(ringed > 20, `ring pixels around the selected point: ${ringed}`);
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await waitCount(page, 100);
    // Brush again; Escape clears it too.
    await drag(gridPx(-0.1, 9.1), gridPx(1.5, 8.5)); // r 0 and 1, s 9
    await waitCount(page, 2);
    await page.keyboard.press('Escape');
    await waitCount(page, 100);
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test('the scatter plots i = r + u1 + u2 + s on an axis, and brushing selects by it', { skip: missing }, async () => {
  const d = data(100, (i) => [i % 10, 0, 0, Math.floor(i / 10)]); // i = r + s, 0 to 18
  const { page, errors } = await open(d);
  await choose(page, '.axis-y', 'i (all: r+u1+u2+s)');
  await page.waitForFunction(() =>
    document.querySelector('.scatter canvas').getAttribute('aria-label')?.startsWith('i (all: r+u1+u2+s) against r'),
  );
  // Axes over all values padded by 2 %: r from -0.18 to 9.18, i from -0.36 to 18.36.
  const px = (r: number, i: number): [number, number] => [
    32 + ((r + 0.18) / 9.36) * 296,
    300 - 32 - ((i + 0.36) / 18.72) * 236,
  ];
  await dragOnScatter(page, px(2.5, 6.5), px(5.5, 3.5));
  const want = Array.from(d.r.keys()).filter((k) => {
    const [r, i] = [d.r[k], d.r[k] + d.s[k]];
    return r > 2.5 && r < 5.5 && i > 3.5 && i < 6.5;
  });
  assert.equal(want.length, 8);
  await waitCount(page, want.length);
  assert.deepEqual(await page.$$eval('.tr', (t) => t.map((x) => Number(x.getAttribute('data-index')))), want);
  assert.deepEqual(errors, []);
  await page.close();
});

test(
  'a redraw that changes no rows keeps the grid where it was; the active row always names a drawn row',
  { skip: missing },
  async () => {
    const { page, errors } = await open(data(3000));
    const grid = page.getByRole('grid', { name: 'Samples' });
    await grid.focus();
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('Enter'); // opens the active row: it becomes the selected sample
    const scrolled = await grid.evaluate((v) => (v as unknown as { scrollTop: number }).scrollTop);
    assert.ok(scrolled > 300, `scrolled to ${scrolled}`);
    // A theme switch redraws the page (the scatter in new colours) but not the rows.
    await setTheme(page, DARK_THEME);
    await page.waitForTimeout(100);
    assert.equal(await grid.evaluate((v) => (v as unknown as { scrollTop: number }).scrollTop), scrolled);
    const named = async () => {
      const id = await grid.getAttribute('aria-activedescendant');
      return id === null || (await page.locator(`#${id}`).count()) === 1;
    };
    assert.ok(await named(), 'the active descendant is a drawn row');
    // A filter that hides the selected sample leaves no active descendant pointing nowhere.
    await commit(page, 'Filter samples', '0-5');
    await waitCount(page, 6);
    assert.ok(await named(), 'after a filter, no stale active descendant');
    assert.deepEqual(errors, []);
    await page.close();
  },
);

/** A VS Code API whose state outlives a reload (as VS Code keeps a webview's state), for reload tests. */
const KEPT_STATE_API = () => {
  const w = globalThis as unknown as {
    acquireVsCodeApi: () => unknown;
    sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
    dispatchEvent(e: unknown): void;
    CustomEvent: new (t: string, i: { detail: unknown }) => unknown;
  };
  w.acquireVsCodeApi = () => ({
    getState: () => JSON.parse(w.sessionStorage.getItem('lsmi-state') ?? 'null') ?? undefined,
    setState: (v: unknown) => w.sessionStorage.setItem('lsmi-state', JSON.stringify(v)),
    postMessage: (m: unknown) => w.dispatchEvent(new w.CustomEvent('lsmi-post', { detail: m })),
  });
};

test(
  'a brushed selection is selected again after the panel reloads; a cleared one is not',
  { skip: missing },
  async () => {
    const d = grid();
    const { page, errors } = await open(d);
    await page.addInitScript(KEPT_STATE_API);
    await page.reload();
    await page.waitForSelector('.tr');
    await dragOnScatter(page, gridPx(2.5, 6.5), gridPx(5.5, 3.5));
    await waitCount(page, 9);
    await page.reload();
    await page.waitForSelector('.tr');
    await waitCount(page, 9);
    assert.match((await page.textContent('.selection-note')) ?? '', /9 samples selected/);
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await waitCount(page, 100);
    await page.reload();
    await page.waitForSelector('.tr');
    await page.waitForTimeout(200); // a restore would redraw the table in the next task
    assert.equal(await countShown(page), 100);
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test('the filter controls are Tab stops with accessible names', { skip: missing }, async () => {
  const { page } = await open(data(200));
  const names: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    names.push(
      await page.evaluate(() => {
        const a = document.activeElement;
        return a ? (a.getAttribute('aria-label') ?? a.getAttribute('data-label') ?? a.tagName) : '';
      }),
    );
  }
  for (const n of ['r', 'u1', 'u2', 's']
    .flatMap((k) => [`Minimum ${k}`, `Maximum ${k}`])
    .concat('Filter samples', 'Export filtered CSV', 'Samples'))
    assert.ok(names.includes(n), `${n} is reached by Tab: ${names.join(' | ')}`);
  for (const k of ['r', 'u1', 'u2', 's']) await page.getByLabel(`Minimum ${k}`, { exact: true }).waitFor();
  // Typing in a field and Tabbing on keeps the keyboard where it went.
  await page.getByLabel('Minimum r', { exact: true }).focus();
  await page.keyboard.type('0.5');
  await page.keyboard.press('Tab');
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-label') ?? ''), 'Maximum r');
  await page.close();
});
