import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import { Dump, readDump } from '../src/io/dump';
import { DumpError } from '../src/io/errors';
import { encodeSafetensors } from '../src/io/safetensors';
import { HostTensor, fromNumbers } from '../src/io/tensor';
import { encodeZip } from '../src/io/zip-write';
import { npyMembers, tempDir } from './helpers';

/** mulberry32: small, seeded, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.LSMI_FUZZ_SEED ?? 20240917);
const CASES_PER_FORMAT = Number(process.env.LSMI_FUZZ_CASES ?? 500);

/** A small valid dump with every optional tensor and several dtypes. */
function baseTensors(): Map<string, HostTensor> {
  const n = 16;
  const t = new Map<string, HostTensor>();
  t.set(
    'x1',
    fromNumbers(
      'f32',
      [n, 3],
      Array.from({ length: n * 3 }, (_, i) => Math.sin(i)),
    ),
  );
  t.set(
    'x2',
    fromNumbers(
      'f16',
      [n, 2],
      Array.from({ length: n * 2 }, (_, i) => i / 8),
    ),
  );
  t.set(
    'y',
    fromNumbers(
      'i64',
      [n],
      Array.from({ length: n }, (_, i) => i % 3),
    ),
  );
  t.set(
    'logits12',
    fromNumbers(
      'f64',
      [n, 3],
      Array.from({ length: n * 3 }, (_, i) => (i % 5) - 2),
    ),
  );
  t.set(
    'split',
    fromNumbers(
      'u8',
      [n],
      Array.from({ length: n }, (_, i) => (i < 10 ? 1 : 0)),
    ),
  );
  t.set(
    'ids',
    fromNumbers(
      'i32',
      [n],
      Array.from({ length: n }, (_, i) => 100 + i),
    ),
  );
  return t;
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** A value for a length/offset field: boundaries, small shifts and random numbers. */
function fieldValue(r: Rand, old: number, max: number): number {
  switch (int(r, 7)) {
    case 0:
      return 0;
    case 1:
      return max;
    case 2:
      return Math.max(0, old + int(r, 33) - 16);
    case 3:
      return int(r, max + 1);
    case 4:
      return old * 2;
    case 5:
      return Math.max(0, old - 1);
    default:
      return old + 1;
  }
}

/** Byte flips, biased to the start and the end of the file, where the headers are. */
function flipBytes(r: Rand, b: Uint8Array): void {
  const count = 1 + int(r, 8);
  for (let k = 0; k < count; k++) {
    const where = r();
    const i =
      where < 0.4
        ? int(r, Math.min(b.length, 256))
        : where < 0.7
          ? b.length - 1 - int(r, Math.min(b.length, 256))
          : int(r, b.length);
    b[i] = r() < 0.5 ? b[i] ^ (1 << int(r, 8)) : int(r, 256);
  }
}

function truncate(r: Rand, b: Uint8Array): Uint8Array {
  return b.subarray(0, int(r, b.length));
}

/** Mutations that know the safetensors layout: the header length, and the JSON header's fields. */
function mutateSafetensors(r: Rand, src: Uint8Array): Uint8Array {
  const b = src.slice();
  const view = new DataView(b.buffer);
  const headerLen = Number(view.getBigUint64(0, true));
  const kind = int(r, 6);
  if (kind === 0) {
    const values = [
      0n,
      1n,
      BigInt(headerLen - 1),
      BigInt(headerLen + 1),
      BigInt(b.length),
      2n ** 63n,
      2n ** 64n - 1n,
      BigInt(int(r, 200_000_000)),
    ];
    view.setBigUint64(0, pick(r, values), true);
    return b;
  }
  if (kind === 1) {
    flipBytes(r, b);
    return b;
  }
  if (kind === 2) return truncate(r, b);
  // Edit the JSON header and re-encode it.
  const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + headerLen))) as Record<
    string,
    Record<string, unknown>
  >;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits; e++) {
    const name = pick(r, names);
    const entry = header[name];
    if (!entry) continue;
    const field = pick(r, ['data_offsets', 'shape', 'dtype', 'alias', 'delete', 'rename']);
    const weird = [-1, 0, 1, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 1e300, 0.5, 'x', null, [], {}];
    if (field === 'data_offsets') {
      const offs = entry.data_offsets as number[];
      const i = int(r, 2);
      offs[i] = r() < 0.3 ? (pick(r, weird) as number) : fieldValue(r, offs[i], b.length * 4);
    } else if (field === 'shape') {
      const shape = entry.shape as unknown[];
      if (r() < 0.2) shape.push(pick(r, [1, 0, 2, 1e9]));
      else if (shape.length) shape[int(r, shape.length)] = r() < 0.5 ? pick(r, weird) : int(r, 40);
    } else if (field === 'dtype') {
      entry.dtype = pick(r, [
        'F64',
        'F32',
        'F16',
        'BF16',
        'I64',
        'I32',
        'I16',
        'I8',
        'U8',
        'BOOL',
        'U64',
        'C64',
        'toString',
        7,
      ]);
    } else if (field === 'alias') {
      const other = header[pick(r, names)];
      if (!other) continue;
      entry.data_offsets = [...(other.data_offsets as number[])];
      entry.shape = other.shape;
      entry.dtype = other.dtype;
    } else if (field === 'delete') {
      delete header[name];
    } else {
      header[pick(r, ['x3', 'y', 'x1', 'logits1', 'split', 'ids', '__metadata__'])] = entry;
    }
  }
  const h = new TextEncoder().encode(JSON.stringify(header));
  const data = b.subarray(8 + headerLen);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Mutations that know the zip layout: sizes, offsets and counts in the local, central and end records. */
