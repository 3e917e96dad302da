/**
 * The class palette (webview/palette.ts, GitHub issue 14), measured where it is drawn: the sample
 * explorer's scatter key, its points and class table, and the compare panel, in real Chromium,
 * in the light and the dark theme. Distances are CIEDE2000 (Sharma, Wu and Dalal 2005) and
 * CIE76 in CIELAB (D65).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { SampleData } from '../src/shared/protocol';
import { openPanel, setTheme, sharedBrowser } from './webview-page';

// Page-side names used in the callbacks below.
declare const document: {
  querySelector(s: string): {
    width: number;
    height: number;
    getContext(k: string): { getImageData(...a: number[]): { data: ArrayLike<number> } };
  };
};
declare function getComputedStyle(e: unknown): { backgroundColor: string };

const { missing, browser } = sharedBrowser();

type Rgb = [number, number, number];
type Lab = [number, number, number];

const rgbOf = (css: string) => css.match(/\d+/g)!.slice(0, 3).map(Number) as Rgb;

function lab(rgb: Rgb): Lab {
  const [r, g, b] = rgb.map((c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const X = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047),
    Y = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b),
    Z = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883);
  return [116 * Y - 16, 500 * (X - Y), 200 * (Y - Z)];
}

const de76 = (p: Lab, q: Lab) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);

function de2000([L1, a1, b1]: Lab, [L2, a2, b2]: Lab): number {
  const rad = Math.PI / 180;
  const Cm = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)));
  const [p1, p2] = [(1 + G) * a1, (1 + G) * a2];
  const [C1, C2] = [Math.hypot(p1, b1), Math.hypot(p2, b2)];
  const hue = (b: number, a: number) => (a === 0 && b === 0 ? 0 : (Math.atan2(b, a) / rad + 360) % 360);
  const [h1, h2] = [hue(b1, p1), hue(b2, p2)];
  let dh = C1 * C2 === 0 ? 0 : h2 - h1;
  if (dh > 180) dh -= 360;
  else if (dh < -180) dh += 360;
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin((dh * rad) / 2);
  const L = (L1 + L2) / 2,
    C = (C1 + C2) / 2;
  let H = h1 + h2;
  if (C1 * C2 !== 0) H = (Math.abs(h1 - h2) > 180 ? H + (H < 360 ? 360 : -360) : H) / 2;
  const T =
    1 -
    0.17 * Math.cos((H - 30) * rad) +
    0.24 * Math.cos(2 * H * rad) +
    0.32 * Math.cos((3 * H + 6) * rad) -
    0.2 * Math.cos((4 * H - 63) * rad);
  const RC = 2 * Math.sqrt(C ** 7 / (C ** 7 + 25 ** 7));
  const RT = -Math.sin(2 * 30 * Math.exp(-(((H - 275) / 25) ** 2)) * rad) * RC;
  const SL = 1 + (0.015 * (L - 50) ** 2) / Math.sqrt(20 + (L - 50) ** 2),
    SC = 1 + 0.045 * C,
    SH = 1 + 0.015 * C * T;
  const [x, y, z] = [(L2 - L1) / SL, (C2 - C1) / SC, dH / SH];
  return Math.sqrt(x * x + y * y + z * z + RT * y * z);
}

/** The smallest distance between two of the colours, and which two. */
function closest(colors: Rgb[], d: (p: Lab, q: Lab) => number): [number, string] {
  let min = Infinity,
    which = '';
  for (let i = 0; i < colors.length; i++)
    for (let j = i + 1; j < colors.length; j++) {
      const v = d(lab(colors[i]), lab(colors[j]));
      if (v < min) [min, which] = [v, `classes ${i} and ${j}`];
    }
  return [min, which];
}

test('CIEDE2000 reproduces the published test data (Sharma et al. 2005, pairs 1, 7, 17, 25)', () => {
  const pairs: Array<[Lab, Lab, number]> = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
  ];
  for (const [p, q, want] of pairs) assert.ok(Math.abs(de2000(p, q) - want) < 1e-4, `${de2000(p, q)} vs ${want}`);
});

/** `n` samples of `k` classes (class c = i mod k), spread over the plot so most points stand alone. */
function classes(k: number, n = 10 * k): SampleData {
  const f = (g: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => g(i));
  return {
    run: 'many-classes',
    file: '/runs/many-classes/epoch-1.safetensors',
    epoch: 1,
    n,
    r: f((i) => i / n),
    u1: f(() => 0.1),
    u2: f(() => 0.1),
    s: f((i) => ((i * 37) % n) / n),
    y: Int32Array.from({ length: n }, (_, i) => i % k),
    perClass: Array.from({ length: k }, (_, c) => ({ class: c, n: 10, R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 * c })),
    dataset: { R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 },
  };
}

/** The colours of the scatter key's swatches, in class order. */
const keyColors = (page: Page, root = '.scatter') =>
  page.$$eval(`${root} .legend-keys .swatch`, (s) => s.map((e) => getComputedStyle(e).backgroundColor));

