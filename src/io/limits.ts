import { DumpError } from './errors';

/**
 * What reading one dump may cost. Dumps come from untrusted folders (a cloned repository),
 * so every reader computes the cost from the headers first and refuses past these limits,
 * before it inflates or decodes anything.
 */
export interface ReadLimits {
  /** Bytes the reader may hold at once: raw tensors, decoded features and transient buffers. */
  maxBytes: number;
  /** Largest uncompressed/compressed ratio of an .npz member above RATIO_CHECK_BYTES. */
  maxInflateRatio: number;
}

/** The memory budget (MiB) when the user sets none (`--memory-mb`, `lsmi.memoryMb` 0 or unset). */
export const DEFAULT_MEMORY_MB = 4096;
/** Real features never compress better than ~10x; deflate bombs do (up to ~1000x). */
export const DEFAULT_MAX_INFLATE_RATIO = 100;
/** Members declaring at most this many bytes are exempt from the ratio rule (tiny or constant tensors compress well). */
export const RATIO_CHECK_BYTES = 16 * 1024 * 1024;
/** At most this many classes (K = max label + 1): the engine sizes [N, K] arrays by it. */
export const MAX_CLASSES = 10000;
/**
 * Fewer samples than this are refused: probes, cross-fitting folds and KNIFE need rows to
 * fit. Kept at 10 so hand-made test dumps of 10-12 rows still read.
 */
export const MIN_SAMPLES = 10;
/** .npy headers longer than this are refused (numpy itself refuses more than 10,000 bytes by default). */
export const MAX_NPY_HEADER_BYTES = 1024 * 1024;

/** Limits for a memory budget in MiB: the reader may use half of it, the engine the rest. */
export function readLimits(memoryMb?: number, maxInflateRatio?: number): ReadLimits {
  const mb = memoryMb !== undefined && Number.isFinite(memoryMb) && memoryMb > 0 ? memoryMb : DEFAULT_MEMORY_MB;
  const ratio =
    maxInflateRatio !== undefined && Number.isFinite(maxInflateRatio) && maxInflateRatio > 0
      ? maxInflateRatio
      : DEFAULT_MAX_INFLATE_RATIO;
  return { maxBytes: Math.floor((mb * 1024 * 1024) / 2), maxInflateRatio: ratio };
}

/** Fill in what the caller left out with the defaults. */
export function resolveLimits(limits?: Partial<ReadLimits>): ReadLimits {
  const d = readLimits();
  return {
    maxBytes: limits?.maxBytes !== undefined && limits.maxBytes >= 0 ? limits.maxBytes : d.maxBytes,
    maxInflateRatio:
      limits?.maxInflateRatio !== undefined && limits.maxInflateRatio > 0 ? limits.maxInflateRatio : d.maxInflateRatio,
  };
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** How to raise the budget, appended to every refusal. */
export function budgetHint(limits: ReadLimits): string {
  return (
    `the read budget is ${formatBytes(limits.maxBytes)} (half the memory budget); ` +
    'raise it with --memory-mb or the lsmi.memoryMb setting'
  );
}

/** One line item of a read plan: a tensor (or member) and what it will cost. */
export interface CostItem {
  /** e.g. "tensor 'x1' [1000, 64] f32" or "member 'x1.npy'". */
  what: string;
  /** Bytes held after reading (the raw tensor). */
  raw: number;
  /** Bytes added by decoding (float32 features, int32 labels...). */
  decode: number;
  /** Bytes held only while this item is read (compressed bytes, byte-order or Fortran copies). */
  transient: number;
}

/** Sum a read plan and refuse it past the budget, naming the largest item. */
export function checkBudget(file: string, items: CostItem[], overhead: number, limits: ReadLimits): number {
  let total = overhead;
  let transient = 0;
  let largest: CostItem | undefined;
  for (const it of items) {
    total += it.raw + it.decode;
    transient = Math.max(transient, it.transient);
    if (!largest || it.raw + it.decode > largest.raw + largest.decode) largest = it;
  }
  total += transient;
  if (total > limits.maxBytes) {
    const part = largest
      ? `; the largest part is ${largest.what}: ${formatBytes(largest.raw)} to read` +
        (largest.decode > 0 ? ` + ${formatBytes(largest.decode)} decoded` : '')
      : '';
    throw new DumpError(
      file,
      `reading this dump needs ${formatBytes(total)} (${total} bytes)${part}; more than allowed: ${budgetHint(limits)}`,
    );
  }
  return total;
}
