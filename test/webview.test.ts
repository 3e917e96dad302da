import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PageName, writeReport } from '../src/report/html';
import type { HostToWebview, RunSeries, SampleData } from '../src/shared/protocol';
import { Rng } from '../src/core/rng';
import { REPO, tempDir } from './helpers';
import { choose, openPanel as openPage, posted, sharedBrowser } from './webview-page';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
interface PageWindow {
  postMessage(message: unknown, origin: string): void;
}
declare const window: PageWindow;
declare const document: {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): {
    scrollTop: number;
    scrollHeight: number;
    getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
  };
  documentElement: { style: { setProperty(name: string, value: string): void } };
  body: unknown;
};
declare function getComputedStyle(e: unknown): {
  stroke: string;
  fill: string;
  backgroundColor: string;
  strokeWidth: string;
};

const ARTIFACTS = path.join(REPO, 'test-artifacts');
const { missing, browser } = sharedBrowser('webview tests');

const RUNS: RunSeries[] = ['late-fusion', 'early-fusion', 'tensor-fusion'].map((run, r) => ({
  run,
  name: run,
  fusion: ['late', 'early', 'tensor'][r],
  points: Array.from({ length: 5 }, (_, e) => ({
    file: `/runs/${run}/epoch-000${e + 1}.safetensors`,
    epoch: e + 1,
    R: 0.5 - 0.06 * e + 0.02 * r,
    U1: 0.05 + 0.03 * e,
    U2: 0.01 * r,
    S: 0.05 + (0.05 * e * (r + 1)) / 3,
  })),
}));

before(() => {
  if (!missing) fs.mkdirSync(ARTIFACTS, { recursive: true });
});

/** A panel's bundle in a page with its data; messages it posts are collected (see webview-page.ts). */
const openPanel = (panel: PageName, messages: HostToWebview[], ready: string, width = 1100) =>
  openPage(browser(), panel, messages, ready, width);

const openDashboard = (runs = RUNS) =>
  openPanel('dashboard', [{ type: 'init', view: 'dashboard', title: 'Test runs', runs }], '.chart svg');

test('dashboard draws a line per run in each of R, U1, U2, S, under a strict CSP', { skip: missing }, async () => {
  const { page, errors } = await openDashboard();
  const charts = await page.$$('.chart');
  assert.equal(charts.length, 4);
  for (const k of ['R', 'U1', 'U2', 'S']) {
    const d = await page.$$eval(`.chart[data-interaction="${k}"] path.line`, (ps) =>
      ps.map((p) => p.getAttribute('d') ?? ''),
    );
    assert.equal(d.length, 3, `${k}: one line per run`);
    for (const path_ of d) assert.match(path_, /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){4}$/);
  }
  assert.equal(await page.$$eval('.chart circle.point', (c) => c.length), 4 * 15);
  assert.equal(await page.$$eval('.composition tr[data-run]', (r) => r.length), 3);
  assert.deepEqual(
    (await posted(page)).map((m) => m.type),
    ['ready'],
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-light.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no console errors (CSP violations included)');
  await page.close();
});

