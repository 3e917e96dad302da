import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import { encodeNpy } from '../src/io/npy';
import { writeDump } from '../src/io/dump';
import { fromNumbers } from '../src/io/tensor';
import { CLI, REPO, smallTensors, tempDir } from './helpers';

/**
 * Hostile dumps through the real `lsmi` command: each must end in <= 30 s with exit code 2,
 * one line `lsmi: <file>: <problem>`, no stack trace, and a peak RSS of a few hundred MB.
 * The CLI runs in a child process that reports its own peak RSS (getrusage) after main().
 */
const HARNESS = `const { main } = require(${JSON.stringify(path.join(REPO, 'dist', 'cli.js'))});
main(process.argv.slice(1)).then((c) => { process.stderr.write('\\nMAXRSS_KB ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = c; });`;

function run(...args: string[]) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['-e', HARNESS, ...args], { encoding: 'utf8', timeout: 60_000 });
  const m = /\nMAXRSS_KB (\d+)\n/.exec(r.stderr);
  return {
    status: r.status,
    stderr: r.stderr.replace(/\nMAXRSS_KB \d+\n/, '').trim(),
    seconds: (Date.now() - t0) / 1000,
    rssMb: m ? Number(m[1]) / 1024 : NaN,
  };
}

const dir = tempDir('lsmi-hostile-');
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

/** A safetensors file from a raw header object and data bytes (no consistency checks). */
function rawSafetensors(file: string, header: Record<string, unknown>, data: Uint8Array): string {
  const json = Buffer.from(JSON.stringify(header));
  fs.writeFileSync(file, Buffer.concat([u64(BigInt(json.length)), json, data]));
  return file;
}

