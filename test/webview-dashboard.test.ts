/**
 * The dashboard's reading tools in a real Chromium: interval bands and their toggle, the hover
 * tooltip, the run filter, the x axis picker, drag to zoom, chart downloads and the small
 * charts of information terms and accuracy; once in the dark theme's variables.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { writeReport } from '../src/report/html';
import type { RunSeries } from '../src/shared/protocol';
import { REPO, tempDir } from './helpers';
import { DARK_THEME, openPanel, posted, setTheme, sharedBrowser } from './webview-page';

const ARTIFACTS = path.join(REPO, 'test-artifacts');

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
declare class DOMParser {
  parseFromString(
    s: string,
    type: string,
  ): { querySelectorAll(s: string): { length: number }; documentElement: { nodeName: string } };
}
declare const document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
declare function getComputedStyle(e: unknown): { fillOpacity: string; stroke: string; fill: string };

const { missing, browser } = sharedBrowser();

const T0 = Date.UTC(2026, 10, 20, 9, 0);
const HOUR = 3600_000;

/** Two runs of 5 epochs with steps, times, intervals, information terms and accuracies. */
const RUNS: RunSeries[] = ['alpha-late', 'beta-early'].map((run, r) => ({
  run,
  name: run,
  points: Array.from({ length: 5 }, (_, e) => {
    const S = 0.1 + 0.05 * e + 0.1 * r;
    return {
      file: `/runs/${run}/epoch-${e + 1}.safetensors`,
      epoch: e + 1,
      step: (e + 1) * 100,
      time: T0 + (e * 24 + r) * HOUR,
      R: 0.4 - 0.05 * e,
      U1: 0.1,
      U2: 0.05,
      S,
      intervals: {
        level: 0.9,
        R: [0.3 - 0.05 * e, 0.5 - 0.05 * e],
        U1: [0.05, 0.15],
        U2: [0, 0.1],
        S: [S - 0.03, S + 0.03],
      },
      source: 'logits' as const,
      info: { I1: 0.5 + 0.01 * e, I2: 0.3, I12: 0.9 + 0.1 * e + r },
      accuracy: { x1: 0.6, x2: 0.5, x12: 0.7 + 0.05 * e },
    };
  }),
}));

const open = async (runs = RUNS) =>
  (await openPanel(browser(), 'dashboard', [{ type: 'init', view: 'dashboard', title: 'Dash', runs }], '.chart svg'))
    .page;
const count = (page: Page, sel: string) => page.$$eval(sel, (e) => e.length);

test('interval bands shade each run and go when "Show intervals" is off', { skip: missing }, async () => {
  const page = await open();
  assert.equal(await count(page, '.chart[data-interaction="S"] path.band'), 2, 'a band per run');
  assert.equal(await count(page, '.chart path.band'), 8);
  // The band encloses the line: its top edge is above (smaller y) the line's first vertex.
  const d = (await page.getAttribute('.chart[data-interaction="S"] path.band[data-run="alpha-late"]', 'd'))!;
  assert.match(d, /^M[\d.,L]+Z$/);
  const fill = await page.$eval('.chart path.band', (p) => getComputedStyle(p).fillOpacity);
  assert.ok(Number(fill) > 0 && Number(fill) < 0.5, `faint fill ${fill}`);
  assert.equal(await page.getByRole('checkbox', { name: 'Show intervals' }).count(), 1);
  await page.click('vscode-checkbox.show-intervals');
  assert.equal(await count(page, '.chart path.band'), 0, 'no bands when toggled off');
  assert.equal(await count(page, '.chart[data-interaction] path.line'), 8, 'lines stay');
  await page.click('vscode-checkbox.show-intervals');
  assert.equal(await count(page, '.chart path.band'), 8);
  await page.close();
});

test('hover tooltip lists every run at that x with its interval and source', { skip: missing }, async () => {
  const page = await open();
  const box = (await (await page.$('.chart[data-interaction="S"] svg'))!.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2);
  const rows = await page.$$eval('.chart[data-interaction="S"] .chart-tooltip .tip-row', (rs) =>
    rs.map((r) => r.textContent ?? ''),
  );
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^alpha-late · step 500 \(epoch 5\): 0\.300 \[0\.270, 0\.330\] nats\s*logits$/);
  assert.match(rows[1], /^beta-early · step 500 \(epoch 5\): 0\.400 \[0\.370, 0\.430\] nats\s*logits$/);
  assert.equal(await page.isVisible('.chart[data-interaction="S"] .chart-tooltip'), true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-tooltip.png') });
  await page.mouse.move(0, 0);
  assert.equal(await page.isVisible('.chart[data-interaction="S"] .chart-tooltip'), false);
  // On the epoch axis the tooltip names checkpoints by epoch, the step after it.
  await page.getByRole('combobox', { name: 'X axis' }).selectOption('epoch');
  const chart = (await (await page.$('.chart[data-interaction="S"] svg'))!.boundingBox())!;
  await page.mouse.move(chart.x + chart.width * 0.97, chart.y + chart.height / 2);
  const first = await page.textContent('.chart[data-interaction="S"] .chart-tooltip .tip-row');
  assert.match(first ?? '', /^alpha-late · epoch 5 \(step 500\): 0\.300/);
  await page.close();
});

