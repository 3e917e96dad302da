/**
 * The few protocol buffers encodings `lsmi export` needs to write TensorBoard event files by
 * hand (https://protobuf.dev/programming-guides/encoding/): a field is a key (field number and
 * wire type, as a varint) followed by its value. Only writing, only these wire types.
 */

/** Wire types: varint (int64, bool), 64-bit (double), length-delimited (string, bytes, message), 32-bit (float). */
export const WIRE = { varint: 0, i64: 1, len: 2, i32: 5 } as const;

/** An unsigned varint: 7 bits a byte, least significant group first, the high bit set on all but the last. */
export function varint(v: bigint): Buffer {
  if (v < 0n) throw new RangeError("varint: negative value (int64 fields encode it as 64-bit two's complement)");
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A field's key: (field number << 3) | wire type. */
const key = (field: number, wire: number) => varint(BigInt(field) * 8n + BigInt(wire));

/** An int64 field: negative values as their 64-bit two's complement (ten bytes), as protobuf writes them. */
export function int64Field(field: number, v: number): Buffer {
  return Buffer.concat([key(field, WIRE.varint), varint(BigInt.asUintN(64, BigInt(v)))]);
}

/** A double field (little-endian IEEE 754 binary64). */
export function doubleField(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([key(field, WIRE.i64), b]);
}

/** A float field (little-endian IEEE 754 binary32: the value rounded to float32). */
export function floatField(field: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return Buffer.concat([key(field, WIRE.i32), b]);
}

/** A length-delimited field: bytes, or an embedded message already encoded. */
export function bytesField(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([key(field, WIRE.len), varint(BigInt(bytes.length)), bytes]);
}

/** A string field (UTF-8). */
export function stringField(field: number, s: string): Buffer {
  return bytesField(field, Buffer.from(s, 'utf8'));
}