test('run filter hides a run; a click posts openCheckpoint; hover reads values out', { skip: missing }, async () => {
  const { page } = await openDashboard();
  await page.click('vscode-checkbox[data-run="early-fusion"]');
  assert.equal(await page.$$eval('.chart[data-interaction="S"] path.line', (p) => p.length), 2);
  assert.equal(await page.$$eval('.chart path.line[data-run="early-fusion"]', (p) => p.length), 0);
  await page.click('.chart[data-interaction="R"] circle.point[data-run="late-fusion"]');
  const open = (await posted(page)).find((m) => m.type === 'openCheckpoint');
  assert.deepEqual(open, {
    type: 'openCheckpoint',
    run: 'late-fusion',
    file: '/runs/late-fusion/epoch-0001.safetensors',
  });
  const box = (await (await page.$('.chart[data-interaction="S"] svg'))!.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
  assert.match(
    (await page.textContent('.chart[data-interaction="S"] .readout')) ?? '',
    /late-fusion epoch 5: \d\.\d{3}/,
  );
  await page.close();
});

test(
  'live updates add checkpoints; export posts CSV; theme variables colour the lines',
  { skip: missing },
  async () => {
    const { page } = await openDashboard();
    await page.evaluate(() =>
      window.postMessage(
        {
          type: 'checkpoint',
          run: 'late-fusion',
          name: 'late-fusion',
          point: { file: '/runs/late-fusion/epoch-0006.safetensors', epoch: 6, R: 0.1, U1: 0.3, U2: 0, S: 0.4 },
        },
        '*',
      ),
    );
    await page.waitForFunction(
      () => document.querySelectorAll('.chart[data-interaction="R"] circle.point[data-run="late-fusion"]').length === 6,
    );
    await page.evaluate(() =>
      window.postMessage(
        {
          type: 'checkpoint',
          run: 'new-run',
          name: 'new-run',
          point: { file: '/runs/new-run/epoch-0001.safetensors', epoch: 1, R: 0.2, U1: 0, U2: 0, S: 0.1 },
        },
        '*',
      ),
    );
    await page.waitForSelector('vscode-checkbox[data-run="new-run"]');
    await page.click('vscode-button.export-csv');
    const exp = (await posted(page)).find((m) => m.type === 'export') as { format: string; content: string };
    assert.equal(exp.format, 'csv');
    const lines = exp.content.trim().split('\n');
    assert.equal(lines[0], 'run,fusion,checkpoint,epoch,step,R,U1,U2,S');
    assert.equal(lines.length, 1 + 15 + 1 + 1);
    // Dark theme: VS Code sets these variables on the page; the charts follow them (the rest of
    // the page takes theme.css's dark palette, as a report does in a dark browser).
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark: Record<string, string> = {
      blue: 'rgb(55, 148, 255)',
      orange: 'rgb(209, 134, 22)',
      green: 'rgb(137, 209, 133)',
      purple: 'rgb(177, 128, 215)',
      red: 'rgb(241, 76, 76)',
      yellow: 'rgb(204, 167, 1)',
      cyan: 'rgb(17, 168, 205)',
    };
    await page.evaluate((colors: Record<string, string>) => {
      const s = document.documentElement.style;
      s.setProperty('--vscode-editor-background', '#1e1e1e');
      s.setProperty('--vscode-editor-foreground', '#cccccc');
      s.setProperty('--vscode-descriptionForeground', '#9d9d9d');
      s.setProperty('--vscode-editorWidget-border', '#454545');
      for (const [k, v] of Object.entries(colors))
        s.setProperty(k === 'cyan' ? '--vscode-terminal-ansiCyan' : `--vscode-charts-${k}`, v);
    }, dark);
    const strokes = await page.$$eval('.chart path.line', (ps) => ps.map((p) => getComputedStyle(p).stroke));
    for (const st of strokes) assert.ok(Object.values(dark).includes(st), `line colour ${st} comes from the theme`);
    const perRun = await page.$$eval('.chart[data-interaction="R"] circle.point', (cs) => [
      ...new Set(cs.map((c) => `${c.getAttribute('data-run')}=${getComputedStyle(c).fill}`)),
    ]);
    assert.equal(
      new Set(perRun.map((x) => x.split('=')[1])).size,
      4,
      `each of the 4 runs has its own colour: ${perRun}`,
    );
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(30, 30, 30)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dark.png'), fullPage: true });
    // High contrast: VS Code marks it on body's class; lines get heavier.
    await page.evaluate(() => {
      (document.body as unknown as { className: string }).className = 'vscode-high-contrast';
    });
    const widths = await page.$$eval('.chart path.line', (ps) => [
      ...new Set(ps.map((p) => getComputedStyle(p).strokeWidth)),
    ]);
    assert.deepEqual(widths, ['3px']);
    await page.close();
  },
);

test(
  'dashboard lays runs out as small multiples: one chart per run holding R, U1, U2, S',
  { skip: missing },
  async () => {
    const { page, errors } = await openDashboard();
    await page.click('vscode-checkbox[data-run="tensor-fusion"]');
    await choose(page, '.layout-select', 'One chart per run');
    await page.waitForSelector('.chart[data-run]');
    const charts = await page.$$eval('.chart[data-run]', (cs) => cs.map((c) => c.getAttribute('data-run')));
    assert.deepEqual(charts.sort(), ['early-fusion', 'late-fusion'], 'one chart per visible run');
    const keys = await page.$$eval('.chart[data-run="late-fusion"] path.line', (ps) =>
      ps.map((p) => p.getAttribute('data-interaction')),
    );
    assert.deepEqual(keys, ['R', 'U1', 'U2', 'S']);
    // The line of R in the run's chart goes where the run's R values go: down over the epochs.
    const ys = await page.$$eval('.chart[data-run="late-fusion"] circle.point[data-interaction="R"]', (cs) =>
      cs.map((c) => Number(c.getAttribute('cy'))),
    );
    for (let i = 1; i < ys.length; i++) assert.ok(ys[i] > ys[i - 1], 'R falls, so its points sink on screen');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-by-run.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test(
  'dense dashboard (100 checkpoints a run): lines without dots, a click opens the nearest checkpoint, the keyboard walks the chart',
  { skip: missing },
  async () => {
    const dense: RunSeries[] = ['a', 'b'].map((run, r) => ({
      run,
      name: run,
      points: Array.from({ length: 100 }, (_, e) => ({
        file: `/runs/${run}/epoch-${e}.safetensors`,
        epoch: e,
        R: r ? 0.1 : 0.6,
        U1: 0,
        U2: 0,
        S: 0,
      })),
    }));
    const { page, errors } = await openDashboard(dense);
    assert.equal(await page.$$eval('.chart circle.point', (c) => c.length), 0, 'no dots on dense lines');
    // Click right on line a (R = 0.6) near epoch 50: that checkpoint of run a opens.
    const box = (await (await page.$('.chart[data-interaction="R"] svg'))!.boundingBox())!;
    // Where line a is drawn: its path's 51st vertex (epoch 50), in the chart's 420-unit viewBox.
    const d = (await page.getAttribute('.chart[data-interaction="R"] path.line[data-run="a"]', 'd'))!;
    const [vx, vy] = d.split(/[ML]/).filter(Boolean)[50].split(',').map(Number);
    const px = box.x + vx * (box.width / 420);
    const py = box.y + vy * (box.height / 230);
    await page.mouse.click(px, py);
    const clicked = (await posted(page)).filter((m) => m.type === 'openCheckpoint').at(-1);
    assert.deepEqual(clicked, { type: 'openCheckpoint', run: 'a', file: '/runs/a/epoch-50.safetensors' });
    // Keyboard: focus the R chart, step left twice from the latest checkpoint, down to line b, Enter.
    await page.focus('.chart[data-interaction="R"] svg');
    for (const k of ['ArrowLeft', 'ArrowLeft', 'ArrowDown']) await page.keyboard.press(k);
    assert.match((await page.textContent('.chart[data-interaction="R"] .readout')) ?? '', /^b epoch 97: 0\.100 nats/);
    await page.keyboard.press('Enter');
    const keyed = (await posted(page)).filter((m) => m.type === 'openCheckpoint').at(-1);
    assert.deepEqual(keyed, { type: 'openCheckpoint', run: 'b', file: '/runs/b/epoch-97.safetensors' });
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test('an empty root shows what to do, not a blank panel', { skip: missing }, async () => {
  const { page } = await openPanel(
    'dashboard',
    [{ type: 'init', view: 'dashboard', title: 'Empty', runs: [] }],
    '.empty',
  );
  assert.match((await page.textContent('.empty')) ?? '', /No analysed checkpoints yet/);
  await page.close();
});

/** 100,000 samples in three classes; class 2 carries the most synergy. */
function sampleData(n = 100_000): SampleData {
  const rng = new Rng(4);
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const f = (g: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => g(i));
  const r = f(() => 0.3 * rng.next()),
    u1 = f(() => 0.1 * rng.next()),
    u2 = f(() => 0.05 * rng.next()),
    s = f((i) => 0.2 * rng.next() + 0.2 * y[i]);
  const perClass = [0, 1, 2].map((c) => {
    let k = 0,
      R = 0,
      U1 = 0,
      U2 = 0,
      S = 0;
    for (let i = 0; i < n; i++)
      if (y[i] === c) {
        k++;
        R += r[i];
        U1 += u1[i];
        U2 += u2[i];
        S += s[i];
      }
    return { class: c, n: k, R: R / k, U1: U1 / k, U2: U2 / k, S: S / k };
  });
  const mean = (a: Float32Array) => a.reduce((x, v) => x + v, 0) / n;
  return {
    run: 'late-fusion',
    file: '/runs/late-fusion/epoch-0004.safetensors',
    epoch: 4,
    n,
    r,
    u1,
    u2,
    s,
    y,
    classNames: ['cat', 'dog', 'bird'],
    perClass,
    dataset: { R: mean(r), U1: mean(u1), U2: mean(u2), S: mean(s) },
  };
}

const openSamples = (data: SampleData) =>
  openPanel('samples', [{ type: 'init', view: 'samples', title: 'Samples', data }], '.tr', 1280);

test(
  'sample explorer: 100k rows scroll, sort and filter change the rows, a click opens the sample',
  { skip: missing },
  async () => {
    const data = sampleData();
    const { page, errors } = await openSamples(data);
    assert.match((await page.textContent('.count')) ?? '', /100,000 of 100,000 samples/);
    const domRows = await page.$$eval('.tr', (t) => t.length);
    assert.ok(domRows > 10 && domRows < 80, `virtualised: ${domRows} rows in the DOM`);
    // Sort by s, descending: the first row holds the largest s.
    await page.click('.th[data-col="s"]');
    const firstIndex = Number(await page.getAttribute('.tr', 'data-index'));
    const maxS = data.s.reduce((a, v, i) => (v > data.s[a] ? i : a), 0);
    assert.equal(data.s[firstIndex], data.s[maxS]);
    // Filter to one class: every row shown is of that class and the count drops.
    await choose(page, '.filter-class', 'dog');
    const count = Number((await page.textContent('.count'))!.replace(/,/g, '').split(' ')[0]);
    assert.equal(count, data.y.filter((c) => c === 1).length);
    const classes = await page.$$eval('.tr .td:nth-child(2)', (t) => [...new Set(t.map((x) => x.textContent))]);
    assert.deepEqual(classes, ['dog']);
    // Scroll to the end: the last row of the sorted, filtered list renders.
    const sorted = Array.from(data.y.keys())
      .filter((i) => data.y[i] === 1)
      .sort((a, b) => data.s[b] - data.s[a] || a - b);
    await page.evaluate(() => {
      const v = document.querySelector('.viewport');
      v.scrollTop = v.scrollHeight;
    });
    await page.waitForSelector(`.tr[data-index="${sorted[sorted.length - 1]}"]`, { timeout: 10_000 });
    await page.evaluate(() => {
      const v = document.querySelector('.viewport');
      v.scrollTop = 0;
    });
    await page.waitForSelector(`.tr[data-index="${sorted[0]}"]`);
    await page.click('.tr');
    const open = (await posted(page)).find((m) => m.type === 'openSample') as { file: string; index: number };
    assert.equal(open.file, data.file);
    assert.equal(data.y[open.index], 1);
    // The scatter drew: its canvas has non-background pixels.
    const inked = await page.evaluate(() => {
      const px = document.querySelector('.scatter canvas').getContext('2d').getImageData(0, 0, 720, 600).data;
      let k = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) k++;
      return k;
    });
    assert.ok(inked > 1000, `scatter pixels drawn: ${inked}`);
    // Class table ranks by the sorted interaction (S): bird first.
    assert.equal(await page.getAttribute('.classes tr[data-class]', 'data-class'), '2');
    await page.screenshot({ path: path.join(ARTIFACTS, 'samples.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test(
  'sample explorer is keyboard reachable: Tab into the grid, arrows move the active row, Enter opens it',
  { skip: missing },
  async () => {
    const data = sampleData(5000);
    const { page } = await openSamples(data);
    const focused = () =>
      page.evaluate(() => (document as unknown as { activeElement: { className: string } }).activeElement.className);
    for (let i = 0; i < 30 && (await focused()) !== 'viewport'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'viewport', 'Tab reaches the sample grid');
    assert.equal(await page.getAttribute('.tr.active', 'data-index'), '0', 'focus shows the first row as active');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.getAttribute('.tr.active', 'data-index'), '2');
    assert.equal(await page.getAttribute('.viewport', 'aria-activedescendant'), 'row-2');
    await page.keyboard.press('Enter');
    let open = (await posted(page)).filter((m) => m.type === 'openSample');
    assert.deepEqual(open.at(-1), { type: 'openSample', file: data.file, index: 2 });
    // End jumps to the last sample and scrolls it into view; Enter opens that one.
    await page.keyboard.press('End');
    await page.waitForSelector('.tr.active[data-index="4999"]');
    await page.keyboard.press('Enter');
    open = (await posted(page)).filter((m) => m.type === 'openSample');
    assert.deepEqual(open.at(-1), { type: 'openSample', file: data.file, index: 4999 });
    assert.equal(await page.getAttribute('.tr[data-index="4999"]', 'aria-selected'), 'true');
    await page.keyboard.press('PageUp');
    const after = Number(await page.getAttribute('.tr.active', 'data-index'));
    assert.ok(after < 4999 && after > 4950, `PageUp moves a page up: ${after}`);
    await page.close();
  },
);

test(
  'sample explorer redraws its scatter in the new colours when VS Code switches theme',
  { skip: missing },
  async () => {
    const { page } = await openSamples(sampleData(3000));
    const inks = () =>
      page.evaluate(() => {
        const px = document.querySelector('.scatter canvas').getContext('2d').getImageData(0, 0, 720, 600).data;
        const seen = new Set<string>();
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 200) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
        return [...seen];
      });
    assert.ok(!(await inks()).includes('255,0,255'));
    // High contrast: VS Code sets the variables and the body class together.
    await page.evaluate(() => {
      const s = document.documentElement.style;
      for (const c of ['blue', 'orange', 'green']) s.setProperty(`--vscode-charts-${c}`, '#ff00ff');
      (document.body as unknown as { className: string }).className = 'vscode-high-contrast';
    });
    await page.waitForFunction(
      () => {
        const px = document.querySelector('.scatter canvas').getContext('2d').getImageData(0, 0, 720, 600).data;
        for (let i = 0; i < px.length; i += 4)
          if (px[i] === 255 && px[i + 1] === 0 && px[i + 2] === 255 && px[i + 3] > 200) return true;
        return false;
      },
      undefined,
      { timeout: 5000 },
    );
    await page.close();
  },
);

test(
  "sample explorer shows the dump's sample ids when it has them, and sorts by them exactly",
  { skip: missing },
  async () => {
    const data = sampleData(2000);
    // Ids past float32's exact integers, descending with the row: sorting by id reverses the rows.
    data.ids = Float64Array.from({ length: data.n }, (_, i) => 5_000_000_000 - 3 * i);
    const { page } = await openSamples(data);
    assert.deepEqual(await page.$$eval('.thead .th', (h) => h.map((x) => x.getAttribute('data-col'))), [
      'index',
      'id',
      'class',
      'r',
      'u1',
      'u2',
      's',
      'dominant',
    ]);
    assert.equal(await page.textContent('.tr[data-index="1"] .td:nth-child(2)'), '4999999997');
    await page.click('.th[data-col="id"]');
    assert.equal(await page.getAttribute('.tr', 'data-index'), String(data.n - 1), 'the smallest id first');
    await page.close();
  },
);

test(
  'sample explorer exports the high- and low-redundancy subsets at the chosen quantile',
  { skip: missing },
  async () => {
    const data = sampleData(1000);
    const { page } = await openSamples(data);
    // The quantile field is a vscode-textfield: type into its input as a user would.
    await page.fill('.subsets vscode-textfield input', '0.1');
    await page.press('.subsets vscode-textfield input', 'Enter');
    await page.click('vscode-button.export-high');
    await page.click('vscode-button.export-low');
    const subsets = (await posted(page)).filter((m) => m.type === 'exportSubset') as Array<{
      which: string;
      indices: number[];
      quantile: number;
    }>;
    assert.deepEqual(
      subsets.map((x) => [x.which, x.quantile, x.indices.length]),
      [
        ['high', 0.1, 100],
        ['low', 0.1, 100],
      ],
    );
    const minHigh = Math.min(...subsets[0].indices.map((i) => data.r[i]));
    const maxLow = Math.max(...subsets[1].indices.map((i) => data.r[i]));
    assert.ok(minHigh >= maxLow, 'every high-r sample has r above every low-r sample');
    const above = Array.from(data.r).filter((v) => v >= minHigh).length;
    assert.equal(above, 100);
    await page.close();
  },
);

test(
  'compare panel: both checkpoints side by side, the samples that moved most, per-class changes',
  { skip: missing },
  async () => {
    const a = sampleData(2000);
    const b = sampleData(2000);
    // B: synergy grows for class 2, and sample 7 moves the most.
    b.s = Float32Array.from(a.s, (v, i) => v + (a.y[i] === 2 ? 0.1 : 0) + (i === 7 ? 1 : 0));
    b.dataset = { ...a.dataset, S: b.s.reduce((x, v) => x + v, 0) / b.n };
    b.perClass = a.perClass.map((c) => ({ ...c, S: c.S + (c.class === 2 ? 0.1 : 0) }));
    b.epoch = 9;
    b.file = '/runs/late-fusion/epoch-0009.safetensors';
    const { page, errors } = await openPanel(
      'compare',
      [{ type: 'init', view: 'compare', title: 'Compare', a, b }],
      '.moved-row',
      1200,
    );
    assert.match((await page.textContent('.legend-a')) ?? '', /epoch 4/);
    assert.match((await page.textContent('.legend-b')) ?? '', /epoch 9/);
    assert.equal(await page.$$eval('.bar', (bs) => bs.length), 8, 'R, U1, U2, S for A and B');
    assert.equal(await page.getAttribute('.moved-row', 'data-index'), '7');
    const deltas = await page.$$eval('.moved-row td:last-child', (t) => t.map((x) => Math.abs(Number(x.textContent))));
    for (let i = 1; i < deltas.length; i++)
      assert.ok(deltas[i] <= deltas[i - 1] + 1e-9, 'sorted by the size of the change');
    assert.match((await page.textContent('.classes tr[data-class="2"] td:last-child')) ?? '', /\+0\.100/);
    await page.click('.moved-row');
    const open = (await posted(page)).find((m) => m.type === 'openCheckpoint');
    assert.deepEqual(
      open,
      { type: 'openCheckpoint', run: b.run, file: b.file, sample: 7 },
      'a moved sample opens in the explorer of B',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test('sample explorer opened at one sample selects it and scrolls it into view', { skip: missing }, async () => {
  const data = sampleData();
  const target = 54_321;
  const { page } = await openPanel(
    'samples',
    [{ type: 'init', view: 'samples', title: 'Samples', data, select: target }],
    '.tr',
    1280,
  );
  await page.waitForSelector(`.tr.selected[data-index="${target}"]`);
  const { top, bottom } = await page.evaluate((sel: string) => {
    const q = (s: string) =>
      (
        document.querySelector(s) as unknown as { getBoundingClientRect(): { top: number; bottom: number } }
      ).getBoundingClientRect();
    const row = q(sel),
      view = q('.viewport');
    return { top: row.top - view.top, bottom: view.bottom - row.bottom };
  }, `.tr[data-index="${target}"]`);
  assert.ok(top >= 0 && bottom >= 0, `the selected row is inside the viewport (${top}, ${bottom})`);
  await page.close();
});

test(
  'static report: panels in tabs; a point opens its checkpoint in the explorer; compare picks A and B; moved samples open in the explorer',
  { skip: missing },
  async () => {
    const a = sampleData(3000);
    a.file = RUNS[0].points[0].file;
    a.epoch = 1;
    a.ids = Float64Array.from({ length: a.n }, (_, i) => 1e12 + i);
    const b: SampleData = { ...sampleData(3000), file: RUNS[0].points[4].file, epoch: 5 };
    b.s = Float32Array.from(a.s, (v, i) => v + (i === 7 ? 1 : 0));
    const file = path.join(tempDir('lsmi-report-'), 'report.html');
    writeReport(file, RUNS, 'Report test', [a, b]);
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    await page.waitForSelector('.panel-dashboard .chart svg');
    assert.deepEqual(await page.$$eval('vscode-tab-header', (h) => h.map((x) => x.textContent)), [
      'Dashboard',
      'Samples',
      'Compare',
    ]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-dashboard.png'), fullPage: true });
    // A point whose samples are embedded opens the explorer on that checkpoint.
    await page.click('.panel-dashboard .chart[data-interaction="R"] circle.point[data-run="late-fusion"]');
    await page.waitForSelector('.panel-samples .tr');
    assert.match((await page.textContent('.panel-samples h1')) ?? '', /late-fusion, epoch 1/);
    assert.match((await page.textContent('.panel-samples .count')) ?? '', /3,000 of 3,000/);
    // The embedded arrays decode to the values written.
    assert.equal(await page.textContent('.panel-samples .tr[data-index="0"] .td:nth-child(4)'), a.r[0].toFixed(3));
    assert.equal(
      await page.textContent('.panel-samples .tr[data-index="5"] .td:nth-child(2)'),
      String(1e12 + 5),
      'float64 ids survive the embedding',
    );
    // Subset export downloads the indices in a report (VS Code would save them through the host).
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('.panel-samples vscode-button.export-high'),
    ]);
    assert.match(dl.suggestedFilename(), /high-r-q0\.25\.txt$/);
    const lines = fs
      .readFileSync((await dl.path())!, 'utf8')
      .trim()
      .split('\n');
    assert.equal(lines.length, 750);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-samples.png'), fullPage: true });
    // A class filter that hides sample 7 (lifted below when sample 7 is asked for).
    const other = ['cat', 'dog', 'bird'][(a.y[7] + 1) % 3];
    await choose(page, '.panel-samples .filter-class', other);
    await page.waitForSelector('.panel-samples .tr');
    assert.equal(await page.$$eval('.panel-samples .tr[data-index="7"]', (t) => t.length), 0);
    // Compare: A is the run's first embedded checkpoint, B its latest.
    await page.click('vscode-tab-header[data-tab="compare"]');
    await page.waitForSelector('.panel-compare .moved-row');
    assert.match((await page.textContent('.panel-compare .legend-a')) ?? '', /epoch 1/);
    assert.match((await page.textContent('.panel-compare .legend-b')) ?? '', /epoch 5/);
    assert.equal(await page.getAttribute('.panel-compare .moved-row', 'data-index'), '7');
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-compare.png'), fullPage: true });
    // The sample that moved most opens in the explorer of B, selected.
    await page.click('.panel-compare .moved-row');
    await page.waitForSelector('.panel-samples .tr.selected[data-index="7"]');
    assert.match(
      (await page.textContent('.panel-samples .count')) ?? '',
      /3,000 of 3,000/,
      'the class filter that hid it was lifted',
    );
    assert.match((await page.textContent('.panel-samples h1')) ?? '', /epoch 5/);
    // A checkpoint whose samples were left out says so.
    await page.click('vscode-tab-header[data-tab="dashboard"]');
    await page.click('.panel-dashboard .chart[data-interaction="R"] circle.point[data-run="early-fusion"]');
    assert.match((await page.textContent('.status')) ?? '', /not embedded in this report/);
    assert.deepEqual(errors, [], 'no console errors (CSP violations included)');
    await page.close();
  },
);

test(
  "dashboard shows a checkpoint's 90% interval in its tooltip and the hover read-out",
  { skip: missing },
  async () => {
    const runs = RUNS.map((r) => ({
      ...r,
      points: r.points.map((p) => ({
        ...p,
        intervals: {
          level: 0.9,
          R: [p.R - 0.01, p.R + 0.02],
          U1: [p.U1 - 0.01, p.U1 + 0.01],
          U2: [p.U2 - 0.01, p.U2 + 0.01],
          S: [p.S - 0.015, p.S + 0.005],
        },
      })),
    })) as typeof RUNS;
    const { page, errors } = await openDashboard(runs);
    const p = runs[0].points[0];
    const title = await page.$eval(
      `.chart[data-interaction="S"] circle.point[data-run="${runs[0].run}"] title`,
      (t) => t.textContent ?? '',
    );
    assert.ok(title.includes(`${p.S.toFixed(3)} [${(p.S - 0.015).toFixed(3)}, ${(p.S + 0.005).toFixed(3)}]`), title);
    const box = (await (await page.$('.chart[data-interaction="R"] svg'))!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
    assert.match(
      (await page.textContent('.chart[data-interaction="R"] .readout')) ?? '',
      /epoch 5: \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/,
    );
    assert.deepEqual(errors, []);
    await page.close();
  },
);
