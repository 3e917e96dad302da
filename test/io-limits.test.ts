import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { spawnSync } from 'child_process';
import { readDump, readTensorFile, writeDump } from '../src/io/dump';
import { DumpError } from '../src/io/errors';
import { FileReader } from '../src/io/fileio';
import { DEFAULT_MAX_INFLATE_RATIO, DEFAULT_MEMORY_MB, MAX_CLASSES, MIN_SAMPLES, readLimits } from '../src/io/limits';
import { encodeNpy } from '../src/io/npy';
import { encodeSafetensors } from '../src/io/safetensors';
import { HostTensor, fromNumbers } from '../src/io/tensor';
import { crc32 } from '../src/io/zip';
import { encodeZip, zipLayout, ZipMemberSpec } from '../src/io/zip-write';
import { npyMembers, smallTensors, tempDir } from './helpers';

function expectError(fn: () => unknown, pattern: RegExp, file?: string): DumpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DumpError, `expected a DumpError, got ${caught}`);
  assert.match(caught.problem, pattern);
  if (file) assert.ok(caught.file === file || caught.file.startsWith(`${file}:`), `${caught.file} names ${file}`);
  return caught;
}

/** A safetensors file with a hand-made header and `data` as its data section. */
function rawSafetensors(header: object, data: Uint8Array | number): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(body, 8 + h.length);
  return out;
}

/** An .npy of zeros of `shape` (f32), built without encoding a tensor. */
function zerosNpy(shape: number[]): Uint8Array {
  const head = encodeNpy(
    fromNumbers(
      'f32',
      shape.map(() => 0),
      [],
    ),
  );
  // encodeNpy of an empty tensor gives the header; patch the shape text.
  const text = new TextDecoder('latin1').decode(head.subarray(10));
  const shapeText = `(${shape.join(', ')})`;
  let header = text.replace(/'shape': \([^)]*\)/, `'shape': ${shapeText}`).trimEnd();
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const count = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(10 + header.length + count * 4);
  out.set(head.subarray(0, 8));
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** Members of an archive laid out in memory by zipLayout (sizes and CRCs as given). */
function layoutBytes(specs: ZipMemberSpec[], zip64 = false): Uint8Array {
  const { parts, size } = zipLayout(specs, { zip64 });
  const out = new Uint8Array(size);
  for (const p of parts) out.set(p.bytes, p.offset);
  return out;
}

function deflated(name: string, raw: Uint8Array): ZipMemberSpec {
  const data = new Uint8Array(zlib.deflateRawSync(raw));
  return { name, method: 8, crc: crc32(raw), compressedSize: data.length, size: raw.length, data };
}

function stored(name: string, raw: Uint8Array): ZipMemberSpec {
  return { name, method: 0, crc: crc32(raw), compressedSize: raw.length, size: raw.length, data: raw };
}

test('readLimits: half the memory budget, defaults, documented constants', () => {
  assert.equal(DEFAULT_MEMORY_MB, 4096);
  assert.equal(DEFAULT_MAX_INFLATE_RATIO, 100);
  assert.deepEqual(readLimits(), { maxBytes: 2048 * 1024 * 1024, maxInflateRatio: 100 });
  assert.deepEqual(readLimits(1000, 20), { maxBytes: 500 * 1024 * 1024, maxInflateRatio: 20 });
  assert.deepEqual(readLimits(0), readLimits(), "0 (the setting's default) means no cap was set");
  assert.equal(MAX_CLASSES, 10000);
  assert.ok(MIN_SAMPLES >= 10 && MIN_SAMPLES <= 12, 'the test dumps of 10-12 rows still read');
});