function mutateZip(r: Rand, src: Uint8Array): Uint8Array {
  const kind = int(r, 5);
  if (kind === 0) {
    const b = src.slice();
    flipBytes(r, b);
    return b;
  }
  if (kind === 1) return truncate(r, src);
  const b = src.slice();
  const view = new DataView(b.buffer);
  // Every record's fields: [offset, width].
  const fields: Array<[number, 2 | 4 | 8]> = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x04034b50 && i + 30 <= b.length)
      fields.push([i + 14, 4], [i + 18, 4], [i + 22, 4], [i + 26, 2], [i + 28, 2], [i + 8, 2], [i + 6, 2]);
    if (sig === 0x02014b50 && i + 46 <= b.length)
      fields.push(
        [i + 10, 2],
        [i + 16, 4],
        [i + 20, 4],
        [i + 24, 4],
        [i + 28, 2],
        [i + 30, 2],
        [i + 32, 2],
        [i + 42, 4],
        [i + 8, 2],
      );
    if (sig === 0x06054b50 && i + 22 <= b.length)
      fields.push([i + 8, 2], [i + 10, 2], [i + 12, 4], [i + 16, 4], [i + 20, 2], [i + 4, 2]);
    if (sig === 0x06064b50 && i + 56 <= b.length) fields.push([i + 24, 8], [i + 32, 8], [i + 40, 8], [i + 48, 8]);
    if (sig === 0x07064b50 && i + 20 <= b.length) fields.push([i + 8, 8]);
    if (sig === 0x0001 && i + 28 <= b.length && kind === 4)
      fields.push([i + 4, 8], [i + 12, 8], [i + 20, 8], [i + 2, 2]);
  }
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits && fields.length; e++) {
    const [at, width] = pick(r, fields);
    if (width === 2) view.setUint16(at, fieldValue(r, view.getUint16(at, true), 0xffff) & 0xffff, true);
    else if (width === 4) view.setUint32(at, fieldValue(r, view.getUint32(at, true), 0xffffffff) >>> 0, true);
    else
      view.setBigUint64(
        at,
        BigInt(Math.min(Number.MAX_SAFE_INTEGER, fieldValue(r, Number(view.getBigUint64(at, true)), 2 ** 53))),
        true,
      );
  }
  return b;
}

/** Mutations of the .npy files of a folder dump: one file's bytes flipped, truncated, or its header text edited. */
function mutateNpy(r: Rand, src: Uint8Array): Uint8Array {
  const kind = int(r, 4);
  if (kind === 0) {
    const b = src.slice();
    flipBytes(r, b);
    return b;
  }
  if (kind === 1) return truncate(r, src);
  if (kind === 2) {
    const b = src.slice();
    const v = new DataView(b.buffer);
    v.setUint16(8, fieldValue(r, v.getUint16(8, true), 0xffff) & 0xffff, true);
    if (r() < 0.3) b[6] = pick(r, [0, 1, 2, 3, 4, 255]);
    return b;
  }
  const text = new TextDecoder('latin1').decode(src);
  const edits: Array<[RegExp, string]> = [
    [/\(\d+, \d+\)/, `(${int(r, 1e6)}, ${int(r, 100)})`],
    [/\(\d+,\)/, pick(r, ['(99999999999999999999,)', '(-3,)', '()', '(0,)', '(16, 16, 16)'])],
    [
      /'<f4'|'<f2'|'<i8'|'<f8'|'\|u1'|'<i4'/,
      pick(r, ["'>f4'", "'<c8'", "'<U5'", "'|b1'", "'<f8'", "'<i2'", "'O'", "[('a', '<f4')]"]),
    ],
    [/False/, pick(r, ['True', 'Maybe'])],
  ];
  const [re, to] = pick(r, edits);
  const out = new Uint8Array(src.length);
  const edited = text.replace(re, to);
  for (let i = 0; i < src.length; i++) out[i] = i < edited.length ? edited.charCodeAt(i) & 0xff : 0x20;
  return out;
}

