/**
 * Where a result's pointwise information terms came from: the dump's own logits
 * (logits1/logits2/logits12) or probes trained by LSMI Lens. One summary for the Runs view,
 * the webviews and the report, computed from a result's `probes` list (ModelReport in
 * src/core/estimator.ts; `modality` is "image", "text" or "image+text", `source` is 'probe'
 * or 'logits'). A leaf of shared/: plain data in, plain text out.
 */

/** One entry of a result's `probes` list: enough of it to say where its values came from. */
export interface ValueSourceProbe {
  source: 'probe' | 'logits';
  /** the modality (or "a+b" joint input) the probe or logits predict from */
  modality?: unknown;
}

export type ValueSource = 'logits' | 'probes' | 'mixed';

/** Only the entries whose `source` is one of the two known values (a summary read from disk is untrusted). */
function known(probes: ReadonlyArray<ValueSourceProbe> | undefined): ValueSourceProbe[] {
  if (!Array.isArray(probes)) return [];
  return probes.filter(
    (p): p is ValueSourceProbe =>
      typeof p === 'object' && p !== null && (p.source === 'logits' || p.source === 'probe'),
  );
}

/**
 * 'logits' when every input's p(y|x) came from the dump's logits, 'probes' when every one came
 * from a trained probe, 'mixed' when some of each, undefined when the list is absent or empty.
 */
export function valueSource(probes: ReadonlyArray<ValueSourceProbe> | undefined): ValueSource | undefined {
  const list = known(probes);
  if (list.length === 0) return undefined;
  const logits = list.filter((p) => p.source === 'logits').length;
  if (logits === list.length) return 'logits';
  if (logits === 0) return 'probes';
  return 'mixed';
}

/**
 * Short text for a tooltip or description: "from logits", "from probes", or for a mix the
 * inputs that came from logits, e.g. "mixed: image+text from logits" (the rest from probes).
 * Undefined when `valueSource` is.
 */
export function valueSourceLabel(probes: ReadonlyArray<ValueSourceProbe> | undefined): string | undefined {
  const source = valueSource(probes);
  if (source === undefined) return undefined;
  if (source !== 'mixed') return `from ${source}`;
  const names = known(probes)
    .filter((p) => p.source === 'logits')
    .map((p, i) => (typeof p.modality === 'string' && p.modality ? p.modality : `input ${i + 1}`));
  return `mixed: ${names.join(', ')} from logits`;
}