test('safetensors: aliasing, gaps, overlaps and a declared 10 GB tensor are refused before decoding', () => {
  const dir = tempDir('lsmi-limits-');
  const write = (name: string, bytes: Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };
  // Many tensors pointing at the same 4 KB: the data would be decoded 200 times over.
  const alias: Record<string, object> = {
    x1: { dtype: 'F32', shape: [16, 64], data_offsets: [0, 4096] },
    x2: { dtype: 'F32', shape: [16, 64], data_offsets: [0, 4096] },
    y: { dtype: 'U8', shape: [16], data_offsets: [0, 16] },
  };
  for (let i = 0; i < 200; i++) alias[`t${i}`] = { dtype: 'F32', shape: [16, 64], data_offsets: [0, 4096] };
  let f = write('alias.safetensors', rawSafetensors(alias, 4096));
  expectError(() => readDump(f), /overlap/, f);
  expectError(() => readTensorFile(f), /overlap/, f);
  // A header declaring a 10 GB tensor in a file of a few KB.
  f = write(
    'huge.safetensors',
    rawSafetensors(
      {
        x1: { dtype: 'F32', shape: [50000, 50000], data_offsets: [0, 10_000_000_000] },
        x2: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] },
      },
      2048,
    ),
  );
  expectError(() => readDump(f), /'x1'.*10000000000.*truncated/, f);
  // A gap between two tensors, and bytes after the last one.
  f = write(
    'gap.safetensors',
    rawSafetensors(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] },
      },
      24,
    ),
  );
  expectError(() => readDump(f), /gap in the data section: bytes 8\.\.16 belong to no tensor/, f);
  f = write('tail.safetensors', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 24));
  expectError(() => readDump(f), /16 bytes after the last tensor/, f);
  f = write('lead.safetensors', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, 16));
  expectError(() => readDump(f), /gap in the data section: bytes 0\.\.8/, f);
  // Partial overlap, and a zero-size tensor inside another's bytes.
  f = write(
    'overlap.safetensors',
    rawSafetensors(
      {
        a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
        b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
      },
      24,
    ),
  );
  expectError(() => readDump(f), /tensors 'a' and 'b' overlap/, f);
  f = write(
    'inside.safetensors',
    rawSafetensors(
      {
        a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
        e: { dtype: 'F32', shape: [0], data_offsets: [8, 8] },
      },
      16,
    ),
  );
  expectError(() => readDump(f), /overlap/, f);
  // Prototype names are not dtypes.
  f = write('proto.safetensors', rawSafetensors({ a: { dtype: 'constructor', shape: [1], data_offsets: [0, 4] } }, 4));
  expectError(() => readDump(f), /unsupported dtype "constructor"/, f);
});

test('the read budget: refused from the headers, naming the file, the tensor and the size, and how to raise it', () => {
  const dir = tempDir('lsmi-limits-');
  const t = smallTensors(100);
  t.set('x1', fromNumbers('f32', [100, 50], new Array(5000).fill(0.5)));
  for (const name of ['b.safetensors', 'b.npz', 'z.npz', 'folder']) {
    const f = path.join(dir, name);
    writeDump(f, t, {}, { compress: name === 'z.npz' });
    const e = expectError(
      () => readDump(f, { maxBytes: 21_000 }),
      /reading this dump needs .*(tensor 'x1' \[100,50\] f32: 19\.5|member 'x1\.npy': 19\.7) KiB to read/,
      f,
    );
    // float32 read into shared memory is kept as read (no decoded copy to pay for); a deflated
    // member is inflated, then copied.
    if (name === 'z.npz') expectError(() => readDump(f, { maxBytes: 30_000 }), /\+ 19\.5 KiB decoded/, f);
    else assert.equal(readDump(f, { maxBytes: 30_000 }).n, 100, name);
    assert.match(e.problem, /--memory-mb/);
    assert.match(e.problem, /lsmi\.memoryMb/);
    assert.equal(readDump(f, { maxBytes: 200_000 }).n, 100, name);
  }
  // npz: the declared member sizes are checked before anything is inflated.
  const f = path.join(dir, 'b.npz');
  expectError(() => readDump(f, { maxBytes: 10_000 }), /member 'x1\.npy' declares 19\.7 KiB .*--memory-mb/, f);
  // Tensors the schema does not use are neither read nor counted.
  const extra = new Map(smallTensors(20));
  extra.set('embeddings', fromNumbers('f32', [1000, 100], new Array(100000).fill(0)));
  const ef = path.join(dir, 'extra.safetensors');
  writeDump(ef, extra);
  assert.equal(readDump(ef, { maxBytes: 10_000 }).n, 20);
  expectError(() => readTensorFile(ef, { maxBytes: 10_000 }), /tensor 'embeddings'/, ef);
});

