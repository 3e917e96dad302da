/**
 * Names the user gave (run.json, dump metadata) and where each value came from (logits or
 * probes), as the panels show them in a real Chromium, and as a report of a real root carries them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { writeRootReport } from '../src/report/html';
import type { HostToWebview, RunSeries, SampleData } from '../src/shared/protocol';
import { writeDump } from '../src/io/dump';
import { fromNumbers } from '../src/io/tensor';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { Rng } from '../src/core/rng';
import { CLI, tempDir } from './helpers';
import { choose, openPanel, posted, sharedBrowser } from './webview-page';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
declare const window: { postMessage(message: unknown, origin: string): void };
declare const document: { querySelectorAll(selector: string): { length: number } };

const { missing, browser } = sharedBrowser('webview name tests');

const NAMES = { modalityNames: ['audio', 'visual'] as [string, string], classNames: ['cat', 'dog'] };

const RUNS: RunSeries[] = ['late', 'early'].map((run, r) => ({
  run,
  name: run,
  ...NAMES,
  points: [1, 2, 3].map((e) => ({
    file: `/runs/${run}/epoch-${e}.safetensors`,
    epoch: e,
    R: 0.3 - 0.05 * e,
    U1: 0.05 * e + 0.01 * r,
    U2: 0.02 * e,
    S: 0.1 + 0.03 * e,
    source: 'logits' as const,
    sourceLabel: 'from logits',
  })),
}));

const texts = (page: Page, sel: string) => page.$$eval(sel, (es) => es.map((e) => e.textContent ?? ''));

test('dashboard: headings, legends, composition, tooltips and read-out name the modalities and the source', async (t) => {
  if (missing) return t.skip(missing);
  const { page, errors } = await openPanel(
    browser(),
    'dashboard',
    [{ type: 'init', view: 'dashboard', title: 'Named', runs: RUNS }],
    '.chart svg',
  );
  assert.deepEqual(await texts(page, '.chart h2'), [
    'Redundancy R',
    'Uniqueness U1 (audio)',
    'Uniqueness U2 (visual)',
    'Synergy S',
  ]);
  assert.deepEqual(await texts(page, '.composition th'), [
    'run',
    'checkpoint',
    'shares of I(X1,X2;Y)',
    'R',
    'U1 (audio)',
    'U2 (visual)',
    'S',
    'values from',
  ]);
  assert.equal(
    await page.textContent('.composition tr[data-run="late"] .run-names'),
    'U1 audio, U2 visual; classes cat, dog',
  );
  assert.equal(await page.textContent('.composition tr[data-run="late"] .source-badge'), 'logits');
  assert.equal(
    await page.getAttribute('.composition tr[data-run="late"] .source-badge', 'title'),
    'values from logits',
  );
  const tip = await page.textContent('.chart[data-interaction="U1"] circle.point[data-run="late"] title');
  assert.match(tip ?? '', /U1 \(audio\) 0\.\d{3} nats · values from logits$/);
  const box = (await (await page.$('.chart[data-interaction="U1"] svg'))!.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
  assert.deepEqual(await texts(page, '.chart[data-interaction="U1"] .readout .source-badge'), ['logits', 'logits']);
  // The CSV export says where each value came from.
  await page.click('vscode-button.export-csv');
  const csv = ((await posted(page)).find((m) => m.type === 'export') as { content: string }).content.trim().split('\n');
  assert.ok(csv[0].endsWith(',source'), csv[0]);
  assert.ok(csv.slice(1).every((l) => l.endsWith(',logits')));
  // One chart per run: its key names U1 and U2 by the run's modalities.
  await choose(page, '.layout-select', 'One chart per run');
  assert.match((await page.textContent('.chart[data-run="late"] .legend-keys')) ?? '', /U1 \(audio\).*U2 \(visual\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('dashboard live update: names and source come with it; names that are markup stay text', async (t) => {
  if (missing) return t.skip(missing);
  const { page, errors } = await openPanel(
    browser(),
    'dashboard',
    [{ type: 'init', view: 'dashboard', title: 'Named', runs: RUNS }],
    '.chart svg',
  );
  const evil = '<img src=x onerror=alert(1)>';
  const m: HostToWebview = {
    type: 'checkpoint',
    run: 'odd',
    name: 'odd',
    point: { file: '/runs/odd/epoch-1.safetensors', epoch: 1, R: 0.1, U1: 0, U2: 0, S: 0.1, source: 'probes' },
    names: { modalityNames: [evil, 'visual'], classNames: [evil, 'dog'] },
  };
  await page.evaluate((msg) => window.postMessage(msg, '*'), m);
  await page.waitForFunction(() => document.querySelectorAll('.composition tr[data-run="odd"]').length === 1);
  assert.equal(await page.textContent('.composition tr[data-run="odd"] .source-badge'), 'probes');
  assert.equal(
    await page.textContent('.composition tr[data-run="odd"] .run-names'),
    `U1 ${evil}, U2 visual; classes ${evil}, dog`,
  );
  assert.equal(await page.$$eval('img', (i) => i.length), 0, 'no element made from a name');
  // The runs now differ on U1's name: the overlaid chart no longer claims one.
  assert.equal(await page.textContent('.chart[data-interaction="U1"] h2'), 'Uniqueness U1');
  assert.equal(await page.textContent('.chart[data-interaction="U2"] h2'), 'Uniqueness U2 (visual)');
  assert.deepEqual(errors, []);
  await page.close();
});

/** A checkpoint of `n` samples in two classes. */
function sampleData(n: number, extra: Partial<SampleData> = {}): SampleData {
  const rng = new Rng(7);
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const f = () => Float32Array.from({ length: n }, () => 0.2 * rng.next());
  const row = (c: number) => ({ class: c, n: n / 2, R: 0.1 + 0.1 * c, U1: 0.05, U2: 0.02, S: 0.1 });
  return {
    run: 'late',
    file: '/runs/late/epoch-2.safetensors',
    epoch: 2,
    n,
    r: f(),
    u1: f(),
    u2: f(),
    s: f(),
    y,
    perClass: [row(0), row(1)],
    dataset: { R: 0.15, U1: 0.05, U2: 0.02, S: 0.1 },
    ...extra,
  };
}

