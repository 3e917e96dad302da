import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { fromNumbers } from '../src/io/tensor';
import { CLI, smallTensors, tempDir } from './helpers';

function lsmi(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('lsmi synth writes a dump and prints its exact truth; analyze --json prints one object', () => {
  const dir = tempDir();
  const file = path.join(dir, 'or.safetensors');
  const s = lsmi('synth', 'or', '--n', '800', '--seed', '3', '--out', file, '--json');
  assert.equal(s.code, 0, s.err);
  const synth = JSON.parse(s.out);
  assert.ok(Math.abs(synth.truth.R - 0.216) < 0.02);
  const a = lsmi('analyze', file, '--json', '--samples', '--folds', '3', '--backend', 'wasm');
  assert.equal(a.code, 0, a.err);
  const lines = a.out.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one JSON object on stdout');
  const res = JSON.parse(lines[0]);
  for (const k of ['R', 'U1', 'U2', 'S']) {
    assert.equal(typeof res.dataset[k], 'number');
    assert.equal(typeof res.raw[k], 'number');
  }
  assert.equal(res.n, 800);
  assert.equal(res.classes, 2);
  assert.equal(res.backend, 'wasm');
  assert.equal(res.units, 'nats');
  assert.ok(res.seconds > 0);
  assert.equal(res.perClass.length, 2);
  assert.deepEqual(Object.keys(res.perClass[0]).sort(), ['R', 'S', 'U1', 'U2', 'class', 'n']);
  for (const k of ['r', 'u1', 'u2', 's']) assert.equal(res.samples[k].length, 800);
  const mean = res.samples.r.reduce((x: number, v: number) => x + v, 0) / 800;
  assert.ok(Math.abs(mean - res.dataset.R) < 1e-4, 'per-sample r averages to R');
  assert.match(res.scaling.entropy, /whitened/);
  // The readable table names the backend and the interactions.
  const t = lsmi('analyze', file, '--folds', '2', '--no-adjust');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /backend wasm/);
  assert.match(t.out, /not adjusted/);
});

test('bad input: exit code 2 and one line "lsmi: <file>: <problem>", no stack trace', () => {
  const dir = tempDir();
  const cases: Array<[string, (f: string) => void, RegExp]> = [
    [
      'nan.safetensors',
      (f) => {
        const t = smallTensors();
        const x = fromNumbers('f32', [12, 2], new Array(24).fill(0));
        (x.data as Float32Array)[3] = NaN;
        t.set('x2', x);
        writeDump(f, t);
      },
      /non-finite/,
    ],
    [
      'oneclass.npz',
      (f) => {
        const t = smallTensors();
        t.set('y', fromNumbers('i32', [12], new Array(12).fill(1)));
        writeDump(f, t);
      },
      /only one class/,
    ],
    [
      'trunc.safetensors',
      (f) => {
        writeDump(f, smallTensors());
        const b = fs.readFileSync(f);
        fs.writeFileSync(f, b.subarray(0, b.length - 7));
      },
      /truncated/,
    ],
    ['garbage.npz', (f) => fs.writeFileSync(f, 'PK not really a zip'), /corrupt or truncated/],
    ['missing.npz', () => undefined, /file not found/],
    [
      'badheader.safetensors',
      (f) => {
        const b = Buffer.alloc(16);
        b.writeBigUInt64LE(4n);
        b.write('{{{{', 8);
        fs.writeFileSync(f, b);
      },
      /bad safetensors header/,
    ],
  ];
  for (const [name, make, pattern] of cases) {
    const f = path.join(dir, name);
    make(f);
    const r = lsmi('analyze', f);
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: ${r.err}`);
    assert.ok(lines[0].startsWith(`lsmi: ${f}: `), lines[0]);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(r.err, /at .*\.js:\d+/);
  }
  const u = lsmi('analyze', path.join(dir, 'nan.safetensors'), '--backend', 'quantum');
  assert.equal(u.code, 2);
  assert.match(u.err, /--backend must be one of/);
});

test('--backend cpu is honoured and named in the output', () => {
  const dir = tempDir();
  const file = path.join(dir, 'xor.npz');
  assert.equal(lsmi('synth', 'xor', '--n', '300', '--out', file).code, 0);
  const r = lsmi('analyze', file, '--json', '--backend', 'cpu', '--folds', '2');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).backend, 'cpu');
});
