/**
 * TensorBoard event files, written by hand (no TensorFlow): a file is a sequence of TFRecords,
 * each holding one `Event` protocol buffer (tensorflow/core/util/event.proto).
 *
 *   TFRecord: uint64 length, uint32 masked CRC32C of the length bytes, the data, uint32 masked
 *             CRC32C of the data (all little-endian)
 *   Event:    double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5
 *   Summary:  repeated Value value = 1
 *   Value:    string tag = 1; float simple_value = 2
 *
 * The first record of a file carries only `file_version: "brain.Event:2"`; each checkpoint is
 * then one Event with all of its scalars in its Summary.
 */
import { bytesField, doubleField, floatField, int64Field, stringField } from './protobuf-writer';

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), one table entry per byte value. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC32C of `buf` (crc32c("123456789") is 0xE3069283). */
export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The masked CRC32C TFRecord stores: rotated right by 15 bits, plus 0xa282ead8 (mod 2^32). */
export function maskedCrc32c(buf: Uint8Array): number {
  const c = crc32c(buf);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord framing `data`. */
export function tfRecord(data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

/** The scalars of one step: tag and value (written as float32). */
export interface ScalarEvent {
  step: number;
  /** seconds since the epoch */
  wallTime: number;
  scalars: Array<[tag: string, value: number]>;
}

/** An Event holding a Summary of `simple_value` scalars. */
export function scalarEvent(e: ScalarEvent): Buffer {
  const values = e.scalars.map(([tag, v]) => bytesField(1, Buffer.concat([stringField(1, tag), floatField(2, v)])));
  return Buffer.concat([doubleField(1, e.wallTime), int64Field(2, e.step), bytesField(5, Buffer.concat(values))]);
}

/** The Event that opens every event file. */
export function fileVersionEvent(wallTime: number): Buffer {
  return Buffer.concat([doubleField(1, wallTime), stringField(3, 'brain.Event:2')]);
}

/** A whole event file: the file-version record (at `createdAt`, seconds), then one record per event. */
export function eventFile(events: ScalarEvent[], createdAt: number): Buffer {
  return Buffer.concat([fileVersionEvent(createdAt), ...events.map(scalarEvent)].map(tfRecord));
}

/** Suffix of the event files LSMI Lens writes (TensorBoard reads any file whose name holds "tfevents"). */
export const EVENT_FILE_SUFFIX = '.lsmi';

/** `events.out.tfevents.<seconds>.<host>.lsmi`, as TensorFlow names its own (host reduced to safe characters). */
export function eventFileName(createdAtMs: number, host: string): string {
  const h = host.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64) || 'localhost';
  return `events.out.tfevents.${Math.floor(createdAtMs / 1000)}.${h}${EVENT_FILE_SUFFIX}`;
}

/** An event file LSMI Lens wrote (one a new export replaces). */
export const isOurEventFile = (name: string) => /^events\.out\.tfevents\.\d+\.[A-Za-z0-9._-]*\.lsmi$/.test(name);