test(
  'run filter: a regex hides runs, an invalid one says so; select none / all act on matches',
  { skip: missing },
  async () => {
    const page = await open();
    const filter = page.getByRole('searchbox', { name: 'Filter runs' });
    await filter.fill('^ALPHA');
    assert.equal(await count(page, '.chart[data-interaction="S"] path.line'), 1);
    assert.equal(await count(page, '.chart path.line[data-run="beta-early"]'), 0);
    assert.equal(await count(page, 'vscode-checkbox[data-run]'), 1);
    await filter.fill('alpha(');
    assert.match((await page.textContent('.filter-error')) ?? '', /Not a valid regular expression/);
    assert.equal(await count(page, '.chart[data-interaction="S"] path.line'), 2, 'an invalid regex filters nothing');
    await filter.fill('early');
    await page.click('vscode-button.select-none');
    assert.match((await page.textContent('.empty')) ?? '', /hidden/);
    await filter.fill('');
    assert.equal(await count(page, '.chart[data-interaction="S"] path.line'), 1, 'only the matched run was unselected');
    await page.click('vscode-button.select-all');
    assert.equal(await count(page, '.chart[data-interaction="S"] path.line'), 2);
    await page.close();
  },
);

const ticks = (page: Page, chart: string) =>
  page.$$eval(`${chart} text.x-tick`, (ts) => ts.map((t) => t.textContent ?? ''));

test(
  'x axis: step, epoch and wall time change the ticks; an axis the data lacks is disabled',
  { skip: missing },
  async () => {
    const page = await open();
    const sel = page.getByRole('combobox', { name: 'X axis' });
    assert.equal(await sel.inputValue(), 'step');
    assert.deepEqual(await ticks(page, '.chart[data-interaction="R"]'), ['100', '200', '300', '400', '500']);
    await sel.selectOption('epoch');
    assert.deepEqual(await ticks(page, '.chart[data-interaction="R"]'), ['1', '2', '3', '4', '5']);
    assert.equal(await page.textContent('.chart[data-interaction="R"] text.x-label'), 'epoch');
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('time');
    const times = await ticks(page, '.chart[data-interaction="R"]');
    assert.ok(times.length >= 3, `${times}`);
    assert.ok(
      times.some((t) => /^Nov (2[0-4])$/.test(t)),
      `dates on a wall-time axis: ${times}`,
    );
    await page.close();
    // Without times the wall-time option is there but disabled.
    const bare = await open(RUNS.map((r) => ({ ...r, points: r.points.map(({ time: _t, ...p }) => p) })));
    assert.equal(
      await bare.$eval(
        'select.x-axis-select option[value="time"]',
        (o) => (o as unknown as { disabled: boolean }).disabled,
      ),
      true,
    );
    await bare.close();
  },
);

const domain = (page: Page) =>
  page.$$eval('.chart svg', (ss) => ss.map((s) => `${s.getAttribute('data-x0')}-${s.getAttribute('data-x1')}`));

