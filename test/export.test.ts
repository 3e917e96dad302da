import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { crc32c, eventFile, maskedCrc32c } from '../src/report/tensorboard';
import { dvcliveFiles } from '../src/report/dvclive';
import { MAX_FOLDER_BYTES, safeFolderNames } from '../src/report/folder-names';
import { CLI, tempDir } from './helpers';

// `lsmi export`: the real CLI on a root analysed by `lsmi watch --once` (real dumps, worker and
// cache), and the files it writes read back by readers written here, independently of the product.

const FAST = ['--folds', '2', '--backend', 'wasm'];

function lsmi(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function dumpTo(file: string, seed: number, meta: Record<string, number>): void {
  writeDump(file, sampleTensors(sampleMixture(syntheticSet('or').model, 200, new Rng(seed))), meta);
}

interface Expected {
  file: string;
  mtimeMs: number;
  summary: {
    dataset: Record<string, number | null>;
    intervals: Record<string, [number | null, number | null]>;
    info: { I12: number | null };
  };
}

/**
 * A root analysed once for all tests: run `a` is named "../evil" by its run.json and its dumps
 * carry steps 100 and 200 (and epochs 1, 2); run `b` has epochs 1 and 2 and a `final` dump with
 * neither. Also what status.json and the cache hold, read straight from the files.
 */
let fixture: { root: string; expected: Map<string, Expected> } | undefined;
function analysedRoot() {
  if (fixture) return fixture;
  const root = tempDir('lsmi-export-root-');
  for (const e of [1, 2])
    dumpTo(path.join(root, 'a', `epoch-000${e}.safetensors`), 10 + e, { epoch: e, step: 100 * e });
  fs.writeFileSync(path.join(root, 'a', 'run.json'), JSON.stringify({ name: '../evil' }));
  for (const e of [1, 2]) dumpTo(path.join(root, 'b', `epoch-000${e}.safetensors`), 20 + e, { epoch: e });
  dumpTo(path.join(root, 'b', 'final.safetensors'), 30, {});
  const w = lsmi('watch', root, '--once', ...FAST);
  assert.equal(w.code, 0, w.err);
  const expected = new Map<string, Expected>();
  const status = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as Array<{
    file: string;
    state: string;
    key: string;
    mtimeMs: number;
  }>;
  for (const r of status.filter((x) => x.state === 'done')) {
    const summary = JSON.parse(
      fs.readFileSync(path.join(root, '.lsmi', 'cache', r.key.slice(0, 2), r.key, 'summary.json'), 'utf8'),
    ) as Expected['summary'];
    expected.set(path.relative(root, r.file), { file: r.file, mtimeMs: r.mtimeMs, summary });
  }
  assert.equal(expected.size, 5, 'all five checkpoints analysed');
  fixture = { root, expected };
  return fixture;
}

/** The values a checkpoint's summary gives, by metric name (null ones left out). */
function metricValues(s: Expected['summary']): Record<string, number> {
  const d = s.dataset;
  const v: Record<string, number | null> = { R: d.R, U1: d.U1, U2: d.U2, S: d.S, I12: s.info.I12 };
  for (const k of ['R', 'U1', 'U2', 'S']) [v[`${k}_low`], v[`${k}_high`]] = [s.intervals[k][0], s.intervals[k][1]];
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

// ---- an independent TFRecord / protobuf reader ----

/** CRC32C bit by bit (the product uses a table). */
function crc32cBitwise(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
const masked = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** The records of a TFRecord file, both CRCs of each checked. */
function tfRecords(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    assert.ok(off + 12 <= buf.length, 'a whole record header');
    const len = Number(buf.readBigUInt64LE(off));
    assert.equal(buf.readUInt32LE(off + 8), masked(crc32cBitwise(buf.subarray(off, off + 8))), 'length CRC');
    const data = buf.subarray(off + 12, off + 12 + len);
    assert.equal(data.length, len, 'a whole record');
    assert.equal(buf.readUInt32LE(off + 12 + len), masked(crc32cBitwise(data)), 'data CRC');
    out.push(data);
    off += 16 + len;
  }
  return out;
}

type Field = { field: number; wire: number; value: bigint | Buffer };

/** Any protobuf message, generically by wire type. */
function decode(buf: Buffer): Field[] {
  let off = 0;
  const uvarint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[off++];
      assert.ok(b !== undefined, 'varint runs past the end');
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  const fields: Field[] = [];
  while (off < buf.length) {
    const key = uvarint();
    const field = Number(key >> 3n),
      wire = Number(key & 7n);
    const take = (n: number) => buf.subarray(off, (off += n));
    if (wire === 0) fields.push({ field, wire, value: uvarint() });
    else if (wire === 1) fields.push({ field, wire, value: take(8) });
    else if (wire === 2) fields.push({ field, wire, value: take(Number(uvarint())) });
    else if (wire === 5) fields.push({ field, wire, value: take(4) });
    else assert.fail(`unexpected wire type ${wire}`);
  }
  assert.equal(off, buf.length, 'message ends at its end');
  return fields;
}

interface Event {
  wallTime?: number;
  step?: bigint;
  fileVersion?: string;
  values: Array<{ tag: string; value: number }>;
}

function readEvent(data: Buffer): Event {
  const e: Event = { values: [] };
  for (const f of decode(data)) {
    if (f.field === 1 && f.wire === 1) e.wallTime = (f.value as Buffer).readDoubleLE(0);
    else if (f.field === 2 && f.wire === 0) e.step = BigInt.asIntN(64, f.value as bigint);
    else if (f.field === 3 && f.wire === 2) e.fileVersion = (f.value as Buffer).toString('utf8');
    else if (f.field === 5 && f.wire === 2)
      for (const v of decode(f.value as Buffer)) {
        assert.deepEqual([v.field, v.wire], [1, 2], 'Summary holds only values');
        const val = decode(v.value as Buffer);
        const tag = val.find((x) => x.field === 1 && x.wire === 2);
        const simple = val.find((x) => x.field === 2 && x.wire === 5);
        assert.ok(tag && simple, 'a Value has a tag and a simple_value');
        e.values.push({ tag: (tag.value as Buffer).toString('utf8'), value: (simple.value as Buffer).readFloatLE(0) });
      }
    else assert.fail(`unexpected Event field ${f.field} (wire ${f.wire})`);
  }
  return e;
}

/** Every file and link below `dir` (links not followed), relative. */
function walk(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? walk(dir, r) : [r];
  });
}

