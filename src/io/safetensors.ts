import { DumpError } from './errors';
import { DType, DTYPE_BYTES, HostTensor, decodeElements, encodeLittleEndian, numel } from './tensor';

/** Headers larger than this are refused before parsing (the format's own reader caps at 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const ST_TO_DTYPE: Record<string, DType> = {
  F64: 'f64',
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  I64: 'i64',
  I32: 'i32',
  I16: 'i16',
  I8: 'i8',
  U64: 'u64',
  U32: 'u32',
  U16: 'u16',
  U8: 'u8',
  BOOL: 'bool',
};
const DTYPE_TO_ST: Record<DType, string> = Object.fromEntries(
  Object.entries(ST_TO_DTYPE).map(([k, v]) => [v, k]),
) as Record<DType, string>;

export interface TensorFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

/** One tensor as the header declares it; `begin`/`end` are offsets into the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

/** The header length from the first 8 bytes of a file of `total` bytes (checked against the cap and the file). */
export function safetensorsHeaderLength(first8: Uint8Array, file: string, total: number): number {
  if (total < 8 || first8.length < 8) throw new DumpError(file, 'truncated safetensors file (no header size)');
  const size = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (size > BigInt(MAX_HEADER_BYTES))
    throw new DumpError(file, `safetensors header size ${size} exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  const headerLen = Number(size);
  if (8 + headerLen > total)
    throw new DumpError(file, `truncated safetensors header (${headerLen} bytes declared, ${total - 8} present)`);
  return headerLen;
}

/** The header's JSON object (UTF-8, strictly decoded). */
function headerObject(headerBytes: Uint8Array, file: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new DumpError(file, `bad safetensors header: not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new DumpError(file, 'bad safetensors header: not a JSON object');
  }
  return header as Record<string, unknown>;
}

/** Copy the `__metadata__` entry into `metadata`: an object of strings only. */
function readMetadata(entry: unknown, file: string, metadata: Record<string, string>): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new DumpError(file, 'bad safetensors header: __metadata__ is not an object');
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw new DumpError(file, `bad safetensors header: __metadata__.${k} is not a string`);
    metadata[k] = v;
  }
}

/** One tensor's entry, checked in order: dtype, shape, offsets, span against shape, span within the data. */
function parseEntry(name: string, entry: unknown, dataLen: number, file: string): SafetensorsEntry {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof e !== 'object' || e === null)
    throw new DumpError(file, `bad safetensors header: entry '${name}' is not an object`);
  const dtype = typeof e.dtype === 'string' && Object.hasOwn(ST_TO_DTYPE, e.dtype) ? ST_TO_DTYPE[e.dtype] : undefined;
  if (!dtype) throw new DumpError(file, `tensor '${name}': unsupported dtype ${JSON.stringify(e.dtype)}`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new DumpError(file, `tensor '${name}': bad shape ${JSON.stringify(e.shape)?.slice(0, 200)}`);
  }
  const offs = e.data_offsets;
  if (
    !Array.isArray(offs) ||
    offs.length !== 2 ||
    !offs.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    offs[0] > offs[1]
  ) {
    throw new DumpError(file, `tensor '${name}': bad data_offsets ${JSON.stringify(offs)?.slice(0, 200)}`);
  }
  const shape = e.shape as number[];
  const [begin, end] = offs as [number, number];
  const count = numel(shape);
  const need = count * DTYPE_BYTES[dtype];
  if (end - begin !== need) {
    throw new DumpError(
      file,
      `tensor '${name}': data_offsets span ${end - begin} bytes but shape [${shape}] of ${e.dtype} needs ${need}`,
    );
  }
  if (end > dataLen) {
    throw new DumpError(
      file,
      `tensor '${name}': data ends at byte ${end} but the file has ${dataLen} data bytes (truncated?)`,
    );
  }
  return { name, dtype, shape, numel: count, begin, end };
}

/** The spans must tile [0, dataLen): what the reference implementation checks too. */
function checkTiling(entries: SafetensorsEntry[], dataLen: number, file: string): void {
  const spans = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: SafetensorsEntry | undefined;
  for (const s of spans) {
    if (s.begin < cursor) {
      throw new DumpError(
        file,
        `tensors '${prev!.name}' and '${s.name}' overlap (bytes ${s.begin}..${Math.min(cursor, s.end)} of the data section are claimed twice)`,
      );
    }
    if (s.begin > cursor) {
      throw new DumpError(
        file,
        `gap in the data section: bytes ${cursor}..${s.begin} belong to no tensor (before '${s.name}')`,
      );
    }
    cursor = s.end;
    if (s.end > s.begin || !prev) prev = s;
  }
  if (cursor !== dataLen) {
    throw new DumpError(
      file,
      `the data section has ${dataLen - cursor} bytes after the last tensor that belong to no tensor`,
    );
  }
}

/**
 * Parse and validate a safetensors header for a data section of `dataLen` bytes, before any
 * tensor is decoded: dtypes, shapes, offsets that match the shapes, and spans that tile the
 * data section exactly (sorted, contiguous from 0 to `dataLen`: no gaps, no overlap, no aliasing).
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLen: number,
  file: string,
): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  const header = headerObject(headerBytes, file);
  const entries: SafetensorsEntry[] = [];
  const metadata: Record<string, string> = {};
  // Entries are checked in the header's order, so the first bad one is the one reported.
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') readMetadata(entry, file, metadata);
    else entries.push(parseEntry(name, entry, dataLen, file));
  }
  checkTiling(entries, dataLen, file);
  return { entries, metadata };
}

/** Parse a whole safetensors file held in memory (tests, writers); file readers use positioned reads. */
export function parseSafetensors(bytes: Uint8Array, file: string): TensorFile {
  const headerLen = safetensorsHeaderLength(bytes.subarray(0, 8), file, bytes.length);
  const dataStart = 8 + headerLen;
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, file);
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    tensors.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: decodeElements(bytes, dataStart + e.begin, e.dtype, e.numel, true),
    });
  }
  return { tensors, metadata };
}

export function encodeSafetensors(tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const bodies: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    const body = encodeLittleEndian(t);
    header[name] = { dtype: DTYPE_TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + body.length] };
    offset += body.length;
    bodies.push(body);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so tensor data starts 8-byte aligned.
  const head = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  head.set(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const b of bodies) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
