/**
 * TensorBoard event files, written without TensorFlow: a TFRecord file (each record: length,
 * masked CRC-32C of the length, data, masked CRC-32C of the data) of `Event` protocol buffers,
 * the first holding the file version, each further one a step's scalars as `simple_value`s.
 * Only the fields scalars need are encoded (tensorflow/core/util/event.proto, summary.proto).
 */
import type { MetricRecord, RunData } from './read-run.js';
import { POSITION_FIELDS, naturalCompare } from './metric-groups.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; // Castagnoli, reflected
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli) of the bytes, as TFRecord files use it. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The masked CRC of a TFRecord: rotated right by 15 bits plus a constant. */
function maskedCrc(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** A protobuf message being built: fields appended in order. */
class ProtoWriter {
  private parts: number[] = [];
  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }
  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  double(field: number, v: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.parts.push(...b);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(...b);
    return this;
  }
  int64(field: number, v: number): this {
    this.key(field, 0);
    this.varint(BigInt(Math.trunc(v)));
    return this;
  }
  bytes(field: number, v: Uint8Array | string): this {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.key(field, 2);
    this.varint(BigInt(b.length));
    for (const x of b) this.parts.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** One TFRecord: the framing around a serialised message. */
function tfRecord(data: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(maskedCrc(len));
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc(data));
  return Buffer.concat([len, head, Buffer.from(data), tail]);
}

/** An Event (wall_time = 1, step = 2, summary = 5) holding scalar Summary.Values (tag = 1, simple_value = 2). */
function scalarEvent(wallTime: number, step: number, scalars: [string, number][]): Buffer {
  const summary = new ProtoWriter();
  for (const [tag, v] of scalars) summary.bytes(1, new ProtoWriter().bytes(1, tag).float(2, v).finish());
  return tfRecord(new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish());
}

/** The earliest record time of a run in ms (0 when none has one). */
function firstTime(run: RunData): number {
  let t = Infinity;
  for (const r of [run.baseline, ...run.steps, ...run.epochs]) if (r && Number.isFinite(r.time) && r.time! < t) t = r.time!;
  return Number.isFinite(t) ? t : 0;
}

/**
 * A run's metrics as the bytes of one TensorBoard event file. Steps are steps done (as on the
 * report's step axes): a step record's scalars at its step + 1, an epoch record's at the steps
 * done when the epoch ended, with `epoch` (epochs trained) beside them; an epoch mean of a
 * series also logged per step is tagged `<name>_epoch`; the baseline record's fields are
 * `baseline/<name>` at step 0. Wall times are the records' `time`. Values are 32-bit floats.
 */
export function eventFileBytes(run: RunData): Buffer {
  const stepKeys = new Set(run.steps.flatMap((r) => Object.keys(r)));
  const start = firstTime(run) / 1000;
  const wall = (r: MetricRecord) => (Number.isFinite(r.time) ? r.time! / 1000 : start);
  const fields = (r: MetricRecord) => Object.keys(r).filter((k) => !POSITION_FIELDS.has(k)).sort(naturalCompare);
  const out = [tfRecord(new ProtoWriter().double(1, start).bytes(3, 'brain.Event:2').finish())];
  if (run.baseline) out.push(scalarEvent(wall(run.baseline), 0, fields(run.baseline).map((k) => [`baseline/${k}`, run.baseline![k]!])));
  const events = [
    ...run.steps.map((r) => ({ step: r.step! + 1, order: 0, wall: wall(r), scalars: fields(r).map((k) => [k, r[k]!] as [string, number]) })),
    ...run.epochs.map((r) => ({
      step: Number.isFinite(r.step) ? r.step! : 0,
      order: 1,
      wall: wall(r),
      scalars: [['epoch', r.epoch! + 1], ...fields(r).map((k) => [stepKeys.has(k) ? `${k}_epoch` : k, r[k]!])] as [string, number][],
    })),
  ].sort((a, b) => a.step - b.step || a.order - b.order);
  for (const e of events) if (e.scalars.length) out.push(scalarEvent(e.wall, e.step, e.scalars));
  return Buffer.concat(out);
}

/** The event file's name: TensorBoard reads files whose name holds `tfevents`; fixed per run, so a rerun replaces it. */
export function eventFileName(run: RunData): string {
  return `events.out.tfevents.${Math.floor(firstTime(run) / 1000)}.mto-report`;
}