/** Where each checkpoint should land: folder, step. */
const LANDING: Record<string, { folder: string; step: number }> = {
  [path.join('a', 'epoch-0001.safetensors')]: { folder: '_evil', step: 100 },
  [path.join('a', 'epoch-0002.safetensors')]: { folder: '_evil', step: 200 },
  [path.join('b', 'epoch-0001.safetensors')]: { folder: 'b', step: 1 },
  [path.join('b', 'epoch-0002.safetensors')]: { folder: 'b', step: 2 },
  [path.join('b', 'final.safetensors')]: { folder: 'b', step: 3 },
};

test('the product CRC32C agrees with a bitwise one (and the standard check value)', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32c(check), 0xe3069283);
  assert.equal(crc32cBitwise(check), 0xe3069283);
  const rng = new Rng(5);
  for (let n = 0; n < 300; n += 7) {
    const b = Buffer.from(Array.from({ length: n }, () => rng.int(256)));
    assert.equal(crc32c(b), crc32cBitwise(b), `length ${n}`);
    assert.equal(maskedCrc32c(b), masked(crc32cBitwise(b)));
  }
});

test('event files encode negative and large steps as int64, and float32 values', () => {
  const buf = eventFile(
    [
      { step: -3, wallTime: 1.5, scalars: [['lsmi/R', 0.1]] },
      { step: 2 ** 40, wallTime: 2.25, scalars: [['lsmi/S', -7.75]] },
    ],
    1,
  );
  const events = tfRecords(buf).map(readEvent);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.deepEqual(
    events.slice(1).map((e) => [e.step, e.wallTime, e.values]),
    [
      [-3n, 1.5, [{ tag: 'lsmi/R', value: Math.fround(0.1) }]],
      [2n ** 40n, 2.25, [{ tag: 'lsmi/S', value: -7.75 }]],
    ],
  );
});