/**
 * The colours of the scatter's points drawn alone: 3×3 pixels of one colour at alpha 0.8 exactly,
 * not blended with another point (a point is 4×4; antialiased labels and frame are not such blocks).
 */
const pointColors = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('.scatter canvas'),
      W = canvas.width;
    const px = canvas.getContext('2d').getImageData(0, 0, W, canvas.height).data;
    const seen = new Set<string>();
    const same = (o: number, p: number) => [0, 1, 2, 3].every((k) => px[o + k] === px[p + k]);
    for (let o = 0; o < px.length - 8 * W - 8; o += 4) {
      if (px[o + 3] !== 204) continue;
      if ([0, 1, 2].every((dy) => [0, 1, 2].every((dx) => same(o, o + 4 * (dy * W + dx)))))
        seen.add(`${px[o]},${px[o + 1]},${px[o + 2]}`);
    }
    return [...seen].map((s) => s.split(',').map(Number) as [number, number, number]);
  });

/** Which key colour each point colour is (within the canvas's rounding of premultiplied alpha). */
function classesDrawn(points: Rgb[], key: Rgb[]): Set<number> {
  const drawn = new Set<number>();
  for (const p of points) {
    const c = key.findIndex((k) => k.every((v, i) => Math.abs(v - p[i]) <= 2));
    assert.ok(c >= 0, `point colour ${p} is a class colour`);
    drawn.add(c);
  }
  return drawn;
}

test('12 classes: 12 colours pairwise distinct in the light and the dark theme, on the points and in the tables', async (t) => {
  if (missing) return t.skip(missing);
  const data = classes(12);
  const { page, errors } = await openPanel(
    browser(),
    'samples',
    [{ type: 'init', view: 'samples', title: 'Samples', data }],
    '.scatter canvas',
    1280,
  );
  const seen: Record<string, Rgb[]> = {};
  for (const theme of ['light', 'dark']) {
    if (theme === 'dark') await setTheme(page, { '--vscode-editor-background': '#1f1f1f' });
    const key = (await keyColors(page)).map(rgbOf);
    assert.equal(key.length, 12, `${theme}: a key entry per class`);
    const [d00, at00] = closest(key, de2000);
    const [d76, at76] = closest(key, de76);
    assert.ok(d00 > 12, `${theme}: CIEDE2000 ${d00.toFixed(1)} between ${at00}`);
    assert.ok(d76 > 15, `${theme}: CIE76 ${d76.toFixed(1)} between ${at76}`);
    assert.equal(classesDrawn(await pointColors(page), key).size, 12, `${theme}: the points take 12 colours`);
    const table = await page.$$eval('.classes tr[data-class]', (rows) =>
      rows.map((r) => [
        Number(r.getAttribute('data-class')),
        getComputedStyle(r.querySelector('.swatch')).backgroundColor,
      ]),
    );
    for (const [c, color] of table)
      assert.deepEqual(rgbOf(color as string), key[c as number], `class table, class ${c}`);
    seen[theme] = key;
  }
  assert.notDeepEqual(seen.light, seen.dark, 'each theme has its own set');
  assert.deepEqual(errors, []);
  await page.close();
});

test('24 classes: the second twelve are the first faded, so every class keeps its own colour', async (t) => {
  if (missing) return t.skip(missing);
  const { page } = await openPanel(
    browser(),
    'samples',
    [{ type: 'init', view: 'samples', title: 'Samples', data: classes(24) }],
    '.scatter canvas',
    1280,
  );
  const key = (await keyColors(page)).map(rgbOf);
  assert.equal(new Set(key.map(String)).size, 24);
  for (let c = 0; c < 12; c++) {
    assert.ok(lab(key[c + 12])[0] > lab(key[c])[0], `class ${c + 12} is class ${c}'s colour, lighter`);
    assert.ok(de2000(lab(key[c]), lab(key[c + 1])) > 12, `classes ${c} and ${c + 1} differ`);
  }
  await page.close();
});

test("compare panel: the scatter's points take their class's colour, as in the explorer", async (t) => {
  if (missing) return t.skip(missing);
  const a = classes(12);
  // B's s in another order, so that points lie off the diagonal (drawn over them).
  const b = { ...a, epoch: 2, file: '/runs/x/epoch-2.safetensors', s: a.s.map((_, i) => ((i * 53) % a.n) / a.n) };
  const { page } = await openPanel(
    browser(),
    'compare',
    [{ type: 'init', view: 'compare', title: 'Compare', a, b }],
    '.scatter canvas',
    1200,
  );
  const key = (await keyColors(page)).map(rgbOf);
  assert.equal(new Set(key.map(String)).size, 12);
  assert.equal(classesDrawn(await pointColors(page), key).size, 12);
  const swatches = await page.$$eval('.classes tr[data-class] .swatch', (s) =>
    s.map((e) => getComputedStyle(e).backgroundColor),
  );
  assert.deepEqual(swatches.map(rgbOf), key, 'the per-class table shows the same colours');
  await page.close();
});
