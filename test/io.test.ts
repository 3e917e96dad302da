import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import { parseNpy, encodeNpy } from '../src/io/npy';
import { parseSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from '../src/io/safetensors';
import { readDump, writeDump, readTensorFile } from '../src/io/dump';
import { DumpError } from '../src/io/errors';
import {
  DType,
  HostTensor,
  fromNumbers,
  toFloat64,
  halfToFloat,
  floatToHalf,
  bf16ToFloat,
  floatToBf16,
} from '../src/io/tensor';
import { smallTensors, tempDir } from './helpers';

const ALL: DType[] = ['f64', 'f32', 'f16', 'bf16', 'i64', 'i32', 'i16', 'i8', 'u64', 'u32', 'u16', 'u8', 'bool'];
const NPY_DTYPES = ALL.filter((d) => d !== 'bf16');

function values(dtype: DType): number[] {
  if (dtype === 'bool') return [1, 0, 1, 1, 0, 0];
  if (dtype.startsWith('u')) return [0, 1, 2, 100, 7, 255];
  if (dtype.startsWith('i')) return [-128, -1, 0, 1, 2, 127];
  return [-2.5, -1, 0, 0.5, 1.25, 1024];
}

function expectError(fn: () => unknown, pattern: RegExp, file?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DumpError, `expected DumpError, got ${e}`);
    assert.match(e.problem, pattern);
    if (file) assert.equal(e.file, file);
    return true;
  });
}

/** A hand-made .npy with an arbitrary header and raw body. */
function rawNpy(header: string, body: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  const h = new TextEncoder().encode(header + '\n');
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, h.length, true);
  else v.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(body, pre + h.length);
  return out;
}

test('half and bfloat16 conversions round-trip representable values', () => {
  for (const v of [0, -0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8])
    assert.equal(halfToFloat(floatToHalf(v)), v);
  assert.equal(halfToFloat(floatToHalf(1e6)), Infinity);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  for (const v of [0, 1, -3.5, 256, -0.0078125]) assert.equal(bf16ToFloat(floatToBf16(v)), v);
  assert.equal(bf16ToFloat(floatToBf16(1.01)), 1.0078125); // nearest bfloat16
  assert.equal(bf16ToFloat(floatToBf16(1.00390625)), 1); // ties to even
});

test('npy round-trips every numeric dtype', () => {
  for (const dtype of NPY_DTYPES) {
    const t = fromNumbers(dtype, [2, 3], values(dtype));
    const back = parseNpy(encodeNpy(t), 'x.npy');
    assert.equal(back.dtype, dtype);
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual(Array.from(toFloat64(back)), Array.from(toFloat64(t)), dtype);
  }
});