test('lsmi export writes one TensorBoard event file per run whose scalars are the cached values', () => {
  const { root, expected } = analysedRoot();
  const out = path.join(tempDir('lsmi-export-out-'), 'tb');
  const r = lsmi('export', root, '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out.split('\n')[0],
    /^exported 2 runs, 5 checkpoints to .*\(TensorBoard event files and DVCLive metrics\)$/,
  );
  assert.match(r.out, new RegExp(`tensorboard --logdir ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  for (const folder of ['_evil', 'b']) {
    const files = fs.readdirSync(path.join(out, folder)).filter((f) => f.includes('tfevents'));
    assert.equal(files.length, 1, `${folder}: ${files}`);
    assert.match(files[0], /^events\.out\.tfevents\.\d+\.[A-Za-z0-9._-]+\.lsmi$/);
    const events = tfRecords(fs.readFileSync(path.join(out, folder, files[0]))).map(readEvent);
    assert.equal(events[0].fileVersion, 'brain.Event:2');
    assert.equal(events[0].values.length, 0);
    const mine = [...expected].filter(([rel]) => LANDING[rel].folder === folder);
    assert.equal(events.length, 1 + mine.length);
    for (const [rel, x] of mine) {
      const e = events.find((ev) => ev.step === BigInt(LANDING[rel].step));
      assert.ok(e, `${rel}: an event at step ${LANDING[rel].step}`);
      assert.ok(Math.abs(e.wallTime! - x.mtimeMs / 1000) < 1e-3, `${rel}: wall_time is the dump's mtime`);
      const want = metricValues(x.summary);
      assert.ok(Object.keys(want).length >= 9, 'values and interval bounds');
      assert.deepEqual(
        Object.fromEntries(e.values.map((v) => [v.tag, v.value])),
        Object.fromEntries(Object.entries(want).map(([k, v]) => [`lsmi/${k}`, Math.fround(v)])),
        rel,
      );
    }
    // steps in order
    const steps = events.slice(1).map((e) => Number(e.step));
    assert.deepEqual(
      steps,
      [...steps].sort((p, q) => p - q),
    );
  }
});

test('lsmi export writes DVCLive TSVs and metrics.json with the cached values', () => {
  const { root, expected } = analysedRoot();
  const out = path.join(tempDir('lsmi-export-out-'), 'dvc');
  const r = lsmi('export', root, '--out', out, '--format', 'dvclive');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(
    walk(out).filter((f) => f.includes('tfevents')),
    [],
    'no event files with --format dvclive',
  );
  for (const folder of ['_evil', 'b']) {
    const mine = [...expected]
      .filter(([rel]) => LANDING[rel].folder === folder)
      .sort((p, q) => LANDING[p[0]].step - LANDING[q[0]].step);
    const names = Object.keys(metricValues(mine[0][1].summary));
    const tsvDir = path.join(out, folder, 'plots', 'metrics', 'lsmi');
    assert.deepEqual(fs.readdirSync(tsvDir).sort(), names.map((n) => `${n}.tsv`).sort());
    for (const name of names) {
      const lines = fs.readFileSync(path.join(tsvDir, `${name}.tsv`), 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'ends with a newline');
      assert.equal(lines[0], `timestamp\tstep\t${name}`);
      assert.deepEqual(
        lines.slice(1).map((l) => l.split('\t').map(Number)),
        mine.map(([rel, x]) => [Math.round(x.mtimeMs), LANDING[rel].step, metricValues(x.summary)[name]]),
        `${folder}/${name}.tsv`,
      );
    }
    const [latestRel, latest] = mine.at(-1)!;
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, folder, 'metrics.json'), 'utf8')), {
      lsmi: metricValues(latest.summary),
      step: LANDING[latestRel].step,
    });
  }
});