test('npz: huge declared sizes, deflate bombs, members that inflate past their size, odd archives', () => {
  const dir = tempDir('lsmi-limits-');
  const base = npyMembers(smallTensors(20));
  const write = (name: string, bytes: Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };
  // A member declaring 3.75 GB from a few bytes.
  const specs = Object.entries(base).map(([n, raw]) => deflated(n, raw));
  specs[0] = { ...specs[0], size: 0xf0000000 };
  let f = write('declared.npz', layoutBytes(specs));
  expectError(
    () => readDump(f),
    /member 'x1\.npy' declares 3\.8 GiB \(4026531840 bytes\) uncompressed; more than allowed.*--memory-mb/,
    f,
  );
  // The same with ZIP64 records and a 40 GB declaration.
  specs[0] = { ...specs[0], size: 40e9 };
  f = write('declared64.npz', layoutBytes(specs, true));
  expectError(() => readDump(f), /member 'x1\.npy' declares 37\.3 GiB/, f);

  // A real deflate bomb: 200 MB of zeros in ~200 KB, refused by the ratio rule before inflating.
  const n = 50000;
  const bombRaw = zerosNpy([n, 1000]);
  const bomb = deflated('x1.npy', bombRaw);
  assert.ok(bomb.compressedSize < 400_000, `bomb is ${bomb.compressedSize} bytes`);
  const bombDump = npyMembers(smallTensors(n));
  delete bombDump['x1.npy'];
  f = write('bomb.npz', layoutBytes([bomb, ...Object.entries(bombDump).map(([k, v]) => deflated(k, v))]));
  const rss = process.memoryUsage().rss;
  expectError(
    () => readDump(f),
    /member 'x1\.npy' declares 190\.7 MiB from .* compressed, an inflate ratio of \d+:1 over the limit of 100:1/,
    f,
  );
  assert.ok(process.memoryUsage().rss - rss < 100e6, 'the bomb was not inflated');
  // A smaller bomb (20 MB) is read when the ratio limit is raised, and refused at the default.
  const m = 5000;
  const small = npyMembers(smallTensors(m));
  small['x1.npy'] = zerosNpy([m, 1000]);
  f = write('smallbomb.npz', layoutBytes(Object.entries(small).map(([k, v]) => deflated(k, v))));
  expectError(() => readDump(f), /inflate ratio of \d+:1 over the limit of 100:1/, f);
  const d = readDump(f, { maxInflateRatio: 5000 });
  assert.equal(d.n, m);
  assert.equal(d.modalities[0].dim, 1000);

  // A member that inflates past its declared size (central and local sizes both lowered).
  for (const big of [false, true]) {
    const t = npyMembers(smallTensors(20));
    if (big)
      t['x1.npy'] = encodeNpy(
        fromNumbers(
          'f32',
          [20, 30000],
          Array.from({ length: 600000 }, (_, i) => Math.sin(i)),
        ),
      );
    // 100 bytes after the array's data, left out of the declared size: the header still fits it.
    const x1 = t['x1.npy'];
    t['x1.npy'] = new Uint8Array(x1.length + 100).fill(7);
    t['x1.npy'].set(x1);
    const s = Object.entries(t).map(([k, v]) => deflated(k, v));
    s[0] = { ...s[0], size: s[0].size - 100 };
    f = write(`over-${big}.npz`, layoutBytes(s));
    expectError(
      () => readDump(f, { maxInflateRatio: 1e9 }),
      /member 'x1\.npy' inflates to more than its declared \d+ bytes/,
      f,
    );
    s[0] = { ...s[0], size: s[0].size + 200 };
    f = write(`under-${big}.npz`, layoutBytes(s));
    expectError(
      () => readDump(f, { maxInflateRatio: 1e9 }),
      /member 'x1\.npy' inflates to \d+ bytes but declares \d+/,
      f,
    );
  }
  // A CRC that does not match, stored and deflated.
  for (const make of [stored, deflated]) {
    const s = Object.entries(base).map(([k, v]) => make(k, v));
    s[1] = { ...s[1], crc: (s[1].crc ^ 1) >>> 0 };
    f = write(`crc-${make.name}.npz`, layoutBytes(s));
    expectError(() => readDump(f), /member 'x2\.npy': CRC-32 mismatch/, f);
  }
  // Unknown methods, encryption, duplicate names, members sharing bytes.
  const s = Object.entries(base).map(([k, v]) => deflated(k, v));
  f = write('bzip2.npz', layoutBytes([{ ...s[0], method: 12 }, ...s.slice(1)]));
  expectError(() => readDump(f), /member 'x1\.npy' uses compression method 12; only stored \(0\) and deflate \(8\)/, f);
  const enc = layoutBytes(s);
  const cd = Buffer.from(enc).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  enc[cd + 8] |= 1; // the encryption flag of the first central entry
  f = write('encrypted.npz', enc);
  expectError(() => readDump(f), /member 'x1\.npy' is encrypted/, f);
  f = write('dup.npz', layoutBytes([...s, s[0]]));
  expectError(() => readDump(f), /duplicate member 'x1\.npy'/, f);
  const shared = layoutBytes(s);
  const sv = new DataView(shared.buffer);
  const c2 = Buffer.from(shared).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), cd + 46);
  sv.setUint32(c2 + 42, 0, true); // x2's central entry points at x1's local header
  f = write('shared.npz', shared);
  expectError(() => readDump(f), /overlap|local header names/, f);
  // Central directory offsets outside the file, and no end record.
  const bad = layoutBytes(s);
  new DataView(bad.buffer).setUint32(bad.length - 6, 1e9, true);
  f = write('cdoffset.npz', bad);
  expectError(() => readDump(f), /corrupt or truncated .npz archive \(central directory at 1000000000/, f);
  f = write('noend.npz', layoutBytes(s).subarray(0, 200));
  expectError(() => readDump(f), /no end-of-central-directory record/, f);
});

