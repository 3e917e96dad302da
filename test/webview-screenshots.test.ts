/**
 * Screenshots of the panels' charts compared with golden images (test/golden/), in the light,
 * dark and high contrast themes: the dashboard's R chart with interval bands and its I12 small
 * chart, the sample explorer's scatter (also after a filter), the compare panel's scatter and a
 * sample's trajectory. A pixel differs when a channel differs by more than 32 from the golden
 * pixel and from its eight neighbours (text antialiased a pixel over is no change); a chart fails
 * when more than 0.5 % of its pixels differ, or its size does. Text is drawn in DejaVu Sans
 * (Debian's fonts-dejavu-core, which .ci/run installs): without it as the sans-serif font the
 * tests skip and say why. On a failure the actual, expected and
 * diff images go to test-artifacts/screenshots/.
 *
 * LSMI_UPDATE_GOLDEN=1 rewrites the golden images instead of comparing:
 *   node scripts/build.mjs && LSMI_UPDATE_GOLDEN=1 node --test out/test/webview-screenshots.test.js
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Locator, Page } from 'playwright-core';
import type { CheckpointPoint, HostToWebview, RunSeries, SampleData } from '../src/shared/protocol';
import { Rng } from '../src/core/rng';
import { REPO } from './helpers';
import { DARK_THEME, openPanel, setTheme, sharedBrowser } from './webview-page';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
declare const document: {
  fonts: { ready: Promise<unknown> };
  querySelector(s: string): { getAttribute(n: string): string | null } | null;
};
declare function requestAnimationFrame(cb: () => void): number;
declare const window: { postMessage(message: unknown, origin: string): void };

const shared = sharedBrowser('webview screenshot tests');
const { browser } = shared;

/** Why the screenshots cannot match the golden ones here: no Chromium, or another sans-serif font. */
function fontMissing(): string | undefined {
  let font = '';
  try {
    font = execFileSync('fc-match', ['-f', '%{family}', 'sans-serif'], { encoding: 'utf8' });
  } catch {
    return 'fc-match (fontconfig) is not installed, so the sans-serif font is unknown';
  }
  return /DejaVu Sans/.test(font)
    ? undefined
    : `the golden images use DejaVu Sans, and sans-serif here is "${font}" (apt-get install fonts-dejavu-core)`;
}
const missing = shared.missing ?? fontMissing();
if (missing && !shared.missing) console.log(`# skipped webview screenshot tests: ${missing}`);

const GOLDEN = path.join(REPO, 'test', 'golden');
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'screenshots');
const UPDATE = process.env.LSMI_UPDATE_GOLDEN === '1';
/** A pixel differs when one of its channels differs by more than this (antialiasing stays under it). */
const CHANNEL_TOLERANCE = 32;
/** A screenshot fails when more than this share of its pixels differ. */
const PIXEL_LIMIT = 0.005;

/**
 * VS Code's High Contrast (dark) theme as a webview gets it: black and white, the contrast
 * borders, and its chart and terminal colours (those palette.ts reads for classes).
 */
const HIGH_CONTRAST: Record<string, string> = {
  '--vscode-editor-background': '#000000',
  '--vscode-editor-foreground': '#ffffff',
  '--vscode-foreground': '#ffffff',
  '--vscode-descriptionForeground': '#ffffffb3',
  '--vscode-editorWidget-border': '#6fc3df',
  '--vscode-contrastBorder': '#6fc3df',
  '--vscode-contrastActiveBorder': '#f38518',
  '--vscode-focusBorder': '#f38518',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#ab5a00',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f48771',
  '--vscode-charts-yellow': '#ffd370',
  '--vscode-terminal-ansiCyan': '#00cdcd',
  '--vscode-terminal-ansiMagenta': '#cd00cd',
};

/** The text font, whatever the desktop's system-ui font is (VS Code sets this variable too). */
const FONT = { '--vscode-font-family': '"DejaVu Sans"' };

/** The themes in the order a page goes through them (light is the page as it opens). */
const THEMES: Array<[name: string, apply: (page: Page) => Promise<void>]> = [
  ['light', (page) => setTheme(page, FONT, '')],
  ['dark', (page) => setTheme(page, { ...DARK_THEME, ...FONT })],
  ['hc', (page) => setTheme(page, { ...HIGH_CONTRAST, ...FONT }, 'vscode-high-contrast')],
];

