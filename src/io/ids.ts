/** A dump's optional `ids` tensor: one whole number per sample, told apart exactly. */
import { DumpError } from './errors';
import { HostTensor, elementAsNumber } from './tensor';

export function readIds(file: string, it: HostTensor | undefined, n: number): number[] | undefined {
  if (!it) return undefined;
  if (it.shape.length !== 1 || it.shape[0] !== n)
    throw new DumpError(file, `'ids' must be [${n}], got shape [${it.shape}]`);
  const ids = Array.from({ length: n }, (_, i) => elementAsNumber(it, i));
  // Ids pair checkpoints and name samples: NaN, fractions or integers past 2^53 (which int64
  // ids can hold but a number cannot tell apart) would pair the wrong samples silently.
  const bad = ids.findIndex((v) => !Number.isSafeInteger(v));
  if (bad >= 0)
    throw new DumpError(
      file,
      `'ids' must be whole numbers within ±(2^53 - 1): row ${bad} holds ${elementText(it, bad, ids[bad])}`,
    );
  return ids;
}

/** An element as written: int64 ids past 2^53 as their exact digits. */
function elementText(t: HostTensor, i: number, asNumber: number): string {
  const d = t.data;
  return d instanceof BigInt64Array || d instanceof BigUint64Array ? String(d[i]) : String(asNumber);
}
