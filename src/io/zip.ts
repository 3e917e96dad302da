import * as zlib from 'zlib';
import { constants as bufferConstants } from 'buffer';
import { DumpError } from './errors';
import { FileReader } from './fileio';
import { RATIO_CHECK_BYTES, ReadLimits, budgetHint, formatBytes } from './limits';

/**
 * A small reader of zip archives (what numpy writes as .npz): the end of central directory
 * (and its ZIP64 form), the central directory, and one member at a time by positioned reads,
 * inflated with a hard cap at the size the directory declares.
 */
export interface ZipEntry {
  name: string;
  flags: number;
  /** 0 stored, 8 deflate; anything else is refused when the member is read. */
  method: number;
  crc: number;
  compressedSize: number;
  /** The uncompressed size the central directory declares. */
  size: number;
  localOffset: number;
}

export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_LOCATOR64 = 0x07064b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_LOCAL = 0x04034b50;

function corrupt(file: string, detail: string): DumpError {
  return new DumpError(file, `corrupt or truncated .npz archive (${detail})`);
}

function u64(view: DataView, at: number, file: string, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(file, `${what} ${v} is out of range`);
  return Number(v);
}

/** Where the central directory is, from the end record (and its ZIP64 twin when present). */
interface Directory {
  count: number;
  cdSize: number;
  cdOffset: number;
  cdLimit: number;
}

function findDirectory(r: FileReader, file: string): Directory {
  const size = r.size;
  if (size < 22) throw corrupt(file, 'too short for a zip archive');
  const tailLen = Math.min(size, 22 + 65535 + 20);
  const tailStart = size - tailLen;
  const tail = r.read(tailStart, tailLen);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt(file, 'no end-of-central-directory record');
  const eocdPos = tailStart + at;
  const hasLocator = at >= 20 && tv.getUint32(at - 20, true) === SIG_LOCATOR64;
  if (hasLocator)
    return zip64Directory(r, file, u64(tv, at - 20 + 8, file, 'ZIP64 end-of-central-directory offset'), eocdPos);
  const dir = {
    count: tv.getUint16(at + 10, true),
    cdSize: tv.getUint32(at + 12, true),
    cdOffset: tv.getUint32(at + 16, true),
    cdLimit: eocdPos,
  };
  if (dir.count === 0xffff || dir.cdSize === 0xffffffff || dir.cdOffset === 0xffffffff)
    throw corrupt(file, 'ZIP64 fields without a ZIP64 record');
  if (tv.getUint16(at + 4, true) !== 0 || tv.getUint16(at + 6, true) !== 0)
    throw corrupt(file, 'multi-disk archives are not supported');
  return dir;
}

function zip64Directory(r: FileReader, file: string, eocd64Pos: number, eocdPos: number): Directory {
  if (eocd64Pos + 56 > eocdPos - 20)
    throw corrupt(file, `ZIP64 end-of-central-directory offset ${eocd64Pos} lies outside the file`);
  const rec = r.read(eocd64Pos, 56);
  const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  if (rv.getUint32(0, true) !== SIG_EOCD64) throw corrupt(file, 'bad ZIP64 end-of-central-directory record');
  if (rv.getUint32(16, true) !== 0 || rv.getUint32(20, true) !== 0)
    throw corrupt(file, 'multi-disk archives are not supported');
  return {
    count: u64(rv, 32, file, 'entry count'),
    cdSize: u64(rv, 40, file, 'central directory size'),
    cdOffset: u64(rv, 48, file, 'central directory offset'),
    cdLimit: eocd64Pos,
  };
}

/** ZIP64 extended information: the 64-bit values, in this order, of the fields that are saturated. */
function zip64Sizes(
  cv: DataView,
  q: number,
  extraLen: number,
  file: string,
  name: string,
  v: { usize: number; compressedSize: number; localOffset: number },
): void {
  const extraEnd = q + extraLen;
  while (q + 4 <= extraEnd) {
    const id = cv.getUint16(q, true);
    const len = cv.getUint16(q + 2, true);
    if (q + 4 + len > extraEnd) break;
    if (id === 0x0001) {
      let f = q + 4;
      const take = (what: string): number => {
        if (f + 8 > q + 4 + len) throw corrupt(file, `member '${name}': ZIP64 extra field lacks the ${what}`);
        const x = u64(cv, f, file, `member '${name}' ${what}`);
        f += 8;
        return x;
      };
      if (v.usize === 0xffffffff) v.usize = take('uncompressed size');
      if (v.compressedSize === 0xffffffff) v.compressedSize = take('compressed size');
      if (v.localOffset === 0xffffffff) v.localOffset = take('local header offset');
      return;
    }
    q += 4 + len;
  }
  throw corrupt(file, `member '${name}': saturated sizes without a ZIP64 extra field`);
}

