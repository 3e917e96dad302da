import type { PairResult, Result } from './estimator';
import type { ClassMeans } from './decompose';

/**
 * The JSON of a result: what `lsmi analyze --json` prints (resultToJson) and, with the dump's
 * content hash, what a cache entry's summary.json holds and the worker sends the host
 * (ResultSummary). Plain numbers, no typed arrays; JSON writes a NaN or infinite value as
 * null, so a number read back from disk may be null where the engine had no finite value.
 */

/** Per-class means of one pair (paper Table 3), with the class's name when the dump gives one. */
export type ClassSummary = ClassMeans & { name?: string };

/** The per-sample arrays of `lsmi analyze --json --samples` (null where a sample has no value). */
export type SampleArrays = Record<'r' | 'u1' | 'u2' | 's' | 'i1' | 'i2' | 'i12' | 'h1' | 'h2', Array<number | null>>;

/** One pair of modalities: the main pair's fields sit at the top level of a result, the others in `pairs`. */
export interface PairSummary extends Pick<
  PairResult,
  'pair' | 'names' | 'dataset' | 'intervals' | 'raw' | 'shift' | 'info'
> {
  perClass: ClassSummary[];
  /** only with --samples, on the main pair */
  samples?: SampleArrays;
}

/** The whole result as JSON (resultToJson). */
export interface ResultJson
  extends
    PairSummary,
    Pick<
      Result,
      | 'engineVersion'
      | 'file'
      | 'backend'
      | 'seconds'
      | 'n'
      | 'nTotal'
      | 'classes'
      | 'classCounts'
      | 'classNames'
      | 'modalities'
      | 'meta'
      | 'holdout'
      | 'entropy'
      | 'probes'
      | 'settings'
      | 'timings'
      | 'gflop'
      | 'warm'
    > {
  units: 'nats';
  adjusted: boolean;
  scaling: { probes: string; entropy: string; spaces: Result['entropySpace'] };
  /** every pair, when the dump has more than two modalities (absent otherwise) */
  pairs?: PairSummary[];
}

/**
 * A cache entry's summary.json, and the summary in the worker's 'result' message. Other keys
 * may be present (a stand-in worker's, a test's); they are `unknown` until checked.
 */
export interface ResultSummary extends Omit<ResultJson, 'samples'> {
  /** sha256 of the dump's bytes the result was computed from */
  contentHash: string;
  [other: string]: unknown;
}

/** The summary a worker stores and sends for a result of the dump whose bytes hash to `contentHash`. */
export function resultSummary(json: ResultJson, contentHash: string): ResultSummary {
  return { ...json, contentHash };
}

type Check = (v: unknown) => boolean;
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber: Check = (v) => typeof v === 'number' || v === null;
const isFinite: Check = (v) => Number.isFinite(v);
const isString: Check = (v) => typeof v === 'string';
const listOf =
  (each: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(each);
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const shaped =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([k, c]) => c((v as Record<string, unknown>)[k]));
const isMeans = shaped({ R: isNumber, U1: isNumber, U2: isNumber, S: isNumber });
const isRange = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every(isNumber);
const isIntervals = shaped({ level: isNumber, R: isRange, U1: isRange, U2: isRange, S: isRange });

const PAIR_FIELDS: Record<string, Check> = {
  pair: listOf(isNumber),
  names: listOf(isString),
  dataset: isMeans,
  intervals: isIntervals,
  raw: isMeans,
  shift: isNumber,
  info: shaped({ I1: isNumber, I2: isNumber, I12: isNumber }),
  perClass: listOf(shaped({ class: isNumber, n: isNumber, R: isNumber, U1: isNumber, U2: isNumber, S: isNumber })),
};
const SUMMARY_FIELDS: Record<string, Check> = {
  ...PAIR_FIELDS,
  engineVersion: isString,
  file: isString,
  units: isString,
  backend: isString,
  seconds: isNumber,
  n: isNumber,
  classes: isNumber,
  classCounts: listOf(isNumber),
  classNames: optional(listOf(isString)),
  modalities: listOf(isString),
  meta: shaped({ epoch: optional(isFinite), step: optional(isFinite) }),
  adjusted: (v) => typeof v === 'boolean',
  holdout: isObject,
  scaling: isObject,
  entropy: Array.isArray,
  probes: Array.isArray,
  pairs: optional(listOf(shaped(PAIR_FIELDS))),
  settings: isObject,
  timings: isObject,
  gflop: optional(isNumber),
  warm: optional(shaped({ from: isString, depth: isNumber })),
  contentHash: isString,
};

/** The row count of a parsed summary.json, or undefined when it has none (not an entry of ours). */
export function summaryRows(raw: unknown): number | undefined {
  const n = isObject(raw) ? (raw as { nTotal?: unknown }).nTotal : undefined;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The one check of a summary read from disk (a cache entry's summary.json): its shape is what
 * resultSummary writes, else it throws, naming the first field that is not.
 */
export function parseSummary(raw: unknown): ResultSummary {
  if (summaryRows(raw) === undefined) throw new Error('summary.json has no row count');
  const r = raw as Record<string, unknown>;
  for (const [k, check] of Object.entries(SUMMARY_FIELDS))
    if (!check(r[k])) throw new Error(`summary.json: ${k} is not what a result holds`);
  return raw as ResultSummary;
}