// ---- PNG in Node: what Chromium writes (8-bit RGB or RGBA, not interlaced), and RGBA out ----

interface Image {
  width: number;
  height: number;
  /** RGBA, row by row */
  data: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c,
    pa = Math.abs(p - a),
    pb = Math.abs(p - b),
    pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function decodePng(png: Buffer): Image {
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG signature');
  let width = 0,
    height = 0,
    channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at),
      type = png.toString('latin1', at + 4, at + 8),
      body = png.subarray(at + 8, at + 8 + len);
    at += 12 + len;
    if (type === 'IHDR') {
      [width, height] = [body.readUInt32BE(0), body.readUInt32BE(4)];
      const [depth, colorType, interlace] = [body[8], body[9], body[12]];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${interlace}`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1), 'PNG data of the header size');
  const data = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride),
    cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1),
      filter = raw[row];
    for (let i = 0; i < stride; i++) {
      const x = raw[row + 1 + i],
        a = i >= channels ? cur[i - channels] : 0,
        b = prev[i],
        c = i >= channels ? prev[i - channels] : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) p = paeth(a, b, c);
      else throw new Error(`PNG filter type ${filter} in row ${y}`);
      cur[i] = (x + p) & 255;
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 4;
      data[o] = cur[px * channels];
      data[o + 1] = cur[px * channels + 1];
      data[o + 2] = cur[px * channels + 2];
      data[o + 3] = channels === 4 ? cur[px * channels + 3] : 255;
    }
    [prev, cur] = [cur, prev];
  }
  return { width, height, data };
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** RGBA PNG, every row unfiltered (the diff images and the comparator's own test). */
function encodePng(img: Image): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const stride = img.width * 4,
    raw = Buffer.alloc(img.height * (stride + 1));
  for (let y = 0; y < img.height; y++) raw.set(img.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const signature = Buffer.from('89504e470d0a1a0a', 'hex');
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- comparison ----

interface Comparison {
  /** pixels differing by more than the tolerance; pixels of one image only count too */
  differing: number;
  /** pixels differing at all */
  changed: number;
  total: number;
  sizes?: string;
  /** differing pixels red, the others the expected image faded */
  diff: Image;
}

/** The largest channel difference between pixel offset a of `p` and offset e of `q`. */
function channelGap(p: Image, a: number, q: Image, e: number): number {
  let worst = 0;
  for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(p.data[a + k] - q.data[e + k]));
  return worst;
}

/**
 * Whether pixel (x, y) of `actual` matches one of `expected` within a pixel of it: text
 * antialiased a pixel over (another FreeType or Chromium build) is not a change of the chart.
 */
function nearMatch(actual: Image, x: number, y: number, expected: Image): boolean {
  const a = (y * actual.width + x) * 4;
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const ex = x + dx,
        ey = y + dy;
      if (ex < 0 || ey < 0 || ex >= expected.width || ey >= expected.height) continue;
      if (channelGap(actual, a, expected, (ey * expected.width + ex) * 4) <= CHANNEL_TOLERANCE) return true;
    }
  return false;
}

function compareImages(actual: Image, expected: Image): Comparison {
  const width = Math.max(actual.width, expected.width),
    height = Math.max(actual.height, expected.height);
  const diff = { width, height, data: new Uint8Array(width * height * 4) };
  let differing = 0,
    changed = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const inA = x < actual.width && y < actual.height,
        inE = x < expected.width && y < expected.height;
      const a = (y * actual.width + x) * 4,
        e = (y * expected.width + x) * 4;
      let worst = 256;
      if (inA && inE) worst = channelGap(actual, a, expected, e);
      if (worst > 0) changed++;
      // Both ways: a thin line missing from the actual image finds no match for its golden pixels.
      const moved = inA && inE && nearMatch(actual, x, y, expected) && nearMatch(expected, x, y, actual);
      if (worst > CHANNEL_TOLERANCE && !moved) {
        differing++;
        diff.data.set([255, 0, 0, 255], o);
      } else {
        const lum = 0.3 * expected.data[e] + 0.59 * expected.data[e + 1] + 0.11 * expected.data[e + 2];
        const v = Math.round(255 - (255 - lum) * 0.25);
        diff.data.set([v, v, v, 255], o);
      }
    }
  const sizes =
    actual.width !== expected.width || actual.height !== expected.height
      ? `size ${actual.width}x${actual.height}, golden ${expected.width}x${expected.height}`
      : undefined;
  return { differing, changed, total: width * height, ...(sizes ? { sizes } : {}), diff };
}

const failed = (c: Comparison) => c.sizes !== undefined || c.differing > PIXEL_LIMIT * c.total;

const rel = (file: string) => path.relative(REPO, file);

/**
 * `actual` (PNG bytes) against the golden image `golden`: the comparison, and a message when it
 * fails (the actual, expected and diff images then written to test-artifacts/screenshots/ as
 * `label`-actual.png and so on).
 */
function compareToGolden(
  golden: string,
  actual: Buffer,
  label = golden,
): { comparison?: Comparison; message?: string } {
  const file = path.join(GOLDEN, `${golden}.png`);
  if (!fs.existsSync(file)) return { message: `${rel(file)} is missing: run with LSMI_UPDATE_GOLDEN=1 to write it` };
  const expected = fs.readFileSync(file);
  const comparison = compareImages(decodePng(actual), decodePng(expected));
  if (!failed(comparison)) return { comparison };
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const out = (kind: string) => path.join(ARTIFACTS, `${label}-${kind}.png`);
  fs.writeFileSync(out('actual'), actual);
  fs.writeFileSync(out('expected'), expected);
  fs.writeFileSync(out('diff'), encodePng(comparison.diff));
  const { differing, total, sizes } = comparison;
  const share = ((100 * differing) / total).toFixed(2);
  return {
    comparison,
    message:
      `${label}: ${sizes ? `${sizes}; ` : ''}${differing} of ${total} pixels (${share} %) differ by more than ` +
      `${CHANNEL_TOLERANCE} in a channel (limit ${PIXEL_LIMIT * 100} %); see ${rel(out('actual'))}, ` +
      `${rel(out('expected'))} and ${rel(out('diff'))}`,
  };
}

/** The share of pixels off the most common colour (a blank screenshot has next to none). */
function ink(img: Image): number {
  const counts = new Map<number, number>();
  const view = new DataView(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  let most = 0;
  for (let o = 0; o < img.data.length; o += 4) {
    const v = view.getUint32(o),
      k = (counts.get(v) ?? 0) + 1;
    counts.set(v, k);
    most = Math.max(most, k);
  }
  return 1 - most / (img.width * img.height);
}

// ---- screenshots ----

/** Waits until the page has drawn: fonts loaded, then two frames (a redraw waits for one). */
async function settle(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.evaluate(() =>
    document.fonts.ready.then(
      () => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))),
    ),
  );
}

/** Screenshots `locator` and compares it with its golden image (or writes that); a failure's message. */
async function shoot(t: TestContext, locator: Locator, name: string): Promise<string | undefined> {
  await settle(locator.page());
  const png = await locator.screenshot({ animations: 'disabled' });
  const img = decodePng(png);
  const share = ink(img);
  assert.ok(share > 0.01, `${name}: blank screenshot, ${(100 * share).toFixed(2)} % of pixels drawn`);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(path.join(GOLDEN, `${name}.png`), png);
    t.diagnostic(`wrote test/golden/${name}.png: ${img.width}x${img.height}, ${png.length} bytes`);
    return undefined;
  }
  const { comparison: c, message } = compareToGolden(name, png);
  if (c) t.diagnostic(`${name}: ${c.differing} of ${c.total} pixels differ (${c.changed} at all)`);
  return message;
}

/** Screenshots of `selector` in each theme, `name`-light, -dark and -hc; the failures' messages. */
async function shootThemes(t: TestContext, page: Page, selector: string, name: string): Promise<string[]> {
  const failures: string[] = [];
  for (const [theme, apply] of THEMES) {
    await apply(page);
    const failure = await shoot(t, page.locator(selector), `${name}-${theme}`);
    if (failure) failures.push(failure);
  }
  return failures;
}

/** The Chromium that drew the golden images (test/golden/chromium.txt, written with them). */
const GOLDEN_CHROMIUM = path.join(GOLDEN, 'chromium.txt');

/**
 * Fails with the differences; but when another Chromium version draws than drew the golden
 * images, antialiasing may differ everywhere: then the test is skipped, saying so and where the
 * diff images are, rather than failing on a renderer change (rewrite them after looking).
 */
function settleFailures(t: TestContext, failures: string[]): void {
  if (UPDATE) fs.writeFileSync(GOLDEN_CHROMIUM, `${browser().version()}\n`);
  if (!failures.length) return;
  const drawnBy = fs.existsSync(GOLDEN_CHROMIUM) ? fs.readFileSync(GOLDEN_CHROMIUM, 'utf8').trim() : '';
  const now = browser().version();
  if (drawnBy && drawnBy.split('.')[0] !== now.split('.')[0]) {
    const why = `golden images drawn by Chromium ${drawnBy}, this is ${now}: ${failures.join('; ')}`;
    console.log(`# skipped: ${why}`);
    t.skip(why);
    return;
  }
  assert.fail(failures.join('\n'));
}