const cases: Array<[string, () => string, RegExp]> = [
  [
    'safetensors whose 400 tensors alias the same 4 MB',
    () => {
      const header: Record<string, unknown> = {};
      for (let i = 0; i < 400; i++)
        header[i < 2 ? `x${i + 1}` : `t${i}`] = { dtype: 'F32', shape: [1000, 1000], data_offsets: [0, 4_000_000] };
      header.y = { dtype: 'I64', shape: [1000], data_offsets: [0, 8000] };
      return rawSafetensors(path.join(dir, 'alias.safetensors'), header, new Uint8Array(4_000_000));
    },
    /overlap|alias|cover|gap/i,
  ],
  [
    'safetensors declaring a 10 GB tensor in a small file',
    () =>
      rawSafetensors(
        path.join(dir, 'huge.safetensors'),
        {
          x1: { dtype: 'F32', shape: [50_000, 50_000], data_offsets: [0, 10_000_000_000] },
          x2: { dtype: 'F32', shape: [10, 1], data_offsets: [10_000_000_000, 10_000_000_040] },
          y: { dtype: 'I64', shape: [10], data_offsets: [10_000_000_040, 10_000_000_120] },
        },
        new Uint8Array(1024),
      ),
    /truncated|bytes|budget|memory/i,
  ],
  [
    'npz whose x1 member is a deflate bomb (64 MB of zeros in ~64 KB)',
    () => {
      const t = smallTensors(64);
      const bomb = encodeNpy(fromNumbers('f32', [16_000, 1000], new Float32Array(16_000_000)));
      const file = path.join(dir, 'bomb.npz');
      fs.writeFileSync(
        file,
        zipSync({ 'x1.npy': [bomb, { level: 9 }], 'x2.npy': encodeNpy(t.get('x2')!), 'y.npy': encodeNpy(t.get('y')!) }),
      );
      return file;
    },
    /inflate|ratio/i,
  ],
  [
    'npz member that inflates past its declared size',
    () => {
      const t = smallTensors(64);
      const file = path.join(dir, 'liar.npz');
      const zip = Buffer.from(
        zipSync({
          'x1.npy': [encodeNpy(t.get('x1')!), { level: 6 }],
          'x2.npy': encodeNpy(t.get('x2')!),
          'y.npy': encodeNpy(t.get('y')!),
        }),
      );
      // Halve the declared uncompressed size of x1.npy in its local and central headers.
      const patch = (sig: number, at: number) => {
        for (
          let p = zip.indexOf(Buffer.from([sig & 0xff, (sig >> 8) & 0xff, (sig >> 16) & 0xff, sig >>> 24]));
          p >= 0;
          p = zip.indexOf(Buffer.from([sig & 0xff, (sig >> 8) & 0xff, (sig >> 16) & 0xff, sig >>> 24]), p + 4)
        ) {
          zip.writeUInt32LE(Math.floor(zip.readUInt32LE(p + at) / 2), p + at);
          break;
        }
      };
      patch(0x04034b50, 22);
      patch(0x02014b50, 24);
      fs.writeFileSync(file, zip);
      return file;
    },
    /declare|size|CRC|inflate/i,
  ],
  [
    'label 2^31 - 1',
    () => {
      const t = smallTensors(64);
      const y = Array.from({ length: 64 }, (_, i) => i % 2);
      y[5] = 2 ** 31 - 1;
      t.set('y', fromNumbers('i64', [64], y));
      const file = path.join(dir, 'label.safetensors');
      writeDump(file, t);
      return file;
    },
    /classes|label/i,
  ],
  [
    'a 5-row dump',
    () => {
      const f = path.join(dir, 'tiny.safetensors');
      writeDump(f, smallTensors(5));
      return f;
    },
    /only 5 samples/,
  ],
  [
    'NaN in the features',
    () => {
      const t = smallTensors(64);
      const x = Array.from({ length: 64 * 3 }, (_, i) => i);
      x[7] = NaN;
      t.set('x1', fromNumbers('f32', [64, 3], x));
      const f = path.join(dir, 'nan.safetensors');
      writeDump(f, t);
      return f;
    },
    /non-finite|NaN/,
  ],
  [
    'one class',
    () => {
      const t = smallTensors(64);
      t.set('y', fromNumbers('i64', [64], new Array(64).fill(1)));
      const f = path.join(dir, 'oneclass.npz');
      writeDump(f, t);
      return f;
    },
    /one class/,
  ],
  [
    'a truncated file',
    () => {
      const f = path.join(dir, 'trunc.safetensors');
      writeDump(f, smallTensors(64));
      fs.truncateSync(f, fs.statSync(f).size - 100);
      return f;
    },
    /truncated|bytes/i,
  ],
  [
    'mismatched shapes',
    () => {
      const t = smallTensors(64);
      t.set('x2', fromNumbers('f32', [63, 2], new Array(126).fill(0)));
      const f = path.join(dir, 'shapes.safetensors');
      writeDump(f, t);
      return f;
    },
    /rows/,
  ],
  [
    'an empty file',
    () => {
      const f = path.join(dir, 'empty.npz');
      fs.writeFileSync(f, '');
      return f;
    },
    /.+/,
  ],
];

for (const [name, make, problem] of cases) {
  test(`hostile dump through lsmi analyze: ${name}`, () => {
    const file = make();
    const r = run('analyze', file, '--backend', 'cpu');
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
    assert.ok(lines[0].startsWith(`lsmi: ${file}`), lines[0]);
    assert.match(lines[0], problem);
    assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
    assert.ok(r.seconds <= 30, `${r.seconds} s`);
    assert.ok(r.rssMb < 400, `peak RSS ${r.rssMb.toFixed(0)} MB`);
    console.log(
      `# ${name}: ${r.seconds.toFixed(1)} s, peak RSS ${r.rssMb.toFixed(0)} MB: ${lines[0].slice(`lsmi: ${file}: `.length)}`,
    );
  });
}

test('a hostile dump under lsmi watch --once: exit 2, one line naming it, the other checkpoint analysed', () => {
  const root = tempDir('lsmi-hostile-root-');
  fs.mkdirSync(path.join(root, 'run'));
  const good = spawnSync(
    process.execPath,
    [CLI, 'synth', 'or', '--n', '300', '--out', path.join(root, 'run', 'epoch-0001.safetensors')],
    { encoding: 'utf8' },
  );
  assert.equal(good.status, 0, good.stderr);
  const bad = path.join(root, 'run', 'epoch-0002.safetensors');
  fs.copyFileSync(path.join(dir, 'alias.safetensors'), bad);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(bad, old, old); // not fresh: hostile, not still being written
  const r = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--folds', '2', '--backend', 'wasm'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  const errs = r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.includes(bad));
  assert.equal(errs.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stdout, /epoch 1 +R /);
});