test('a run named ../evil lands inside --out; a link planted there is refused, not written through', () => {
  const { root } = analysedRoot();
  const base = tempDir('lsmi-export-evil-');
  const out = path.join(base, 'out');
  const r = lsmi('export', root, '--out', out, '--format', 'tensorboard');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(fs.readdirSync(base), ['out'], 'nothing beside out');
  assert.deepEqual(fs.readdirSync(out).sort(), ['_evil', 'b']);
  for (const f of walk(out)) {
    assert.ok(!f.split(path.sep).some((s) => s === '..' || s.startsWith('.')), f);
    assert.ok(fs.realpathSync(path.join(out, f)).startsWith(fs.realpathSync(out) + path.sep), f);
  }
  assert.deepEqual(
    walk(out).filter((f) => f.includes('plots') || f.endsWith('metrics.json')),
    [],
    'tensorboard only',
  );
  assert.match(r.out, /^ {2}\.\.\/evil +-> +_evil\/ +\(2 checkpoints\)$/m);

  // A second export into a folder where `b` is a link to elsewhere: refused, elsewhere untouched.
  const elsewhere = path.join(base, 'elsewhere');
  fs.mkdirSync(elsewhere);
  const out2 = path.join(base, 'out2');
  fs.mkdirSync(out2);
  fs.symlinkSync(elsewhere, path.join(out2, 'b'));
  const r2 = lsmi('export', root, '--out', out2);
  assert.equal(r2.code, 2, r2.err);
  assert.match(r2.err, /^lsmi: .*out2\/b: is a symbolic link; lsmi export does not write through links$/m);
  assert.deepEqual(fs.readdirSync(elsewhere), []);
});

test('exporting again replaces the earlier event file and stale TSVs, keeps files not its own', () => {
  const { root } = analysedRoot();
  const out = path.join(tempDir('lsmi-export-again-'), 'out');
  assert.equal(lsmi('export', root, '--out', out).code, 0);
  const b = path.join(out, 'b');
  fs.writeFileSync(path.join(b, 'events.out.tfevents.1000.oldhost.lsmi'), 'old export');
  fs.writeFileSync(path.join(b, 'events.out.tfevents.1000.oldhost'), 'not ours');
  fs.writeFileSync(path.join(b, 'plots', 'metrics', 'lsmi', 'gone.tsv'), 'a metric no longer written');
  const r = lsmi('export', root, '--out', out);
  assert.equal(r.code, 0, r.err);
  const files = fs.readdirSync(b);
  assert.equal(files.filter((f) => f.endsWith('.lsmi')).length, 1, files.join(' '));
  assert.ok(!files.includes('events.out.tfevents.1000.oldhost.lsmi'));
  assert.ok(files.includes('events.out.tfevents.1000.oldhost'), 'a file it did not write stays');
  assert.ok(!fs.existsSync(path.join(b, 'plots', 'metrics', 'lsmi', 'gone.tsv')));
  assert.ok(fs.existsSync(path.join(b, 'plots', 'metrics', 'lsmi', 'R.tsv')));
});