// ---- fixed data (seeded) ----

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const HOUR = 3600_000;

/** Three runs of 8 checkpoints: random walks of R, U1, U2, S with 90 % intervals, information and accuracy. */
function dashboardRuns(): RunSeries[] {
  const rng = new Rng(20260105);
  const step = (v: number, size: number) => Math.max(0.01, v + size * (rng.next() - 0.45));
  const interval = (v: number): [number, number] => {
    const half = 0.01 + 0.03 * rng.next();
    return [Math.max(0, v - half), v + half];
  };
  return ['cross-attention', 'early-fusion', 'late-fusion'].map((run, r) => {
    let [R, U1, U2, S] = [0.35 - 0.08 * r, 0.12, 0.05 + 0.03 * r, 0.06 + 0.05 * r];
    const points = Array.from({ length: 8 }, (_, e): CheckpointPoint => {
      [R, U1, U2, S] = [step(R, 0.06), step(U1, 0.03), step(U2, 0.03), step(S, 0.05)];
      return {
        file: `/runs/${run}/epoch-${e + 1}.safetensors`,
        epoch: e + 1,
        step: (e + 1) * 250,
        time: T0 + (6 * e + r) * HOUR,
        R,
        U1,
        U2,
        S,
        intervals: { level: 0.9, R: interval(R), U1: interval(U1), U2: interval(U2), S: interval(S) },
        source: 'logits',
        info: { I1: R + U1, I2: R + U2, I12: R + U1 + U2 + S },
        accuracy: { x1: 0.5 + 0.04 * e * rng.next(), x2: 0.45 + 0.03 * e * rng.next(), x12: 0.6 + 0.04 * e },
      };
    });
    return { run, name: run, points };
  });
}