test(
  'drag to zoom narrows every chart to the same x range; Reset zoom and double-click restore',
  { skip: missing },
  async () => {
    const page = await open();
    const before = await domain(page);
    assert.ok(
      before.every((x) => x === '0-500'),
      `${before}`,
    );
    const box = (await (await page.$('.chart[data-interaction="R"] svg'))!.boundingBox())!;
    // viewBox units: plot from 48 to 408 of 420; x 200 and 400 sit at 48 + 360 * 0.4 and 0.8.
    const at = (x: number) => box.x + ((48 + (360 * x) / 500) * box.width) / 420;
    await page.mouse.move(at(190), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(at(300), box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(at(410), box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('.chart svg')?.getAttribute('data-x0') !== '0');
    const zoomed = await domain(page);
    assert.equal(new Set(zoomed).size, 1, `one domain for all charts: ${zoomed}`);
    const [x0, x1] = zoomed[0].split('-').map(Number);
    assert.ok(Math.abs(x0 - 190) < 3 && Math.abs(x1 - 410) < 3, `${zoomed[0]}`);
    assert.deepEqual(await ticks(page, '.chart[data-interaction="S"]'), ['200', '300', '400']);
    assert.equal(await count(page, '.chart[data-interaction="S"] circle.point'), 6, 'points outside the range are cut');
    // The lines run on to both edges through the checkpoints just outside (steps 100 and 500),
    // clipped to the plot area: x 48 to 408 of the viewBox.
    const line = await page.$eval('.chart[data-interaction="S"] path.line', (e) => ({
      d: e.getAttribute('d') ?? '',
      clip: e.getAttribute('clip-path') ?? '',
    }));
    const xs = [...line.d.matchAll(/[ML](-?[\d.]+),/g)].map((m) => Number(m[1]));
    assert.equal(xs.length, 5, `three checkpoints inside and one beyond each edge: ${line.d}`);
    assert.ok(xs[0] < 48 && xs[4] > 408, `from ${xs[0]} to ${xs[4]}`);
    const clip = await page.$eval(`.chart[data-interaction="S"] ${line.clip.slice(4, -1)} rect`, (r) =>
      ['x', 'width'].map((a) => Number(r.getAttribute(a))),
    );
    assert.deepEqual(clip, [48, 360], `the line is clipped to the plot area (${line.clip})`);
    assert.ok(!(await posted(page)).some((m) => m.type === 'openCheckpoint'), 'the drag opened nothing');
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    assert.deepEqual(await domain(page), before);
    // Zoom again, then a double-click resets.
    await page.mouse.move(at(100), box.y + 50);
    await page.mouse.down();
    await page.mouse.move(at(300), box.y + 50, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('.chart svg')?.getAttribute('data-x0') !== '0');
    await page.dblclick('.chart[data-interaction="U1"] svg', { position: { x: 5, y: 5 } });
    await page.waitForFunction(() => document.querySelector('.chart svg')?.getAttribute('data-x0') === '0');
    await page.close();
  },
);

test('Download SVG posts a vector drawing of the chart; Download PNG posts a PNG', { skip: missing }, async () => {
  const page = await open();
  await page.click('vscode-button[aria-label="Download SVG of Synergy S"]');
  const exports = async () =>
    (await posted(page)).filter((m) => m.type === 'export') as Array<{ format: string; content: string }>;
  const svg = (await exports()).find((m) => m.format === 'svg')!;
  assert.ok(svg, 'an export message with the SVG');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      root: doc.documentElement.nodeName,
      lines: doc.querySelectorAll('path.line').length,
      errors: doc.querySelectorAll('parsererror').length,
    };
  }, svg.content);
  assert.deepEqual(parsed, { root: 'svg', lines: 2, errors: 0 });
  assert.match(svg.content, /<title>Synergy S<\/title>/);
  assert.doesNotMatch(svg.content, /var\(--/, 'colours resolved to values');
  assert.match(svg.content, /stroke="rgb\(\d+, \d+, \d+\)"/);
  await page.click('vscode-button[aria-label="Download PNG of Synergy S"]');
  let png: { content: string } | undefined;
  for (let i = 0; i < 50 && !png; i++) {
    png = (await exports()).find((m) => m.format === 'png');
    if (!png) await page.waitForTimeout(100);
  }
  const bytes = Buffer.from(png!.content, 'base64');
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.readUInt32BE(16), 840, 'twice the chart width');
  await page.close();
});

test(
  'small charts draw I1, I2, I12 and accuracy per checkpoint; dark theme colours the bands',
  { skip: missing },
  async () => {
    const page = await open();
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('epoch');
    assert.deepEqual(await page.$$eval('.chart.mini h2', (h) => h.map((x) => x.textContent)), [
      'Information I(X1;Y)',
      'Information I(X2;Y)',
      'Information I(X1,X2;Y)',
      'Accuracy (joint)',
      'Accuracy (x1)',
      'Accuracy (x2)',
    ]);
    const tip = await page.textContent(
      '.chart[data-metric="I12"] circle.point[data-run="beta-early"][data-file$="epoch-3.safetensors"] title',
    );
    assert.match(tip ?? '', /· epoch 3 \(step 300\) · I12 2\.100 nats/);
    const acc = await page.textContent('.chart[data-metric="acc12"] circle.point[data-run="alpha-late"] title');
    assert.match(acc ?? '', /acc12 0\.700 · values from logits$/);
    await setTheme(page, DARK_THEME);
    const fills = await page.$$eval('.chart[data-interaction="S"] path.band', (ps) =>
      ps.map((p) => getComputedStyle(p).fill),
    );
    const dark = [
      'rgb(55, 148, 255)',
      'rgb(209, 134, 22)',
      'rgb(137, 209, 133)',
      'rgb(177, 128, 215)',
      'rgb(241, 76, 76)',
      'rgb(17, 168, 205)',
    ];
    for (const f of fills) assert.ok(dark.includes(f), `band ${f} in a theme colour`);
    await page.click('vscode-button[aria-label="Download SVG of Synergy S"]');
    const svg = ((await posted(page)).find((m) => m.type === 'export') as { content: string }).content;
    assert.match(svg, /<rect[^>]*fill="#1f1f1f"/, 'the dark background in the file');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-tools-dark.png'), fullPage: true });
    await page.close();
  },
);

test("the static report's dashboard has the x axis picker and the intervals toggle", { skip: missing }, async () => {
  const file = path.join(tempDir('lsmi-report-tools-'), 'report.html');
  writeReport(file, RUNS, 'Report tools');
  const page = await browser().newPage();
  await page.goto(`file://${file}`);
  await page.waitForSelector('.panel-dashboard .chart svg');
  assert.equal(await page.getByRole('combobox', { name: 'X axis' }).count(), 1);
  assert.equal(await page.getByRole('checkbox', { name: 'Show intervals' }).count(), 1);
  assert.equal(await count(page, '.panel-dashboard .chart path.band'), 8);
  await page.close();
});
