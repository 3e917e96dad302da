import * as fs from 'fs';
import * as path from 'path';
import { DumpError } from './errors';
import { FileReader, withFile } from './fileio';
import { CostItem, ReadLimits, checkBudget } from './limits';
import { schemaNames } from './schema';
import { NPY_PREAMBLE_BYTES, NpyHeader, decodeNpyOwned, npyHeaderEnd, parseNpyHeader } from './npy';
import { parseSafetensorsHeader, safetensorsHeaderLength } from './safetensors';
import { DType, DTYPE_BYTES, HostTensor, allocate, bytesOf, fortranToC, swapBytesInPlace } from './tensor';
import { checkZipMember, crc32, peekZipMember, readZipDirectory, readZipMember, zipMemberDataOffset } from './zip';

/**
 * How a dump file is read: from its headers alone, a plan of the tensors to load and what each
 * costs; the plan runs only once its total fits the memory budget. One planner per format
 * (safetensors, npz, a folder of .npy files).
 */
/**
 * Bytes `toDump` allocates for a tensor on top of its raw data (float32 features, int32
 * labels...). Float32 features and logits read into shared memory are kept as read (`asRead`):
 * no copy.
 */
function decodeCost(p: Planned, schema: Set<string>): number {
  const { name, numel: count } = p;
  if (!schema.has(name)) return 0;
  if (name === 'y') return count * 4;
  if (name === 'split') return count;
  if (name === 'ids') return count * 8;
  return p.asRead && p.dtype === 'f32' ? 0 : count * 4; // x1..xM and logits: float32
}

/** One tensor a reader will load, with what it costs; `load` runs only once the whole plan fits the budget. */
interface Planned {
  name: string;
  dtype: DType;
  shape: number[];
  numel: number;
  /** Bytes held once loaded. */
  raw: number;
  /** Bytes held only while loading. */
  transient: number;
  /** read straight into its typed array (float32 in shared memory): a float32 feature is kept as read */
  asRead?: boolean;
  load(): HostTensor;
}

/** Picks, from every tensor name in a file, the ones to read. */
export type Select = (names: readonly string[]) => ReadonlySet<string>;

export interface Plan {
  /** Every tensor name in the file, read or not. */
  names: string[];
  planned: Planned[];
  metadata: Record<string, string>;
  /** Headers and directories held while reading. */
  overhead: number;
}

export function runPlan(file: string, plan: Plan, limits: ReadLimits): Map<string, HostTensor> {
  const schema = schemaNames(plan.names);
  const items: CostItem[] = plan.planned.map((p) => ({
    what: `tensor '${p.name}' [${p.shape}] ${p.dtype}`,
    raw: p.raw,
    decode: decodeCost(p, schema),
    transient: p.transient,
  }));
  checkBudget(file, items, plan.overhead, limits);
  const tensors = new Map<string, HostTensor>();
  for (const p of plan.planned) tensors.set(p.name, p.load());
  return tensors;
}

/**
 * The data of an .npy whose header is `h`, read straight into its typed array (float32 in
 * shared memory: features go on to the engine's threads as read, with no copy).
 */
function loadNpyData(r: FileReader, h: NpyHeader, at: number): { t: HostTensor; bytes: Uint8Array } {
  const data = allocate(h.dtype, h.numel, true);
  const bytes = bytesOf(data);
  r.readInto(bytes, at + h.dataStart);
  if (!h.littleEndian) swapBytesInPlace(bytes, DTYPE_BYTES[h.dtype]);
  return { t: { dtype: h.dtype, shape: h.shape, data: h.fortran ? fortranToC(data, h.shape) : data }, bytes };
}

/** The header of an .npy that starts at `at` in `r` and spans `total` bytes, by positioned reads. */
function readNpyHeaderAt(r: FileReader, at: number, total: number, file: string): { h: NpyHeader; head: Uint8Array } {
  const prefix = r.read(at, Math.min(total, 4096));
  const end = npyHeaderEnd(prefix, file, total);
  const head = end <= prefix.length ? prefix : r.read(at, end);
  return { h: parseNpyHeader(head, file, total), head: head.subarray(0, end) };
}

function sameHeader(a: NpyHeader, b: NpyHeader): boolean {
  return (
    a.dtype === b.dtype &&
    a.fortran === b.fortran &&
    a.littleEndian === b.littleEndian &&
    a.dataStart === b.dataStart &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i])
  );
}

export function planSafetensors(r: FileReader, file: string, select: Select): Plan {
  const headerLen = safetensorsHeaderLength(r.readUpTo(0, 8), file, r.size);
  const dataStart = 8 + headerLen;
  const { entries, metadata } = parseSafetensorsHeader(r.read(8, headerLen), r.size - dataStart, file);
  const chosen = select(entries.map((e) => e.name));
  const planned: Planned[] = entries
    .filter((e) => chosen.has(e.name))
    .map((e) => ({
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      numel: e.numel,
      raw: e.end - e.begin,
      transient: 0,
      asRead: true,
      load: () => {
        const data = allocate(e.dtype, e.numel, true); // float32 in shared memory, as loadNpyData
        r.readInto(bytesOf(data), dataStart + e.begin);
        return { dtype: e.dtype, shape: e.shape, data };
      },
    }));
  return { names: entries.map((e) => e.name), planned, metadata, overhead: headerLen + entries.length * 128 };
}