test('npy reads big-endian data, Fortran order and format versions 2 and 3', () => {
  const body = new Uint8Array(6 * 4);
  const dv = new DataView(body.buffer);
  [1, 2, 3, 4, 5, 6].forEach((v, i) => dv.setFloat32(i * 4, v, false));
  const be = parseNpy(rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", body), 'be.npy');
  assert.deepEqual(Array.from(toFloat64(be)), [1, 2, 3, 4, 5, 6]);

  // Fortran order: column-major [[1,2,3],[4,5,6]] is stored 1,4,2,5,3,6.
  const fb = new Uint8Array(6 * 8);
  const fv = new DataView(fb.buffer);
  [1, 4, 2, 5, 3, 6].forEach((v, i) => fv.setFloat64(i * 8, v, true));
  const f = parseNpy(rawNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", fb), 'f.npy');
  assert.deepEqual(Array.from(toFloat64(f)), [1, 2, 3, 4, 5, 6]);

  const ib = new Uint8Array(3 * 2);
  new DataView(ib.buffer).setInt16(0, -5, false);
  new DataView(ib.buffer).setInt16(2, 300, false);
  new DataView(ib.buffer).setInt16(4, 7, false);
  assert.deepEqual(
    Array.from(
      toFloat64(parseNpy(rawNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", ib, 2), 'v2.npy')),
    ),
    [-5, 300, 7],
  );
  assert.deepEqual(
    Array.from(
      toFloat64(
        parseNpy(
          rawNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.from([9, 8, 7]), 3),
          'v3.npy',
        ),
      ),
    ),
    [9, 8, 7],
  );
});

test('npy corruption: bad magic, truncation, unsupported dtypes, bad versions', () => {
  const good = encodeNpy(fromNumbers('f32', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
  expectError(() => parseNpy(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'a.npy'), /bad magic/, 'a.npy');
  expectError(() => parseNpy(good.subarray(0, good.length - 3), 'b.npy'), /truncated data/, 'b.npy');
  expectError(() => parseNpy(good.subarray(0, 20), 'c.npy'), /truncated .npy header/);
  expectError(
    () => parseNpy(rawNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), 'd.npy'),
    /unsupported dtype '<c8'/,
  );
  expectError(
    () =>
      parseNpy(
        rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)),
        'e.npy',
      ),
    /structured/,
  );
  expectError(
    () => parseNpy(rawNpy("{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(20)), 'f.npy'),
    /unsupported dtype/,
  );
  const v9 = good.slice();
  v9[6] = 9;
  expectError(() => parseNpy(v9, 'g.npy'), /version 9/);
});

test('safetensors round-trips every dtype with metadata', () => {
  const tensors = new Map<string, HostTensor>(ALL.map((d) => [d, fromNumbers(d, [3, 2], values(d))]));
  const back = parseSafetensors(encodeSafetensors(tensors, { epoch: '3' }), 'a.safetensors');
  assert.equal(back.metadata.epoch, '3');
  for (const d of ALL) {
    const t = back.tensors.get(d)!;
    assert.equal(t.dtype, d);
    assert.deepEqual(Array.from(toFloat64(t)), Array.from(toFloat64(tensors.get(d)!)), d);
  }
});

test('safetensors corruption: header cap, bad JSON, offsets, overlap, truncation, dtype', () => {
  const file = 's.safetensors';
  const mk = (header: object, dataBytes: number) => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    return out;
  };
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
  expectError(() => parseSafetensors(huge, file), /exceeds/, file);
  expectError(() => parseSafetensors(Uint8Array.from([1, 2, 3]), file), /no header size/);
  const declared = new Uint8Array(20);
  new DataView(declared.buffer).setBigUint64(0, 1000n, true);
  expectError(() => parseSafetensors(declared, file), /truncated safetensors header/);
  const badJson = mk({}, 0);
  badJson[8] = 0x7b;
  badJson[9] = 0x78; // "{x"
  expectError(() => parseSafetensors(badJson, file), /not valid JSON/);
  expectError(
    () => parseSafetensors(mk({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4), file),
    /truncated/,
  );
  expectError(
    () => parseSafetensors(mk({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }, 12), file),
    /needs 8/,
  );
  expectError(
    () => parseSafetensors(mk({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8), file),
    /bad data_offsets/,
  );
  expectError(
    () =>
      parseSafetensors(
        mk(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          12,
        ),
        file,
      ),
    /overlap/,
  );
  expectError(
    () => parseSafetensors(mk({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, 8), file),
    /unsupported dtype "C64"/,
  );
  expectError(
    () => parseSafetensors(mk({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0), file),
    /bad shape/,
  );
  expectError(() => parseSafetensors(mk([1, 2], 0), file), /not a JSON object/);
});

test('dump writer and reader agree for npz (stored and deflated), safetensors and npy folders', () => {
  const dir = tempDir();
  const meta = { epoch: 7, step: 700, modalityNames: ['audio', 'video'], classNames: ['a', 'b'] };
  for (const [name, opts] of [
    ['d.npz', {}],
    ['z.npz', { compress: true }],
    ['d.safetensors', {}],
    ['folder', {}],
  ] as const) {
    const file = path.join(dir, name);
    writeDump(file, smallTensors(), meta, opts);
    const d = readDump(file);
    assert.equal(d.n, 12, name);
    assert.deepEqual(
      d.modalities.map((m) => [m.name, m.dim]),
      [
        ['audio', 3],
        ['video', 2],
      ],
      name,
    );
    assert.equal(d.meta.epoch, 7, name);
    assert.equal(d.meta.step, 700, name);
    assert.deepEqual(d.meta.classNames, ['a', 'b']);
    assert.equal(d.classes, 2);
    assert.deepEqual(Array.from(d.y.subarray(0, 4)), [0, 1, 0, 1]);
    assert.equal(d.modalities[0].data[3 * 5 + 2], -5);
  }
  // Deflated archives really are compressed.
  assert.ok(fs.statSync(path.join(dir, 'z.npz')).size < fs.statSync(path.join(dir, 'd.npz')).size);
  // No temporary files are left behind.
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test('dump reads optional tensors: logits, split, ids, x3', () => {
  const dir = tempDir();
  const t = smallTensors(10);
  t.set(
    'x3',
    fromNumbers(
      'f16',
      [10, 2],
      Array.from({ length: 20 }, (_, i) => i / 4),
    ),
  );
  t.set(
    'logits1',
    fromNumbers(
      'f32',
      [10, 2],
      Array.from({ length: 20 }, (_, i) => i % 3),
    ),
  );
  t.set('split', fromNumbers('u8', [10], [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]));
  t.set(
    'ids',
    fromNumbers(
      'i32',
      [10],
      Array.from({ length: 10 }, (_, i) => 100 + i),
    ),
  );
  const file = path.join(dir, 'd.safetensors');
  writeDump(file, t);
  const d = readDump(file);
  assert.equal(d.modalities.length, 3);
  assert.equal(d.modalities[2].data[3], 0.75);
  assert.ok(d.logits.logits1);
  assert.deepEqual(Array.from(d.split!), [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  assert.equal(d.ids![9], 109);
});

test('dump validation: each kind of bad input has its own message naming the file', () => {
  const dir = tempDir();
  const cases: Array<[string, (t: Map<string, HostTensor>) => void, RegExp]> = [
    ['missing', (t) => t.delete('x2'), /missing required tensor 'x2'/],
    ['rows', (t) => t.set('x2', fromNumbers('f32', [11, 2], new Array(22).fill(0))), /11 rows but y has 12/],
    [
      'nan',
      (t) => {
        const x = fromNumbers('f32', [12, 2], new Array(24).fill(0));
        (x.data as Float32Array)[5] = NaN;
        t.set('x2', x);
      },
      /non-finite value \(NaN\) at row 2, column 1/,
    ],
    [
      'inf',
      (t) => {
        const x = fromNumbers('f64', [12, 2], new Array(24).fill(0));
        (x.data as Float64Array)[0] = Infinity;
        t.set('x2', x);
      },
      /non-finite value \(Infinity\)/,
    ],
    [
      'floatlabel',
      (t) =>
        t.set(
          'y',
          fromNumbers(
            'f32',
            [12],
            new Array(12).fill(0).map((_, i) => (i % 2) + 0.5),
          ),
        ),
      /integer class labels/,
    ],
    [
      'negative',
      (t) =>
        t.set(
          'y',
          fromNumbers(
            'i32',
            [12],
            new Array(12).fill(0).map((_, i) => (i % 2) - 1),
          ),
        ),
      /sample 0 has -1/,
    ],
    ['oneclass', (t) => t.set('y', fromNumbers('i32', [12], new Array(12).fill(3))), /only one class/],
    [
      'nanid',
      (t) => t.set('ids', fromNumbers('f32', [12], [0, 1, 2, NaN, 4, 5, 6, 7, 8, 9, 10, 11])),
      /'ids' must be whole numbers within ±\(2\^53 - 1\): row 3 holds NaN/,
    ],
    [
      'fractionid',
      (t) => t.set('ids', fromNumbers('f64', [12], [0, 1, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11])),
      /row 2 holds 2\.5/,
    ],
    [
      'bigid',
      (t) =>
        t.set('ids', {
          dtype: 'i64',
          shape: [12],
          data: BigInt64Array.from({ length: 12 }, (_, i) => (i === 7 ? 2n ** 60n + 1n : BigInt(i))),
        }),
      /row 7 holds 1152921504606846977/,
    ],
    [
      'empty',
      (t) => {
        t.set('y', fromNumbers('i32', [0], []));
        t.set('x1', fromNumbers('f32', [0, 3], []));
        t.set('x2', fromNumbers('f32', [0, 2], []));
      },
      /empty dump/,
    ],
    ['rank', (t) => t.set('x1', fromNumbers('f32', [12], new Array(12).fill(0))), /must be 2-D/],
    ['booldtype', (t) => t.set('x1', fromNumbers('bool', [12, 1], new Array(12).fill(1))), /features must be numeric/],
    [
      'split',
      (t) => t.set('split', fromNumbers('i32', [12], new Array(12).fill(2))),
      /'split' must be 1 \(train\) or 0/,
    ],
    ['splitall', (t) => t.set('split', fromNumbers('i32', [12], new Array(12).fill(1))), /no sample for evaluation/],
    [
      'logits',
      (t) => t.set('logits12', fromNumbers('f32', [12, 3], new Array(36).fill(0))),
      /3 columns but there are 2 classes/,
    ],
  ];
  for (const [name, mutate, pattern] of cases) {
    const t = smallTensors();
    mutate(t);
    const file = path.join(dir, `${name}.safetensors`);
    writeDump(file, t);
    expectError(() => readDump(file), pattern, file);
  }
});

test('dump: unreadable, vanished and corrupt files get clear errors', () => {
  const dir = tempDir();
  expectError(() => readDump(path.join(dir, 'gone.npz')), /file not found/);
  const npz = path.join(dir, 'trunc.npz');
  writeDump(npz, smallTensors());
  const bytes = fs.readFileSync(npz);
  fs.writeFileSync(npz, bytes.subarray(0, bytes.length - 40));
  expectError(() => readDump(npz), /corrupt or truncated .npz/, npz);
  const st = path.join(dir, 'trunc.safetensors');
  writeDump(st, smallTensors());
  const sb = fs.readFileSync(st);
  fs.writeFileSync(st, sb.subarray(0, sb.length - 10));
  expectError(() => readDump(st), /truncated/, st);
  // A damaged member inside a valid archive names the member.
  const inner = path.join(dir, 'inner.npz');
  fs.writeFileSync(inner, zipSync({ 'x1.npy': Uint8Array.from([1, 2, 3]) }));
  expectError(() => readDump(inner), /bad magic/, `${inner}:x1.npy`);
  const txt = path.join(dir, 'notes.txt');
  fs.writeFileSync(txt, 'hello');
  expectError(() => readDump(txt), /unknown dump format/);
  const metaDir = path.join(dir, 'withmeta');
  writeDump(metaDir, smallTensors());
  fs.writeFileSync(path.join(metaDir, 'meta.json'), '{ not json');
  expectError(() => readTensorFile(metaDir), /not valid JSON/, path.join(metaDir, 'meta.json'));
});

test('features are read into shared memory: float32 ones as read, others converted once', () => {
  const dir = tempDir();
  for (const [format, dtype] of [
    ['safetensors', 'f32'],
    ['npz', 'f32'],
    ['safetensors', 'f64'],
  ] as const) {
    const t = smallTensors();
    const x1 = t.get('x1')!;
    t.set('x1', fromNumbers(dtype, x1.shape, Array.from(x1.data as Float32Array)));
    const file = path.join(dir, `shared-${dtype}.${format}`);
    writeDump(file, t);
    const dump = readDump(file);
    for (const m of dump.modalities)
      assert.ok(m.data.buffer instanceof SharedArrayBuffer, `${format} ${dtype} ${m.name}`);
    assert.deepEqual(Array.from(dump.modalities[0].data), Array.from(x1.data as Float32Array));
  }
});