test('a root with nothing analysed: a clear message, exit 2, nothing written; usage errors exit 2', () => {
  const root = tempDir('lsmi-export-fresh-');
  dumpTo(path.join(root, 'a', 'epoch-0001.safetensors'), 1, { epoch: 1 });
  const out = path.join(tempDir('lsmi-export-none-'), 'out');
  const r = lsmi('export', root, '--out', out);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /^lsmi: .*: no analyzed checkpoints to export; analyze them first: lsmi watch .* --once \(or lsmi report .*\)$/m,
  );
  assert.equal(r.out, '');
  assert.ok(!fs.existsSync(out), 'no output folder made');

  const noOut = lsmi('export', root);
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /export needs --out DIR/);
  const badFormat = lsmi('export', root, '--out', out, '--format', 'csv');
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.err, /--format must be tensorboard, dvclive, both, not 'csv'/);
  const missing = lsmi('export', path.join(root, 'nope'), '--out', out);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope: not a folder/);
  const file = path.join(root, 'a-file');
  fs.writeFileSync(file, 'x');
  const outIsFile = lsmi('export', analysedRoot().root, '--out', file);
  assert.equal(outIsFile.code, 2);
  assert.match(outIsFile.err, /a-file: is not a folder/);
  assert.match(lsmi('--help').out, /lsmi export <root> --out DIR \[--format tensorboard\|dvclive\|both\]/);
});

test('run names become safe, distinct folder names', () => {
  const hostile = [
    '../evil',
    '..',
    '.',
    '',
    '   ',
    'a/b\\c',
    '.hidden',
    'CON',
    'nul.txt',
    'x\u0000y\u001b[31mz\u202e',
    'é'.repeat(300),
    'Run',
    'run',
    'RUN',
    'tail.',
  ];
  const got = safeFolderNames(hostile);
  assert.equal(new Set(got.map((g) => g.toLowerCase())).size, got.length, got.join(' | '));
  for (const g of got) {
    assert.ok(g.length > 0 && !g.startsWith('.') && !/[.\s]$/.test(g), JSON.stringify(g));
    assert.ok(!/[/\\\p{Cc}\p{Cf}:*?"<>|]/u.test(g), JSON.stringify(g));
    assert.ok(Buffer.byteLength(g) <= MAX_FOLDER_BYTES + 4, JSON.stringify(g));
    assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(g), g);
  }
  assert.deepEqual(got.slice(0, 8), ['_evil', 'run', 'run-2', 'run-3', 'run-4', 'a_b_c', 'hidden', '_CON']);
  assert.deepEqual(got.slice(11), ['Run-5', 'run-6', 'RUN-7', 'tail']);
});

test('DVCLive files: NaN and infinities as Python writes them in the TSV, left out of metrics.json', () => {
  const files = dvcliveFiles(
    [
      { step: 1, timestampMs: 10, values: { R: 0.5, S: Number.NaN } },
      { step: 2, timestampMs: 20, values: { R: Number.NEGATIVE_INFINITY, S: 0.25 } },
    ],
    ['R', 'S', 'U1'],
    'lsmi',
  );
  assert.deepEqual(
    files.map((f) => [f.path.join('/'), f.text]),
    [
      ['plots/metrics/lsmi/R.tsv', 'timestamp\tstep\tR\n10\t1\t0.5\n20\t2\t-inf\n'],
      ['plots/metrics/lsmi/S.tsv', 'timestamp\tstep\tS\n10\t1\tnan\n20\t2\t0.25\n'],
      ['metrics.json', '{\n    "lsmi": {\n        "S": 0.25\n    },\n    "step": 2\n}\n'],
    ],
  );
});

test('TensorBoard itself reads the event file (when Python has tensorboard)', (t) => {
  const probe = spawnSync('python3', ['-c', 'import tensorboard'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3 has no tensorboard module here');
    return;
  }
  const { root, expected } = analysedRoot();
  const out = path.join(tempDir('lsmi-export-tb-'), 'out');
  assert.equal(lsmi('export', root, '--out', out, '--format', 'tensorboard').code, 0);
  const py = `
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1]); acc.Reload()
print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()['scalars']}))`;
  const r = spawnSync('python3', ['-c', py, path.join(out, 'b')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const scalars = JSON.parse(r.stdout) as Record<string, Array<[number, number]>>;
  const final = expected.get(path.join('b', 'final.safetensors'))!;
  assert.deepEqual(scalars['lsmi/R'].at(-1), [3, Math.fround(final.summary.dataset.R!)]);
});
