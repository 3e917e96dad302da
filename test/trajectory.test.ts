import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { fromNumbers } from '../src/io/tensor';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { loadSampleData } from '../src/runs/samples';
import { savedJobs } from '../src/runs/status';
import { sampleTrajectory } from '../src/runs/trajectory';
import { MAX_PREVIEW_CHARS, readPreview } from '../src/extension/preview';
import { previewReply, trajectoryReply } from '../src/extension/sample-detail';
import { UnsafePathError } from '../src/store/safe-path';
import { CLI, tempDir } from './helpers';

// The explorer's per-sample trajectory (src/runs/trajectory.ts) on a cache written by the real
// `lsmi watch --once`, and the sample preview reader (src/extension/preview.ts) on real files.

const N = 200;

/** A 200-row dump; with `ids`, its rows are a rotation of the samples, each with its id. */
function dumpTo(file: string, seed: number, epoch: number, shift?: number): void {
  const t = sampleTensors(sampleMixture(syntheticSet('or').model, N, new Rng(seed)));
  if (shift !== undefined)
    t.set(
      'ids',
      fromNumbers(
        'i64',
        [N],
        Array.from({ length: N }, (_, i) => 1000 + ((i + shift) % N)),
      ),
    );
  writeDump(file, t, { epoch });
}

/** Run `ids` (3 checkpoints, ids at different rows in each) and run `rows` (2 checkpoints, no ids), analysed once. */
let fixture: string | undefined;
function analysedRoot(): string {
  if (fixture) return fixture;
  const root = tempDir('lsmi-trajectory-root-');
  for (const e of [1, 2, 3]) dumpTo(path.join(root, 'ids', `epoch-000${e}.safetensors`), 10 + e, e, 37 * e);
  for (const e of [1, 2]) dumpTo(path.join(root, 'rows', `epoch-000${e}.safetensors`), 20 + e, e);
  const w = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--folds', '2', '--backend', 'wasm'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(w.status, 0, w.stderr);
  fixture = root;
  return root;
}

test('a sample is followed by its id across checkpoints whose rows are in different orders', () => {
  const root = analysedRoot();
  const jobs = savedJobs(root);
  const file = (e: number) => path.join(root, 'ids', `epoch-000${e}.safetensors`);
  // Row 5 of epoch 2 is id 1000 + (5 + 74) % 200 = 1079: row 79 - 37 = 42 of epoch 1, 79 - 111 + 200 = 168 of epoch 3.
  const t = sampleTrajectory(root, jobs, file(2), 5);
  assert.ok(t);
  assert.equal(t.byPosition, false);
  assert.equal(t.missing, 0);
  assert.deepEqual(
    t.points.map((p) => [p.file, p.epoch]),
    [1, 2, 3].map((e) => [file(e), e]),
    'one point per checkpoint of the run, oldest first; the other run is not included',
  );
  const points = t.points;
  for (const [k, e] of [1, 2, 3].entries()) {
    const d = loadSampleData(
      root,
      jobs.find((j) => j.file === file(e))!,
    )!;
    const row = Array.from(d.ids!).indexOf(1079);
    assert.equal(row, [42, 5, 168][k]);
    const p = points[k];
    assert.deepEqual([p.r, p.u1, p.u2, p.s], [d.r[row], d.u1[row], d.u2[row], d.s[row]], `epoch ${e}`);
  }
  // The values differ between rows: a lookup by position would have read other numbers.
  const d1 = loadSampleData(
    root,
    jobs.find((j) => j.file === file(1))!,
  )!;
  assert.notEqual(t.points[0].r, d1.r[5]);
});

test('without ids a sample is its row position in every checkpoint', () => {
  const root = analysedRoot();
  const jobs = savedJobs(root);
  const file = (e: number) => path.join(root, 'rows', `epoch-000${e}.safetensors`);
  const t = sampleTrajectory(root, jobs, file(1), 17);
  assert.ok(t);
  assert.equal(t.byPosition, true);
  assert.equal(t.points.length, 2);
  for (const [k, e] of [1, 2].entries()) {
    const d = loadSampleData(
      root,
      jobs.find((j) => j.file === file(e))!,
    )!;
    assert.deepEqual(
      [t.points[k].r, t.points[k].u1, t.points[k].u2, t.points[k].s],
      [d.r[17], d.u1[17], d.u2[17], d.s[17]],
    );
  }
  assert.equal(sampleTrajectory(root, jobs, file(1), N), undefined, 'no row 200');
  assert.equal(sampleTrajectory(root, jobs, file(1), -1), undefined);
  assert.equal(sampleTrajectory(root, jobs, path.join(root, 'rows', 'nope.safetensors'), 0), undefined);
});