/** Deflated members up to this size are inflated whole to read their header (cheap, and within the declared total). */
const SMALL_MEMBER = 1024 * 1024;

export function planNpz(r: FileReader, file: string, limits: ReadLimits, select: Select): Plan {
  const entries = readZipDirectory(r, file, limits);
  const names = entries.filter((e) => e.name.endsWith('.npy')).map((e) => e.name.slice(0, -4));
  const chosen = select(names);
  const members = entries.filter((e) => e.name.endsWith('.npy') && chosen.has(e.name.slice(0, -4)));
  for (const m of members) checkZipMember(m, file, limits);
  const overhead = entries.length * 128;
  // What the directory declares, before anything is inflated.
  checkBudget(
    file,
    members.map((m) => ({
      what: `member '${m.name}'`,
      raw: m.size,
      decode: 0,
      transient: m.method === 0 ? 0 : m.compressedSize,
    })),
    overhead,
    limits,
  );
  const planned = members.map((m): Planned => {
    const name = m.name.slice(0, -4);
    const mfile = `${file}:${m.name}`;
    const at = zipMemberDataOffset(r, m, file);
    if (m.method === 0) {
      const { h, head } = readNpyHeaderAt(r, at, m.size, mfile);
      return {
        name,
        dtype: h.dtype,
        shape: h.shape,
        numel: h.numel,
        raw: h.dataBytes,
        transient: h.fortran ? h.dataBytes : 0,
        asRead: !h.fortran,
        load: () => {
          const { t, bytes } = loadNpyData(r, h, at);
          // CRC-32 over header, data (as stored: swapped back if it was big-endian) and any trailing bytes.
          let crc = crc32(head);
          if (!h.littleEndian) swapBytesInPlace(bytes, DTYPE_BYTES[h.dtype]);
          crc = crc32(bytes, crc);
          if (!h.littleEndian) swapBytesInPlace(bytes, DTYPE_BYTES[h.dtype]);
          for (let p = h.dataStart + h.dataBytes; p < m.size; p += SMALL_MEMBER)
            crc = crc32(r.read(at + p, Math.min(SMALL_MEMBER, m.size - p)), crc);
          if (crc !== m.crc)
            throw new DumpError(file, `corrupt or truncated .npz archive (member '${m.name}': CRC-32 mismatch)`);
          return t;
        },
      };
    }
    let full = m.size <= SMALL_MEMBER ? readZipMember(r, m, at, file) : undefined;
    let h: NpyHeader;
    if (full) {
      h = parseNpyHeader(full, mfile, m.size);
    } else {
      const pre = peekZipMember(r, m, at, NPY_PREAMBLE_BYTES, file);
      const end = npyHeaderEnd(pre, mfile, m.size);
      h = parseNpyHeader(end <= pre.length ? pre : peekZipMember(r, m, at, end, file), mfile, m.size);
    }
    const copies = h.fortran || h.dataStart % DTYPE_BYTES[h.dtype] !== 0;
    return {
      name,
      dtype: h.dtype,
      shape: h.shape,
      numel: h.numel,
      raw: m.size,
      transient: (full ? 0 : m.compressedSize) + (copies ? h.dataBytes : 0),
      load: () => {
        const bytes = full ?? readZipMember(r, m, at, file);
        full = undefined;
        const h2 = parseNpyHeader(bytes, mfile, m.size);
        if (!sameHeader(h, h2)) throw new DumpError(mfile, 'header changed while being read');
        return decodeNpyOwned(h2, bytes.subarray(h2.dataStart, h2.dataStart + h2.dataBytes));
      },
    };
  });
  return { names, planned, metadata: {}, overhead };
}

function readDirNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new DumpError(dir, 'file not found (it may have been moved or deleted)');
    if (err.code === 'ENOTDIR')
      throw new DumpError(dir, 'unknown dump format (expected .npz, .safetensors or a folder of .npy files)');
    throw new DumpError(dir, `cannot read: ${err.message}`);
  }
}

export function planNpyDir(dir: string, select: Select): Plan {
  const files = readDirNames(dir)
    .filter((n) => n.endsWith('.npy'))
    .sort();
  const chosen = select(files.map((n) => n.slice(0, -4)));
  const planned = files
    .filter((n) => chosen.has(n.slice(0, -4)))
    .map((n): Planned => {
      const f = path.join(dir, n);
      const { h } = withFile(f, (r) => readNpyHeaderAt(r, 0, r.size, f));
      return {
        name: n.slice(0, -4),
        dtype: h.dtype,
        shape: h.shape,
        numel: h.numel,
        raw: h.dataBytes,
        transient: h.fortran ? h.dataBytes : 0,
        asRead: !h.fortran,
        load: () =>
          withFile(f, (r) => {
            const again = readNpyHeaderAt(r, 0, r.size, f).h;
            if (!sameHeader(h, again)) throw new DumpError(f, 'changed while being read (its header differs)');
            return loadNpyData(r, again, 0).t;
          }),
      };
    });
  return { names: files.map((n) => n.slice(0, -4)), planned, metadata: {}, overhead: files.length * 128 };
}
