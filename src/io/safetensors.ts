import { DumpError } from './errors';
import { DType, DTYPE_BYTES, HostTensor, decodeElements, encodeLittleEndian, numel } from './tensor';

/** Headers larger than this are refused before parsing (the format's own reader caps at 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const ST_TO_DTYPE: Record<string, DType> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16',
  I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8',
  U64: 'u64', U32: 'u32', U16: 'u16', U8: 'u8', BOOL: 'bool',
};
const DTYPE_TO_ST: Record<DType, string> = Object.fromEntries(
  Object.entries(ST_TO_DTYPE).map(([k, v]) => [v, k]),
) as Record<DType, string>;

export interface TensorFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

export function parseSafetensors(bytes: Uint8Array, file: string): TensorFile {
  if (bytes.length < 8) throw new DumpError(file, 'truncated safetensors file (no header size)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getBigUint64(0, true);
  if (size > BigInt(MAX_HEADER_BYTES)) throw new DumpError(file, `safetensors header size ${size} exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  const headerLen = Number(size);
  if (8 + headerLen > bytes.length) throw new DumpError(file, `truncated safetensors header (${headerLen} bytes declared, ${bytes.length - 8} present)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new DumpError(file, `bad safetensors header: not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new DumpError(file, 'bad safetensors header: not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, HostTensor>();
  const metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) throw new DumpError(file, 'bad safetensors header: __metadata__ is not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new DumpError(file, `bad safetensors header: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new DumpError(file, `bad safetensors header: entry '${name}' is not an object`);
    const dtype = typeof e.dtype === 'string' ? ST_TO_DTYPE[e.dtype] : undefined;
    if (!dtype) throw new DumpError(file, `tensor '${name}': unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new DumpError(file, `tensor '${name}': bad shape ${JSON.stringify(e.shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      throw new DumpError(file, `tensor '${name}': bad data_offsets ${JSON.stringify(offs)}`);
    }
    const shape = e.shape as number[];
    const [begin, end] = offs as [number, number];
    const need = numel(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== need) {
      throw new DumpError(file, `tensor '${name}': data_offsets span ${end - begin} bytes but shape [${shape}] of ${e.dtype} needs ${need}`);
    }
    if (end > dataLen) {
      throw new DumpError(file, `tensor '${name}': data ends at byte ${end} but the file has ${dataLen} data bytes (truncated?)`);
    }
    spans.push([begin, end, name]);
    tensors.set(name, { dtype, shape, data: decodeElements(bytes, dataStart + begin, dtype, numel(shape), true) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw new DumpError(file, `tensors '${spans[i - 1][2]}' and '${spans[i][2]}' overlap`);
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