/** `n` samples of three classes whose r and s cluster by class, with dump ids. */
function samples(n: number, seed: number): SampleData {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const col = (f: (c: number) => number) => Float32Array.from(y, (c) => Math.max(0, f(c)));
  const r = col((c) => 0.15 + 0.2 * c + 0.08 * rng.normal()),
    u1 = col(() => 0.05 + 0.04 * rng.normal()),
    u2 = col((c) => 0.03 * c + 0.03 * rng.normal()),
    s = col((c) => 0.5 - 0.12 * c + 0.1 * rng.normal());
  return withMeans({
    run: 'late-fusion',
    file: '/runs/late-fusion/epoch-4.safetensors',
    epoch: 4,
    n,
    r,
    u1,
    u2,
    s,
    y,
    ids: Float64Array.from({ length: n }, (_, i) => 1000 + i),
    classNames: ['cat', 'dog', 'bird'],
    perClass: [],
    dataset: { R: 0, U1: 0, U2: 0, S: 0 },
  });
}

/** `d` with its per-class and dataset means computed from its values. */
function withMeans(d: SampleData): SampleData {
  const mean = (x: Float32Array, keep: (i: number) => boolean) => {
    let sum = 0,
      k = 0;
    x.forEach((v, i) => {
      if (keep(i)) [sum, k] = [sum + v, k + 1];
    });
    return k ? sum / k : 0;
  };
  const means = (keep: (i: number) => boolean) => ({
    R: mean(d.r, keep),
    U1: mean(d.u1, keep),
    U2: mean(d.u2, keep),
    S: mean(d.s, keep),
  });
  const perClass = [0, 1, 2].map((c) => ({
    class: c,
    n: d.y.filter((v) => v === c).length,
    ...means((i) => d.y[i] === c),
  }));
  return { ...d, perClass, dataset: means(() => true) };
}