test("the host's replies: a sample's preview is its manifest entry by id (else by row); requests are checked", () => {
  const root = analysedRoot();
  const jobs = savedJobs(root);
  const idsFile = path.join(root, 'ids', 'epoch-0002.safetensors');
  const rowsFile = path.join(root, 'rows', 'epoch-0001.safetensors');
  // Manifests written after the analysis: entries in id order, and by position.
  const manifest = (run: string, entry: (k: number) => object) =>
    fs.writeFileSync(
      path.join(root, run, 'samples.jsonl'),
      Array.from({ length: N }, (_, k) => JSON.stringify(entry(k))).join('\n') + '\n',
    );
  manifest('ids', (k) => ({ id: 1000 + k, text: `caption ${1000 + k}\nmore` }));
  manifest('rows', (k) => ({ id: `r${k}`, text: `row ${k}` }));
  assert.deepEqual(previewReply(root, jobs, idsFile, 5), {
    type: 'preview',
    file: idsFile,
    index: 5,
    text: 'caption 1079',
  });
  assert.deepEqual(previewReply(root, jobs, rowsFile, 17), {
    type: 'preview',
    file: rowsFile,
    index: 17,
    text: 'row 17',
  });
  for (const [r, i] of [
    [undefined, 5],
    [root, -1],
    [root, 1.5],
  ] as const) {
    assert.equal(
      previewReply(r, jobs, idsFile, i).note,
      'LSMI Lens previews samples only of analysed checkpoints in its runs folders',
    );
    assert.deepEqual(trajectoryReply(r, jobs, idsFile, i).points, []);
  }
  const t = trajectoryReply(root, jobs, idsFile, 5);
  assert.equal(t.points.length, 3);
  assert.equal(t.byPosition, false);
  assert.equal(t.note, undefined);
  // A checkpoint whose cache entry is gone does not hold the sample: said, not drawn.
  const gone = {
    ...jobs.find((j) => j.file === idsFile)!,
    file: path.join(root, 'ids', 'epoch-0009.safetensors'),
    epoch: 9,
    key: '0'.repeat(32),
  };
  const t2 = trajectoryReply(root, [...jobs, gone], idsFile, 5);
  assert.equal(t2.points.length, 3);
  assert.equal(t2.note, '1 checkpoint of the run does not hold this sample');
});

/** A run folder with a manifest of `sources` (one entry per row) and an inline text at the end. */
function previewRun(sources: string[]): { root: string; run: string; ckpt: string } {
  const root = tempDir('lsmi-preview-');
  const run = path.join(root, 'r');
  fs.mkdirSync(path.join(run, 'img'), { recursive: true });
  const lines = sources
    .map((s, i) => JSON.stringify({ id: i, sources: [s] }))
    .concat([JSON.stringify({ id: 'c', text: 'first <b>line</b>\nsecond line' })]);
  fs.writeFileSync(path.join(run, 'samples.jsonl'), lines.join('\n') + '\n');
  return { root, run, ckpt: path.join(run, 'epoch-1.safetensors') };
}

test('a preview reads a small image inside the run folder and refuses a large one or one outside', () => {
  const { root, run, ckpt } = previewRun(['img/a.png', 'img/big.jpg', '../../etc/passwd', 'img/b.svg', 'img/c.webp']);
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
  fs.writeFileSync(path.join(run, 'img', 'a.png'), png);
  fs.writeFileSync(path.join(run, 'img', 'big.jpg'), Buffer.alloc(512 * 1024 + 1));
  fs.writeFileSync(path.join(run, 'img', 'b.svg'), '<svg/>');
  fs.writeFileSync(path.join(run, 'img', 'c.webp'), Buffer.alloc(512 * 1024, 7));
  assert.deepEqual(readPreview(root, ckpt, 0), { image: { mime: 'image/png', base64: png.toString('base64') } });
  const big = readPreview(root, ckpt, 1);
  assert.equal(big.image, undefined);
  assert.match(big.note ?? '', /big\.jpg is too large to preview \(over 512 KiB\)/);
  assert.throws(() => readPreview(root, ckpt, 2), UnsafePathError);
  assert.deepEqual(readPreview(root, ckpt, 3), { note: 'no preview for .svg images' });
  assert.equal(
    readPreview(root, ckpt, 4).image?.base64.length,
    Math.ceil((512 * 1024) / 3) * 4,
    'exactly 512 KiB is sent',
  );
  assert.deepEqual(readPreview(root, ckpt, 5), { text: 'first <b>line</b>' }, 'inline text: its first line');
});

test('a preview reads line N of a text source, bounded, capped at 200 characters', () => {
  const { root, run, ckpt } = previewRun([
    'text/a.txt#L3',
    'text/a.txt',
    'text/a.txt#L4',
    'text/huge.txt#L2',
    'text/huge.txt#L1',
    'text/bin.dat',
  ]);
  fs.mkdirSync(path.join(run, 'text'));
  fs.writeFileSync(path.join(run, 'text', 'a.txt'), `one\r\ntwo\n${'x'.repeat(500)}\n`);
  // A first line longer than the 1 MiB read: line 2 is never reached (nothing more is read).
  fs.writeFileSync(path.join(run, 'text', 'huge.txt'), 'y'.repeat(2 * 1024 * 1024) + '\nsecond\n');
  fs.writeFileSync(path.join(run, 'text', 'bin.dat'), Buffer.from([1, 0, 2, 10]));
  assert.deepEqual(readPreview(root, ckpt, 0), { text: 'x'.repeat(MAX_PREVIEW_CHARS) + '…' });
  assert.deepEqual(readPreview(root, ckpt, 1), { text: 'one' }, 'no #L: the first line, without its \\r');
  assert.deepEqual(
    readPreview(root, ckpt, 2),
    { note: 'a.txt has no line 4' },
    'the newline ending line 3 starts no line',
  );
  assert.deepEqual(readPreview(root, ckpt, 3), { note: 'line 2 of huge.txt is beyond its first MiB: no preview' });
  assert.deepEqual(
    readPreview(root, ckpt, 4),
    { text: 'y'.repeat(MAX_PREVIEW_CHARS) + '…' },
    'line 1 starts in the read',
  );
  assert.deepEqual(readPreview(root, ckpt, 5), { note: 'bin.dat is not a text file: no preview' });
});