const NAMED_DATA: Partial<SampleData> = {
  ...NAMES,
  source: 'mixed',
  sourceLabel: 'mixed: x1 from logits',
};

const openSamples = (data: SampleData) =>
  openPanel(browser(), 'samples', [{ type: 'init', view: 'samples', title: 'Samples', data }], '.tr', 1280);

test('sample explorer: class names in the table and class table, modalities in U1/U2 headers, source in the header', async (t) => {
  if (missing) return t.skip(missing);
  const data = sampleData(200, NAMED_DATA);
  data.perClass = data.perClass.map((c) => ({ ...c, name: NAMES.classNames[c.class] }));
  const { page, errors } = await openSamples(data);
  assert.equal(await page.textContent('.th[data-col="u1"]'), 'u1 (audio)');
  assert.equal(await page.textContent('.th[data-col="u2"]'), 'u2 (visual)');
  assert.deepEqual([...new Set(await texts(page, '.tr .td:nth-child(2)'))].sort(), ['cat', 'dog']);
  assert.equal(await page.textContent('.classes tr[data-class="1"] td:first-child'), 'dog');
  assert.deepEqual((await texts(page, '.classes th')).slice(2, 6), ['R', 'U1 (audio)', 'U2 (visual)', 'S']);
  assert.equal(await page.textContent('header .source-badge'), 'mixed');
  assert.equal(await page.getAttribute('header .source-badge', 'title'), 'values mixed: x1 from logits');
  await choose(page, '.axis-x', 'u1 (audio)');
  assert.match((await page.getAttribute('.scatter canvas', 'aria-label')) ?? '', /against u1 \(audio\) for 200/);
  assert.deepEqual(errors, []);
  await page.close();
  // Without names or a source: class numbers, plain headers, no badge.
  const plain = await openSamples(sampleData(200));
  assert.deepEqual([...new Set(await texts(plain.page, '.tr .td:nth-child(2)'))].sort(), ['0', '1']);
  assert.equal(await plain.page.textContent('.th[data-col="u1"]'), 'u1');
  assert.equal(await plain.page.$$eval('.source-badge', (b) => b.length), 0);
  await plain.page.close();
});

test('compare panel: each side says where its values came from; bars and tables name modalities and classes', async (t) => {
  if (missing) return t.skip(missing);
  const a = sampleData(400, { ...NAMED_DATA, source: 'logits', sourceLabel: 'from logits' });
  const b = sampleData(400, { ...NAMED_DATA, source: 'probes', sourceLabel: 'from probes', epoch: 5 });
  b.file = '/runs/late/epoch-5.safetensors';
  b.u1 = Float32Array.from(a.u1, (v, i) => v + (i === 3 ? 1 : 0));
  const { page, errors } = await openPanel(
    browser(),
    'compare',
    [{ type: 'init', view: 'compare', title: 'Compare', a, b }],
    '.moved-row',
    1200,
  );
  assert.equal(await page.textContent('.legend-a .source-badge'), 'logits');
  assert.equal(await page.textContent('.legend-b .source-badge'), 'probes');
  assert.deepEqual(await texts(page, '.bars th'), ['R', 'U1 (audio)', 'U2 (visual)', 'S']);
  assert.equal(await page.textContent('.classes tr[data-class="0"] td:first-child'), 'cat');
  assert.deepEqual([...new Set(await texts(page, '.moved-row td:nth-child(2)'))].sort(), ['cat', 'dog']);
  await choose(page, '.interaction', 'u1 (audio)');
  assert.equal(await page.textContent('.classes h2'), 'Per class: U1 (audio) at A and B');
  assert.equal(await page.textContent('.moved h2'), 'Samples whose u1 (audio) moved most');
  assert.deepEqual(await texts(page, '.moved th'), ['sample', 'class', 'u1 (audio) at A', 'u1 (audio) at B', 'change']);
  assert.equal(await page.getAttribute('.moved-row', 'data-index'), '3');
  assert.deepEqual(errors, []);
  await page.close();
});