test('fuzz: mutated dumps end in a DumpError or a valid Dump, fast and within memory', () => {
  const dir = tempDir('lsmi-fuzz-');
  const tensors = baseTensors();
  const members = npyMembers(tensors);
  const formats: Array<{
    name: string;
    file: string;
    bytes?: Uint8Array;
    mutate: (r: Rand, b: Uint8Array) => Uint8Array;
  }> = [
    {
      name: 'safetensors',
      file: 'd.safetensors',
      bytes: encodeSafetensors(tensors, { epoch: '3' }),
      mutate: mutateSafetensors,
    },
    { name: 'npz stored', file: 's.npz', bytes: zipSync(members, { level: 0 }), mutate: mutateZip },
    { name: 'npz deflated', file: 'z.npz', bytes: zipSync(members, { level: 6 }), mutate: mutateZip },
    {
      name: 'npz zip64',
      file: 'z64.npz',
      bytes: encodeZip(members, { compress: true, zip64: true }),
      mutate: mutateZip,
    },
    { name: 'npy folder', file: 'folder', mutate: mutateNpy },
  ];
  const t0 = Date.now();
  const rss0 = process.memoryUsage().rss;
  let maxRss = rss0;
  const outcomes: Record<string, { dump: number; error: number }> = {};
  let cases = 0;
  for (const [fi, fmt] of formats.entries()) {
    outcomes[fmt.name] = { dump: 0, error: 0 };
    for (let c = 0; c < CASES_PER_FORMAT; c++) {
      const seed = (Math.imul(SEED, 0x9e3779b1) ^ (fi * 1_000_003 + c)) >>> 0;
      const r = prng(seed);
      const file = path.join(dir, `${c}-${fmt.file}`);
      if (fmt.bytes) {
        fs.writeFileSync(file, fmt.mutate(r, fmt.bytes));
      } else {
        fs.mkdirSync(file);
        const names = Object.keys(members);
        const victim = pick(r, names);
        for (const n of names)
          fs.writeFileSync(path.join(file, n), n === victim ? fmt.mutate(r, members[n]) : members[n]);
        if (r() < 0.1) fs.rmSync(path.join(file, pick(r, names)));
      }
      let dump: Dump | undefined;
      try {
        dump = readDump(file);
      } catch (e) {
        if (!(e instanceof DumpError)) {
          assert.fail(`${fmt.name} case ${c} (seed ${seed}, LSMI_FUZZ_SEED=${SEED}): ${(e as Error)?.stack ?? e}`);
        }
        assert.ok(e.file.startsWith(file), `${fmt.name} case ${c} (seed ${seed}): error names ${e.file}`);
        outcomes[fmt.name].error++;
      }
      if (dump) {
        assert.ok(
          dump.n >= 10 && dump.y.length === dump.n && dump.modalities.length >= 2,
          `${fmt.name} case ${c} (seed ${seed})`,
        );
        for (const m of dump.modalities) assert.equal(m.data.length, dump.n * m.dim);
        outcomes[fmt.name].dump++;
      }
      fs.rmSync(file, { recursive: true, force: true });
      cases++;
      if ((c & 15) === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const rss1 = process.memoryUsage().rss;
  maxRss = Math.max(maxRss, rss1);
  const mb = (x: number) => (x / 1024 / 1024).toFixed(0);
  console.log(
    `# fuzz: ${cases} cases in ${seconds.toFixed(1)} s, seed ${SEED}; RSS ${mb(rss0)} -> ${mb(rss1)} MB, max ${mb(maxRss)} MB; ` +
      Object.entries(outcomes)
        .map(([k, v]) => `${k}: ${v.dump} read, ${v.error} refused`)
        .join('; '),
  );
  assert.ok(cases >= 2000, `${cases} cases`);
  assert.ok(seconds < 60, `took ${seconds} s`);
  assert.ok(maxRss - rss0 < 300 * 1024 * 1024, `RSS grew by ${mb(maxRss - rss0)} MB`);
  // Unmutated dumps still read: the mutations, not the bases, are what fail.
  for (const fmt of formats.filter((f) => f.bytes)) {
    const file = path.join(dir, fmt.file);
    fs.writeFileSync(file, fmt.bytes!);
    assert.equal(readDump(file).n, 16, fmt.name);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