/** Central directory entry `k` at byte p of the directory `cd`, and where the next one starts. */
function centralEntry(
  cd: Uint8Array,
  cv: DataView,
  p: number,
  k: number,
  file: string,
): { entry: ZipEntry; end: number } {
  if (p + 46 > cd.length || cv.getUint32(p, true) !== SIG_CENTRAL)
    throw corrupt(file, `bad central directory entry ${k}`);
  const flags = cv.getUint16(p + 8, true);
  const nameLen = cv.getUint16(p + 28, true);
  const extraLen = cv.getUint16(p + 30, true);
  const end = p + 46 + nameLen + extraLen + cv.getUint16(p + 32, true);
  if (end > cd.length) throw corrupt(file, `central directory entry ${k} runs past the directory`);
  const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(cd.subarray(p + 46, p + 46 + nameLen));
  const v = {
    usize: cv.getUint32(p + 24, true),
    compressedSize: cv.getUint32(p + 20, true),
    localOffset: cv.getUint32(p + 42, true),
  };
  if (
    v.usize === 0xffffffff ||
    v.compressedSize === 0xffffffff ||
    v.localOffset === 0xffffffff ||
    cv.getUint16(p + 34, true) === 0xffff
  ) {
    zip64Sizes(cv, p + 46 + nameLen, extraLen, file, name, v);
  }
  return {
    entry: {
      name,
      flags,
      method: cv.getUint16(p + 10, true),
      crc: cv.getUint32(p + 16, true),
      compressedSize: v.compressedSize,
      size: v.usize,
      localOffset: v.localOffset,
    },
    end,
  };
}

/** Read and validate the central directory; every offset and size is checked against the file. */
export function readZipDirectory(r: FileReader, file: string, limits: ReadLimits): ZipEntry[] {
  const { count, cdSize, cdOffset, cdLimit } = findDirectory(r, file);
  if (cdOffset + cdSize > cdLimit) {
    throw corrupt(
      file,
      `central directory at ${cdOffset}..${cdOffset + cdSize} lies outside the archive (${cdLimit} bytes before its end record)`,
    );
  }
  if (count * 46 > cdSize) throw corrupt(file, `${count} entries cannot fit a ${cdSize}-byte central directory`);
  if (cdSize > limits.maxBytes) {
    throw new DumpError(file, `central directory of ${formatBytes(cdSize)} is too large; ${budgetHint(limits)}`);
  }
  const cd = r.read(cdOffset, cdSize);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = 0;
  for (let k = 0; k < count; k++) {
    const { entry, end } = centralEntry(cd, cv, p, k, file);
    const { name, localOffset, compressedSize } = entry;
    if (names.has(name)) throw new DumpError(file, `duplicate member '${name}' in the archive`);
    names.add(name);
    if (localOffset + 30 + compressedSize > cdOffset) {
      throw corrupt(
        file,
        `member '${name}': data at ${localOffset}..${localOffset + 30 + compressedSize} runs past the members' area (${cdOffset} bytes)`,
      );
    }
    entries.push(entry);
    p = end;
  }
  // Members must not share bytes: overlapping members are how "overlap" zip bombs multiply one payload.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const a = byOffset[i - 1];
    const b = byOffset[i];
    if (a.localOffset + 30 + a.compressedSize > b.localOffset)
      throw corrupt(file, `members '${a.name}' and '${b.name}' overlap`);
  }
  return entries;
}

/** Refuse a member before reading it: method, encryption, declared size against the budget, inflate ratio. */
export function checkZipMember(e: ZipEntry, file: string, limits: ReadLimits): void {
  if (e.flags & 0x1 || e.flags & 0x40 || e.method === 99)
    throw new DumpError(file, `member '${e.name}' is encrypted; encrypted archives are not supported`);
  if (e.method !== 0 && e.method !== 8) {
    throw new DumpError(
      file,
      `member '${e.name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported`,
    );
  }
  if (e.method === 0 && e.compressedSize !== e.size) {
    throw corrupt(file, `stored member '${e.name}' declares ${e.size} bytes but holds ${e.compressedSize}`);
  }
  if (e.size > limits.maxBytes) {
    throw new DumpError(
      file,
      `member '${e.name}' declares ${formatBytes(e.size)} (${e.size} bytes) uncompressed; more than allowed: ${budgetHint(limits)}`,
    );
  }
  if (e.size > bufferConstants.MAX_LENGTH) {
    throw new DumpError(file, `member '${e.name}' declares ${formatBytes(e.size)}, more than one buffer can hold`);
  }
  if (e.method === 8 && e.size > RATIO_CHECK_BYTES && e.size > limits.maxInflateRatio * e.compressedSize) {
    const ratio = e.compressedSize > 0 ? `${Math.round(e.size / e.compressedSize)}:1` : 'unbounded';
    throw new DumpError(
      file,
      `member '${e.name}' declares ${formatBytes(e.size)} from ${formatBytes(e.compressedSize)} compressed, an inflate ratio of ${ratio} ` +
        `over the limit of ${limits.maxInflateRatio}:1 (a deflate bomb?); real features compress far less`,
    );
  }
}