test('labels: huge, beyond 2^53, NaN and negative labels, and too few samples, get clear errors', () => {
  const dir = tempDir('lsmi-limits-');
  const cases: Array<[string, HostTensor, RegExp]> = [
    [
      'int31',
      fromNumbers('i64', [20], [...new Array(19).fill(0).map((_, i) => i % 2), 2147483647]),
      /label 2147483647 makes 2147483648 classes; at most 10000 supported; labels must be 0\.\.K-1 \(sample 19\)/,
    ],
    [
      'int32',
      fromNumbers('i32', [20], [...new Array(19).fill(0).map((_, i) => i % 2), 2147483647]),
      /label 2147483647 makes 2147483648 classes/,
    ],
    [
      'k10001',
      fromNumbers('u16', [20], [...new Array(19).fill(0).map((_, i) => i % 2), 10000]),
      /label 10000 makes 10001 classes; at most 10000/,
    ],
    [
      'nan',
      fromNumbers('f32', [20], [NaN, ...new Array(19).fill(0).map((_, i) => i % 2)]),
      /integer class labels 0\.\.K-1; sample 0 has NaN/,
    ],
    ['inf', fromNumbers('f64', [20], [0, 1, Infinity, ...new Array(17).fill(0)]), /sample 2 has Infinity/],
    ['negative', fromNumbers('i8', [20], [0, 1, 0, -3, ...new Array(16).fill(1)]), /sample 3 has -3/],
  ];
  const big = fromNumbers(
    'i64',
    [20],
    new Array(20).fill(0).map((_, i) => i % 2),
  );
  (big.data as BigInt64Array)[7] = 2n ** 53n + 1n;
  cases.push(['2^53+1', big, /label 9007199254740993 makes 9007199254740994 classes/]);
  const ubig = fromNumbers(
    'u64',
    [20],
    new Array(20).fill(0).map((_, i) => i % 2),
  );
  (ubig.data as BigUint64Array)[4] = 2n ** 64n - 1n;
  cases.push(['u64max', ubig, /label 18446744073709551615 makes 18446744073709551616 classes/]);
  const neg = fromNumbers(
    'i64',
    [20],
    new Array(20).fill(0).map((_, i) => i % 2),
  );
  (neg.data as BigInt64Array)[5] = -(2n ** 60n);
  cases.push(['i64neg', neg, /sample 5 has -1152921504606846976/]);
  for (const [name, y, pattern] of cases) {
    const t = smallTensors(20);
    t.set('y', y);
    const f = path.join(dir, `${name}.safetensors`);
    writeDump(f, t);
    const rss = process.memoryUsage().rss;
    expectError(() => readDump(f), pattern, f);
    assert.ok(process.memoryUsage().rss - rss < 50e6, `${name}: nothing sized by the label`);
  }
  // Class names beyond the cap.
  const f = path.join(dir, 'names.safetensors');
  writeDump(f, smallTensors(20), { classNames: Array.from({ length: MAX_CLASSES + 1 }, (_, i) => `c${i}`) });
  expectError(() => readDump(f), /classNames lists 10001 classes; at most 10000/, f);
  // Five rows.
  const five = path.join(dir, 'five.npz');
  writeDump(five, smallTensors(5));
  expectError(() => readDump(five), new RegExp(`only 5 samples; LSMI needs at least ${MIN_SAMPLES}`), five);
  // Logits sized by K are checked against the labels before they are decoded.
  const lt = smallTensors(20);
  lt.set('logits12', fromNumbers('f32', [20, 7], new Array(140).fill(0)));
  const lf = path.join(dir, 'logits.safetensors');
  writeDump(lf, lt);
  expectError(() => readDump(lf), /'logits12' has 7 columns but there are 2 classes/, lf);
});

