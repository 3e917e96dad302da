import * as zlib from 'zlib';
import { SIG_CENTRAL, SIG_EOCD, SIG_EOCD64, SIG_LOCAL, SIG_LOCATOR64, crc32 } from './zip';

/** Writing zip archives (npz dumps, and test archives too large for memory as sparse files). */

/** A saturated 32-bit field: the value lives in the ZIP64 record. */
const BIG = 0xffffffff;

/** One member as `zipLayout` places it; `data` is the stored or deflated bytes (omit it to leave a hole, e.g. in a sparse file). */
export interface ZipMemberSpec {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  data?: Uint8Array;
}

/**
 * Where each piece of a zip archive goes: local headers and data, the central directory and
 * the end records (ZIP64 when asked or needed). Used by `encodeZip` and by tests that build
 * archives too large to hold in memory as sparse files.
 */
export function zipLayout(
  members: ZipMemberSpec[],
  opts: { zip64?: boolean } = {},
): { parts: Array<{ offset: number; bytes: Uint8Array }>; size: number } {
  const parts: Array<{ offset: number; bytes: Uint8Array }> = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  let any64 = !!opts.zip64;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const z64 = !!opts.zip64 || m.size >= BIG || m.compressedSize >= BIG || offset >= BIG;
    any64 ||= z64;
    const extra = zip64Extra(m, offset, z64);
    const local = localHeader(m, name, extra, z64);
    parts.push({ offset, bytes: local });
    if (m.data) parts.push({ offset: offset + local.length, bytes: m.data });
    central.push(centralHeader(m, name, extra, z64, offset));
    offset += local.length + m.compressedSize;
  }
  const cdOffset = offset;
  for (const cd of central) {
    parts.push({ offset, bytes: cd });
    offset += cd.length;
  }
  const cdSize = offset - cdOffset;
  if (any64) {
    const rec = zip64EndRecords(members.length, cdSize, cdOffset, offset);
    parts.push({ offset, bytes: rec });
    offset += rec.length;
  }
  const end = new Uint8Array(22);
  const endv = new DataView(end.buffer);
  endv.setUint32(0, SIG_EOCD, true);
  endv.setUint16(8, any64 ? 0xffff : members.length, true);
  endv.setUint16(10, any64 ? 0xffff : members.length, true);
  endv.setUint32(12, any64 ? BIG : cdSize, true);
  endv.setUint32(16, any64 ? BIG : cdOffset, true);
  parts.push({ offset, bytes: end });
  return { parts, size: offset + 22 };
}

/** The ZIP64 extended-information field of a member (sizes and local header offset), or nothing. */
function zip64Extra(m: ZipMemberSpec, offset: number, z64: boolean): Uint8Array {
  const extra = new Uint8Array(z64 ? 4 + 24 : 0);
  if (!z64) return extra;
  const ev = new DataView(extra.buffer);
  ev.setUint16(0, 1, true);
  ev.setUint16(2, 24, true);
  ev.setBigUint64(4, BigInt(m.size), true);
  ev.setBigUint64(12, BigInt(m.compressedSize), true);
  ev.setBigUint64(20, BigInt(offset), true);
  return extra;
}

function localHeader(m: ZipMemberSpec, name: Uint8Array, extra: Uint8Array, z64: boolean): Uint8Array {
  const local = new Uint8Array(30 + name.length + (z64 ? 20 : 0));
  const lv = new DataView(local.buffer);
  lv.setUint32(0, SIG_LOCAL, true);
  lv.setUint16(4, z64 ? 45 : 20, true);
  lv.setUint16(6, 0x800, true);
  lv.setUint16(8, m.method, true);
  lv.setUint32(14, m.crc, true);
  lv.setUint32(18, z64 ? BIG : m.compressedSize, true);
  lv.setUint32(22, z64 ? BIG : m.size, true);
  lv.setUint16(26, name.length, true);
  lv.setUint16(28, z64 ? 20 : 0, true);
  local.set(name, 30);
  if (z64) {
    // The local header's ZIP64 field holds the two sizes only.
    local.set(extra.subarray(0, 20), 30 + name.length);
    lv.setUint16(30 + name.length + 2, 16, true);
  }
  return local;
}

function centralHeader(
  m: ZipMemberSpec,
  name: Uint8Array,
  extra: Uint8Array,
  z64: boolean,
  offset: number,
): Uint8Array {
  const cd = new Uint8Array(46 + name.length + extra.length);
  const cv = new DataView(cd.buffer);
  cv.setUint32(0, SIG_CENTRAL, true);
  cv.setUint16(4, 45, true);
  cv.setUint16(6, z64 ? 45 : 20, true);
  cv.setUint16(8, 0x800, true);
  cv.setUint16(10, m.method, true);
  cv.setUint32(16, m.crc, true);
  cv.setUint32(20, z64 ? BIG : m.compressedSize, true);
  cv.setUint32(24, z64 ? BIG : m.size, true);
  cv.setUint16(28, name.length, true);
  cv.setUint16(30, extra.length, true);
  cv.setUint32(42, z64 ? BIG : offset, true);
  cd.set(name, 46);
  cd.set(extra, 46 + name.length);
  return cd;
}

/** The ZIP64 end-of-central-directory record and its locator (at `at`). */
function zip64EndRecords(count: number, cdSize: number, cdOffset: number, at: number): Uint8Array {
  const rec = new Uint8Array(56 + 20);
  const rv = new DataView(rec.buffer);
  rv.setUint32(0, SIG_EOCD64, true);
  rv.setBigUint64(4, 44n, true);
  rv.setUint16(12, 45, true);
  rv.setUint16(14, 45, true);
  rv.setBigUint64(24, BigInt(count), true);
  rv.setBigUint64(32, BigInt(count), true);
  rv.setBigUint64(40, BigInt(cdSize), true);
  rv.setBigUint64(48, BigInt(cdOffset), true);
  rv.setUint32(56, SIG_LOCATOR64, true);
  rv.setBigUint64(64, BigInt(at), true);
  rv.setUint32(72, 1, true);
  return rec;
}

/** A zip archive in memory: members stored or deflated, with ZIP64 records when asked. */
export function encodeZip(
  members: Record<string, Uint8Array>,
  opts: { compress?: boolean; zip64?: boolean } = {},
): Uint8Array {
  const specs: ZipMemberSpec[] = Object.entries(members).map(([name, raw]) => {
    const data = opts.compress ? new Uint8Array(zlib.deflateRawSync(raw)) : raw;
    return {
      name,
      method: opts.compress ? 8 : 0,
      crc: crc32(raw),
      compressedSize: data.length,
      size: raw.length,
      data,
    };
  });
  const { parts, size } = zipLayout(specs, opts);
  const out = new Uint8Array(size);
  for (const p of parts) out.set(p.bytes, p.offset);
  return out;
}