/** Read the member's local header; returns where its compressed bytes start. */
export function zipMemberDataOffset(r: FileReader, e: ZipEntry, file: string): number {
  if (e.localOffset + 30 > r.size)
    throw corrupt(file, `member '${e.name}': local header at ${e.localOffset} lies outside the file`);
  const h = r.read(e.localOffset, 30);
  const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (hv.getUint32(0, true) !== SIG_LOCAL) throw corrupt(file, `member '${e.name}': bad local header`);
  const nameLen = hv.getUint16(26, true);
  const extraLen = hv.getUint16(28, true);
  const dataOffset = e.localOffset + 30 + nameLen + extraLen;
  if (dataOffset + e.compressedSize > r.size) {
    throw corrupt(
      file,
      `member '${e.name}': data at ${dataOffset}..${dataOffset + e.compressedSize} runs past the end of the file (${r.size} bytes)`,
    );
  }
  const localName = new TextDecoder(hv.getUint16(6, true) & 0x800 ? 'utf-8' : 'latin1').decode(
    r.read(e.localOffset + 30, nameLen),
  );
  if (localName !== e.name) throw corrupt(file, `member '${e.name}': local header names '${localName}'`);
  return dataOffset;
}

function inflateError(file: string, e: ZipEntry, err: unknown): DumpError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new DumpError(file, `member '${e.name}' inflates to more than its declared ${e.size} bytes`);
  }
  return corrupt(file, `member '${e.name}': ${(err as Error).message}`);
}

/** The whole member, inflated to at most its declared size, which it must fill exactly; CRC-32 checked. */
export function readZipMember(r: FileReader, e: ZipEntry, dataOffset: number, file: string): Uint8Array {
  const comp = r.read(dataOffset, e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) {
    out = comp;
  } else {
    try {
      out = zlib.inflateRawSync(comp, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw inflateError(file, e, err);
    }
    if (out.length !== e.size) {
      throw new DumpError(file, `member '${e.name}' inflates to ${out.length} bytes but declares ${e.size}`);
    }
  }
  if (crc32(out) !== e.crc) throw corrupt(file, `member '${e.name}': CRC-32 mismatch`);
  return out;
}

/**
 * At least the first min(want, size) bytes of a deflated member, inflating as little of it as
 * possible (a prefix of the compressed bytes, never more than want + 64 KiB of output).
 */
export function peekZipMember(r: FileReader, e: ZipEntry, dataOffset: number, want: number, file: string): Uint8Array {
  const need = Math.min(want, e.size);
  if (e.method === 0) return r.read(dataOffset, need);
  const cap = Math.min(e.size, need + 65536);
  // Binary search on the compressed prefix: `lo` gives too little output, `hi` too much.
  let lo = 0;
  let hi = Infinity;
  let p = Math.min(e.compressedSize, 256);
  const comp = r.read(dataOffset, Math.min(e.compressedSize, 1024 * 1024));
  let source = comp;
  for (;;) {
    if (p > source.length) source = r.read(dataOffset, Math.min(e.compressedSize, Math.max(p, source.length * 2)));
    let out: Uint8Array | undefined;
    try {
      out = zlib.inflateRawSync(source.subarray(0, p), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, cap),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw inflateError(file, e, err);
      if (cap === e.size) throw inflateError(file, e, err);
      hi = p;
    }
    if (out) {
      if (out.length >= need) return out;
      if (p >= e.compressedSize)
        throw corrupt(file, `member '${e.name}' inflates to ${out.length} bytes but declares ${e.size}`);
      lo = p;
    }
    const next = hi === Infinity ? Math.min(e.compressedSize, p * 4) : Math.floor((lo + hi) / 2);
    if (next <= lo) throw corrupt(file, `member '${e.name}': cannot read its first ${need} bytes`);
    p = next;
  }
}

let table: Int32Array | undefined;

/** CRC-32 (zip's): zlib's when Node has it, else a table. */
export function crc32(data: Uint8Array, initial = 0): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (native) return native(data, initial) >>> 0;
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = ~initial;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
