/** The tensor names a dump's schema reads. */
export const LOGITS = ['logits1', 'logits2', 'logits12'] as const;

/** The tensors the dump schema reads: x1..xM (consecutive), y, logits*, split, ids. */
export function schemaNames(names: Iterable<string>): Set<string> {
  const all = new Set(names);
  const out = new Set<string>();
  for (const k of ['y', 'split', 'ids', ...LOGITS]) if (all.has(k)) out.add(k);
  for (let m = 1; all.has(`x${m}`); m++) out.add(`x${m}`);
  return out;
}
