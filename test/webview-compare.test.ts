/**
 * The compare panel pairs samples by their dumps' ids (GitHub issue 14), in real Chromium: two
 * checkpoints holding the same samples in reverse order compare as unchanged, by row position
 * they do not, and dumps without ids say they were paired by row position.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { SampleData } from '../src/shared/protocol';
import { Rng } from '../src/core/rng';
import { choose, openPanel, posted, sharedBrowser } from './webview-page';

// Page-side names used in the callbacks below.
declare const document: { querySelector(s: string): { getAttribute(n: string): string | null } | null };

const { missing, browser } = sharedBrowser();

/** `n` samples of three classes with random values (class means are not needed to pair). */
function checkpoint(n: number, seed: number, ids?: Float64Array): SampleData {
  const rng = new Rng(seed);
  const v = () => Float32Array.from({ length: n }, () => rng.next());
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const row = (c: number) => ({ class: c, n: 1, R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 });
  return {
    run: 'late-fusion',
    file: `/runs/late-fusion/epoch-${seed}.safetensors`,
    epoch: seed,
    n,
    r: v(),
    u1: v(),
    u2: v(),
    s: v(),
    y,
    ...(ids ? { ids } : {}),
    perClass: [0, 1, 2].map(row),
    dataset: { R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 },
  };
}

/** B: A's rows `rows` (row j of B is row rows[j] of A), with their values, labels and ids. */
function reorder(a: SampleData, rows: number[], epoch: number): SampleData {
  const pick = (x: Float32Array) => Float32Array.from(rows, (i) => x[i]);
  return {
    ...a,
    file: `/runs/late-fusion/epoch-${epoch}.safetensors`,
    epoch,
    n: rows.length,
    r: pick(a.r),
    u1: pick(a.u1),
    u2: pick(a.u2),
    s: pick(a.s),
    y: Int32Array.from(rows, (i) => a.y[i]),
    ...(a.ids ? { ids: Float64Array.from(rows, (i) => a.ids![i]) } : {}),
  };
}

const open = (a: SampleData, b: SampleData) =>
  openPanel(browser(), 'compare', [{ type: 'init', view: 'compare', title: 'Compare', a, b }], '.pairing', 1200);

const meanAbs = async (page: Page) => Number(await page.getAttribute('.pairing-summary', 'data-mean-abs-change'));

test('same samples in reverse order: paired by id they have not changed; by row position they have', async (t) => {
  if (missing) return t.skip(missing);
  const n = 2000;
  const a = checkpoint(
    n,
    1,
    Float64Array.from({ length: n }, (_, i) => 1e12 + 7 * i),
  );
  const b = reorder(
    a,
    Array.from({ length: n }, (_, j) => n - 1 - j),
    2,
  );
  const { page, errors } = await open(a, b);
  assert.equal(await page.textContent('.pairing-note'), '2,000 paired by id');
  const control = page.locator('vscode-single-select[aria-label="Pair samples by"]');
  assert.equal(await control.count(), 1);
  assert.equal(await control.getAttribute('disabled'), null, 'both ways are offered');
  assert.deepEqual(await control.locator('vscode-option').allTextContents(), ['id', 'row position']);
  assert.equal(await meanAbs(page), 0, 'mean |Δs| over the pairs');
  assert.match((await page.textContent('.pairing-summary')) ?? '', /mean \|Δs\| over the 2,000 pairs: 0\.000 nats/);
  // Every moved sample and every class changed by nothing.
  const changes = await page.$$eval('.moved-row td:last-child', (t) => t.map((x) => x.textContent));
  assert.equal(changes.length, 20);
  assert.deepEqual([...new Set(changes)], ['+0.000']);
  assert.deepEqual(
    [...new Set(await page.$$eval('.classes .paired-change', (t) => t.map((x) => x.textContent)))],
    ['+0.000'],
  );
  const perClass = await page.$$eval('.classes tr[data-class] td:nth-child(5)', (t) => t.map((x) => x.textContent));
  assert.deepEqual(
    perClass.map(Number),
    [0, 1, 2].map((c) => a.y.filter((v) => v === c).length),
  );
  // A moved row opens B's explorer at the same sample: B's own row of it.
  await page.click('.moved-row');
  const opened = (await posted(page)).filter((m) => m.type === 'openCheckpoint').map((m) => m.sample);
  const aRow = Number(await page.getAttribute('.moved-row', 'data-index'));
  assert.deepEqual(opened, [n - 1 - aRow]);
  // By row position the same dumps pair different samples: their values differ.
  await choose(page, '.pair-by', 'row position');
  await page.waitForFunction(() => document.querySelector('.pairing')?.getAttribute('data-by') === 'position');
  assert.equal(await page.textContent('.pairing-note'), '2,000 paired by row position');
  const moved = await meanAbs(page);
  assert.ok(moved > 0.2, `mean |Δs| by row position: ${moved}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('dumps without ids pair by row position and say so; partly shared ids count what did not pair', async (t) => {
  if (missing) return t.skip(missing);
  const a = checkpoint(300, 3);
  const b = { ...checkpoint(300, 4), s: a.s };
  const plain = await open(a, b);
  assert.equal(await plain.page.textContent('.pairing-note'), '300 paired by row position: the dumps have no ids');
  assert.equal(await plain.page.getAttribute('vscode-single-select[aria-label="Pair samples by"]', 'disabled'), '');
  assert.equal(await meanAbs(plain.page), 0, 'row i of A against row i of B: the same s');
  await plain.page.close();
  // A holds samples 0..1999, B samples 188..2039 in reverse order.
  const n = 2000;
  const wide = checkpoint(
    2040,
    5,
    Float64Array.from({ length: 2040 }, (_, i) => i),
  );
  const partA = reorder(
    wide,
    Array.from({ length: n }, (_, i) => i),
    1,
  );
  const partB = reorder(
    wide,
    Array.from({ length: 1852 }, (_, j) => 2039 - j),
    2,
  );
  const part = await open(partA, partB);
  assert.equal(await part.page.textContent('.pairing-note'), '1,812 paired by id; 188 only in A, 40 only in B');
  assert.equal(await meanAbs(part.page), 0);
  assert.deepEqual(part.errors, []);
  await part.page.close();
});