/** A later checkpoint of the same samples: s grows with the class, r shrinks, with noise. */
function later(a: SampleData, seed: number): SampleData {
  const rng = new Rng(seed);
  const move = (x: Float32Array, by: number) =>
    Float32Array.from(x, (v, i) => Math.max(0, v + by * (1 + a.y[i]) + 0.05 * rng.normal()));
  return withMeans({
    ...a,
    file: '/runs/late-fusion/epoch-8.safetensors',
    epoch: 8,
    r: move(a.r, -0.03),
    u1: move(a.u1, 0),
    u2: move(a.u2, 0.01),
    s: move(a.s, 0.06),
  });
}

const EXPLORER = samples(1500, 11);

// ---- the tests ----

test('dashboard R chart with interval bands: light, dark and high contrast', { skip: missing }, async (t) => {
  const msg: HostToWebview = { type: 'init', view: 'dashboard', title: 'Dash', runs: dashboardRuns() };
  const { page, errors } = await openPanel(browser(), 'dashboard', [msg], '.chart svg');
  assert.equal(await page.locator('.chart[data-interaction="R"] path.band').count(), 3, 'a band per run');
  const failures = await shootThemes(t, page, '.chart[data-interaction="R"]', 'dashboard-r');
  assert.deepEqual(errors, []);
  await page.close();
  settleFailures(t, failures);
});

test('dashboard small chart of I(X1,X2;Y): light, dark and high contrast', { skip: missing }, async (t) => {
  const msg: HostToWebview = { type: 'init', view: 'dashboard', title: 'Dash', runs: dashboardRuns() };
  const { page, errors } = await openPanel(browser(), 'dashboard', [msg], '.chart.mini svg');
  const failures = await shootThemes(t, page, '.chart[data-metric="I12"]', 'dashboard-i12');
  assert.deepEqual(errors, []);
  await page.close();
  settleFailures(t, failures);
});

test(
  'sample explorer scatter: light, dark, high contrast, and redrawn after a filter',
  { skip: missing },
  async (t) => {
    const init: HostToWebview = { type: 'init', view: 'samples', title: 'Samples', data: EXPLORER };
    const { page, errors } = await openPanel(browser(), 'samples', [init], '.scatter canvas', 1280);
    const canvas = '.scatter canvas:not(.brush)';
    const failures = await shootThemes(t, page, canvas, 'explorer-scatter');
    // Still in high contrast, a range filter: the points follow one frame after the table.
    await page.getByLabel('Minimum r', { exact: true }).fill('0.3');
    await page.getByLabel('Minimum r', { exact: true }).press('Enter');
    const kept = EXPLORER.r.filter((v) => v >= 0.3).length;
    await page.waitForFunction(
      ([sel, k]) => document.querySelector(sel)?.getAttribute('aria-label')?.endsWith(`for ${k} samples`),
      [canvas, kept] as const,
    );
    const filtered = await shoot(t, page.locator(canvas), 'explorer-scatter-filtered-hc');
    if (filtered) failures.push(filtered);
    assert.deepEqual(errors, []);
    await page.close();
    settleFailures(t, failures);
  },
);

test('compare panel scatter: light, dark and high contrast', { skip: missing }, async (t) => {
  const a = samples(800, 5);
  const init: HostToWebview = { type: 'init', view: 'compare', title: 'Compare', a, b: later(a, 6) };
  const { page, errors } = await openPanel(browser(), 'compare', [init], '.scatter canvas', 1200);
  assert.equal(await page.textContent('.pairing-note'), '800 paired by id');
  const failures = await shootThemes(t, page, '.scatter canvas', 'compare-scatter');
  assert.deepEqual(errors, []);
  await page.close();
  settleFailures(t, failures);
});