test('a file that shrinks or vanishes while being read gives a DumpError', () => {
  const dir = tempDir('lsmi-limits-');
  const f = path.join(dir, 'shrink.safetensors');
  writeDump(f, smallTensors(20));
  const r = FileReader.open(f);
  try {
    fs.truncateSync(f, 40);
    expectError(() => r.read(0, 100), /truncated: expected 100 bytes at offset 0, got 40/, f);
  } finally {
    r.close();
  }
  expectError(() => FileReader.open(path.join(dir, 'gone.npz')), /file not found/);
  expectError(() => readDump(path.join(dir, 'gone')), /file not found/);
  expectError(() => FileReader.open(dir), /is a directory/);
});

test('files over 4 GiB (sparse) are read by positioned reads, including ZIP64 archives', (t) => {
  const dir = tempDir('lsmi-limits-');
  const PAD = 4.5 * 1024 ** 3;
  const tensors = smallTensors(20);
  const writeSparse = (f: string, parts: Array<{ offset: number; bytes: Uint8Array }>, size: number) => {
    const fd = fs.openSync(f, 'w');
    try {
      fs.ftruncateSync(fd, size);
      for (const p of parts) fs.writeSync(fd, p.bytes, 0, p.bytes.length, p.offset);
    } finally {
      fs.closeSync(fd);
    }
  };
  // safetensors: an unused 4.5 GiB tensor first, so the dump's tensors lie past 4 GiB.
  const st = path.join(dir, 'big.safetensors');
  const small = encodeSafetensors(tensors);
  const headerLen = Number(new DataView(small.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(small.subarray(8, 8 + headerLen))) as Record<
    string,
    { data_offsets: number[] }
  >;
  for (const v of Object.values(header)) v.data_offsets = v.data_offsets.map((o) => o + PAD);
  const bigHeader = { pad: { dtype: 'U8', shape: [PAD], data_offsets: [0, PAD] }, ...header };
  const h = new TextEncoder().encode(JSON.stringify(bigHeader));
  const pre = new Uint8Array(8 + h.length);
  new DataView(pre.buffer).setBigUint64(0, BigInt(h.length), true);
  pre.set(h, 8);
  const data = small.subarray(8 + headerLen);
  try {
    writeSparse(
      st,
      [
        { offset: 0, bytes: pre },
        { offset: pre.length + PAD, bytes: data },
      ],
      pre.length + PAD + data.length,
    );
  } catch (e) {
    t.skip(`cannot make a sparse file here: ${(e as Error).message}`);
    return;
  }
  assert.ok(fs.statSync(st).size > 4 * 1024 ** 3);
  const d = readDump(st);
  assert.equal(d.n, 20);
  assert.equal(d.modalities[0].data[3 * 5 + 2], -5);
  // The unused tensor would be 4.5 GiB: reading everything is refused, not attempted.
  expectError(() => readTensorFile(st), /tensor 'pad'.*4\.5 GiB/, st);

  // npz: a 4.5 GiB stored member first (ZIP64 sizes and offsets), the dump's members after it.
  const nz = path.join(dir, 'big.npz');
  const members: ZipMemberSpec[] = [{ name: 'pad.npy', method: 0, crc: 0, compressedSize: PAD, size: PAD }];
  for (const [k, v] of Object.entries(npyMembers(tensors)))
    members.push(k === 'x2.npy' ? deflated(k, v) : stored(k, v));
  const layout = zipLayout(members);
  writeSparse(nz, layout.parts, layout.size);
  const z = readDump(nz);
  assert.equal(z.n, 20);
  assert.equal(z.modalities[0].data[3 * 5 + 2], -5);
  assert.ok(Math.abs(z.modalities[1].data[2] - Math.sin(1)) < 1e-6);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('numpy-written archives read (savez, savez_compressed, big-endian, Fortran order), if numpy is here', (t) => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3 with numpy is not available');
    return;
  }
  const dir = tempDir('lsmi-limits-');
  const py = `import numpy as np
n = 30
x1 = (np.arange(n * 4).reshape(n, 4) / 8).astype('>f4')
x2 = np.asfortranarray(np.arange(n * 3).reshape(n, 3).astype('<f8'))
y = (np.arange(n) % 3).astype('>i8')
np.savez(${JSON.stringify(path.join(dir, 'a.npz'))}, x1=x1, x2=x2, y=y)
np.savez_compressed(${JSON.stringify(path.join(dir, 'b.npz'))}, x1=x1, x2=x2, y=y, other=np.zeros(10))`;
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['a.npz', 'b.npz']) {
    const d = readDump(path.join(dir, name));
    assert.equal(d.n, 30);
    assert.equal(d.classes, 3);
    assert.equal(d.modalities[0].data[5], 5 / 8);
    assert.equal(d.modalities[1].data[3 * 7 + 2], 23);
  }
});

test('encodeZip archives read back, with and without ZIP64 records', () => {
  const dir = tempDir('lsmi-limits-');
  for (const [name, opts] of [
    ['s.npz', {}],
    ['d.npz', { compress: true }],
    ['s64.npz', { zip64: true }],
    ['d64.npz', { compress: true, zip64: true }],
  ] as const) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, encodeZip(npyMembers(smallTensors(20)), opts));
    assert.equal(readDump(f).n, 20, name);
  }
});