/** A synthetic dump of 300 samples; `logits1` adds that one head, so its values are mixed. */
function dumpTo(file: string, seed: number, meta: Record<string, unknown> = {}, logits1 = false): void {
  const s = sampleMixture(syntheticSet('or').model, 300, new Rng(seed));
  const t = sampleTensors(s);
  if (logits1)
    t.set(
      'logits1',
      fromNumbers(
        'f32',
        [s.n, 2],
        Array.from(s.y).flatMap((y) => (y ? [0, 1] : [1, 0])),
      ),
    );
  writeDump(file, t, { epoch: seed, ...meta });
}

test("report of a real root: run.json's names, the dump's own names first, and each checkpoint's source", async (t) => {
  const root = tempDir('lsmi-names-root-');
  const runJson = JSON.stringify({ name: 'Named run', ...NAMES });
  for (const run of ['named', 'dumpnamed', 'broken']) fs.mkdirSync(path.join(root, run));
  fs.writeFileSync(path.join(root, 'named', 'run.json'), runJson);
  fs.writeFileSync(path.join(root, 'dumpnamed', 'run.json'), runJson);
  fs.writeFileSync(path.join(root, 'broken', 'run.json'), '{"classNames": ');
  dumpTo(path.join(root, 'named', 'epoch-0001.safetensors'), 1);
  dumpTo(
    path.join(root, 'dumpnamed', 'epoch-0001.safetensors'),
    2,
    { modalityNames: ['mic', 'cam'], classNames: ['no', 'yes'] },
    true,
  );
  dumpTo(path.join(root, 'broken', 'epoch-0001.safetensors'), 3);
  const w = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--folds', '2'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(w.status, 0, w.stderr);
  const file = path.join(root, 'report.html');
  assert.ok(writeRootReport(root, file, 'all'));
  const html = fs.readFileSync(file, 'utf8');
  const m = /window\.__LSMI_REPORT__ = (.*?);<\/script>/s.exec(html);
  const init = (JSON.parse(m![1]) as HostToWebview[])[0] as Extract<HostToWebview, { view: 'report' }>;
  const run = (r: string) => init.runs.find((x) => x.run === r)!;
  const cp = (r: string) => init.checkpoints.find((x) => x.run === r)!;
  assert.deepEqual([run('named').modalityNames, run('named').classNames], [NAMES.modalityNames, NAMES.classNames]);
  assert.deepEqual(
    [run('dumpnamed').modalityNames, run('dumpnamed').classNames],
    [
      ['mic', 'cam'],
      ['no', 'yes'],
    ],
  );
  assert.deepEqual([run('broken').modalityNames, run('broken').classNames], [undefined, undefined]);
  assert.deepEqual(
    [cp('named').classNames, cp('named').perClass.map((c) => c.name)],
    [NAMES.classNames, NAMES.classNames],
  );
  assert.deepEqual(cp('dumpnamed').modalityNames, ['mic', 'cam']);
  assert.equal(cp('broken').classNames, undefined);
  assert.deepEqual([run('named').points[0].source, cp('named').source], ['probes', 'probes']);
  assert.deepEqual([run('dumpnamed').points[0].source, cp('dumpnamed').source], ['mixed', 'mixed']);
  if (missing) return t.skip(missing);
  // The page draws them: the dashboard's composition, then the explorer of the named run.
  const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`file://${file}`);
  await page.waitForSelector('.panel-dashboard .chart svg');
  assert.equal(
    await page.textContent('.composition tr[data-run="named"] .run-names'),
    'U1 audio, U2 visual; classes cat, dog',
  );
  assert.equal(await page.textContent('.composition tr[data-run="dumpnamed"] .source-badge'), 'mixed');
  assert.equal(await page.textContent('.composition tr[data-run="named"] .source-badge'), 'probes');
  await page.click('.panel-dashboard .chart[data-interaction="R"] circle.point[data-run="named"]');
  await page.waitForSelector('.panel-samples .tr');
  assert.equal(await page.textContent('.panel-samples .th[data-col="u1"]'), 'u1 (audio)');
  assert.equal(await page.textContent('.panel-samples header .source-badge'), 'probes');
  assert.deepEqual([...new Set(await texts(page, '.panel-samples .tr .td:nth-child(2)'))].sort(), ['cat', 'dog']);
  await page.close();
});