test("a sample's trajectory chart: light, dark and high contrast", { skip: missing }, async (t) => {
  const data = samples(200, 13);
  const init: HostToWebview = { type: 'init', view: 'samples', title: 'Samples', data };
  const { page, errors } = await openPanel(browser(), 'samples', [init], '.tr', 1280);
  await page.click('.tr[data-index="3"]');
  const rng = new Rng(17);
  const points = Array.from({ length: 6 }, (_, e) => ({
    file: `/runs/late-fusion/epoch-${e + 1}.safetensors`,
    epoch: e + 1,
    step: (e + 1) * 500,
    r: 0.4 - 0.04 * e + 0.03 * rng.next(),
    u1: 0.08 + 0.01 * e,
    u2: 0.05 + 0.03 * rng.next(),
    s: 0.1 + 0.05 * e + 0.02 * rng.next(),
  }));
  const reply: HostToWebview = { type: 'trajectory', file: data.file, index: 3, points };
  await page.evaluate((m) => window.postMessage(m, '*'), reply);
  await page.waitForSelector('.trajectory svg');
  const failures = await shootThemes(t, page, '.trajectory', 'trajectory');
  assert.deepEqual(errors, []);
  await page.close();
  settleFailures(t, failures);
});

test('the comparator: an image matches itself; a repainted 40 x 40 block is reported', () => {
  const name = 'dashboard-r-light';
  const file = path.join(GOLDEN, `${name}.png`);
  assert.ok(fs.existsSync(file), `${rel(file)} is missing: run with LSMI_UPDATE_GOLDEN=1 to write it`);
  const png = fs.readFileSync(file);
  const same = compareToGolden(name, png);
  assert.equal(same.message, undefined);
  assert.deepEqual([same.comparison?.differing, same.comparison?.changed], [0, 0]);
  // The encoder (used for diff images) round-trips.
  const img = decodePng(png);
  assert.deepEqual(decodePng(encodePng(img)), img);
  // Magenta is in none of the charts' colours: every pixel of the block differs.
  const [x0, y0] = [Math.floor(img.width / 2) - 20, Math.floor(img.height / 2) - 20];
  const painted = { ...img, data: Uint8Array.from(img.data) };
  for (let y = y0; y < y0 + 40; y++)
    for (let x = x0; x < x0 + 40; x++) painted.data.set([255, 0, 255, 255], (y * img.width + x) * 4);
  const { comparison, message } = compareToGolden(name, encodePng(painted), 'comparator-check');
  assert.equal(comparison?.differing, 1600);
  assert.match(message ?? '', /^comparator-check: 1600 of \d+ pixels \([\d.]+ %\) differ by more than 32/);
  const diff = decodePng(fs.readFileSync(path.join(ARTIFACTS, 'comparator-check-diff.png')));
  const at = ((y0 + 20) * diff.width + x0 + 20) * 4;
  assert.deepEqual([...diff.data.subarray(at, at + 4)], [255, 0, 0, 255], 'the block is red in the diff image');
  // The whole chart drawn a pixel to the right (as text antialiased elsewhere moves) is no change,
  // but two pixels are.
  const shifted = (by: number) => {
    const out = { ...img, data: Uint8Array.from(img.data) };
    for (let y = 0; y < img.height; y++)
      out.data.set(
        img.data.subarray(y * img.width * 4, (y * img.width + img.width - by) * 4),
        (y * img.width + by) * 4,
      );
    return out;
  };
  assert.equal(compareToGolden(name, encodePng(shifted(1)), 'comparator-shift-check').comparison?.differing, 0);
  assert.ok(compareToGolden(name, encodePng(shifted(3)), 'comparator-shift-check').message, 'three pixels over fails');
  // A one-pixel size change fails whatever the pixels.
  const cropped = { width: img.width - 1, height: img.height, data: new Uint8Array((img.width - 1) * img.height * 4) };
  for (let y = 0; y < img.height; y++)
    cropped.data.set(img.data.subarray(y * img.width * 4, (y * img.width + img.width - 1) * 4), y * cropped.width * 4);
  assert.match(
    compareToGolden(name, encodePng(cropped), 'comparator-size-check').message ?? '',
    /size \d+x\d+, golden/,
  );
});
